using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;
using SpikeFit.Training.IO;
using SpikeFit.Training.Models;

namespace SpikeFit.Training.Train;

/// <summary>
/// Checkpoint file, format version 1 (little-endian):
/// <code>
/// "SPKFCKPT"            8 bytes magic
/// int32 version         = 1
/// int32 n, n bytes      UTF-8 JSON header (<see cref="CheckpointHeader"/>: network spec, train options,
///                       epochs completed, Adam step, history, parameter names and lengths)
/// per parameter, in header order: value, Adam m, Adam v (float32 × length each)
/// 32 bytes              SHA-256 of everything above
/// </code>
/// It is written through <see cref="AtomicFile"/> (temporary file, fsync, rename over the old one), so an
/// interrupted write (Ctrl-C, crash, full disk) never damages the last complete checkpoint.
/// </summary>
public static class Checkpoint
{
    public const int Version = 1;
    private static readonly byte[] Magic = "SPKFCKPT"u8.ToArray();

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public sealed record ParameterEntry(string Name, int[] Shape, int Length);

    public sealed record CheckpointHeader(int Version, NetworkSpec Spec, TrainOptions Options, int EpochsCompleted,
        int AdamStep, List<EpochReport> History, List<ParameterEntry> Parameters, string CreatedUtc)
    {
        /// <summary>
        /// <see cref="WeightsSha256"/> of the parameters saved (null in checkpoints written before it existed):
        /// two runs of the same seed can be compared by this one field, whatever their paths and times.
        /// </summary>
        public string? WeightsSha256 { get; init; }

        /// <summary>The SHA-256 of the dataset it was trained on (null when not recorded); a resume on other data is refused.</summary>
        public string? DatasetSha256 { get; init; }
    }

    /// <summary>
    /// SHA-256 over the network's parameter values (each parameter's name, then its float32 values,
    /// little-endian, in the network's order): a content digest of the trained model that leaves out
    /// optimiser state, wall times and paths.
    /// </summary>
    public static string WeightsSha256(SpikingNetwork net)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in net.Parameters)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(p.Name + "\0"));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.ToArray().AsSpan()));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public static void Save(string path, SpikingNetwork net, TrainOptions options, int epochsCompleted, int adamStep,
        List<EpochReport> history, string? datasetSha256 = null)
    {
        var header = new CheckpointHeader(Version, net.Spec, options, epochsCompleted, adamStep, history,
            net.Parameters.Select(p => new ParameterEntry(p.Name, p.Shape, p.Length)).ToList(),
            DateTime.UtcNow.ToString("O")) { WeightsSha256 = WeightsSha256(net), DatasetSha256 = datasetSha256 };
        AtomicFile.Write(path, stream =>
        {
            using var hashing = new HashingStream(stream);
            using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(Version);
                var json = JsonSerializer.SerializeToUtf8Bytes(header, Json);
                w.Write(json.Length);
                w.Write(json);
                foreach (var p in net.Parameters)
                    foreach (var buffer in new[] { p.Value, p.M, p.V })
                        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.ToArray().AsSpan()));
            }
            stream.Write(hashing.Hash());
        });
    }

    /// <summary>
    /// Reads a checkpoint's header without loading the parameters into a network. The whole file's
    /// checksum is verified first: a header is trusted only when the file is intact.
    /// </summary>
    public static CheckpointHeader ReadHeader(string path)
    {
        using var r = Body(VerifiedBytes(path));
        return ReadHeader(path, r);
    }

    /// <summary>A reader over the file's bytes before the SHA-256 trailer.</summary>
    private static BinaryReader Body(byte[] verified) => new(new MemoryStream(verified, 0, verified.Length - 32));

    /// <summary>The file's bytes after its SHA-256 trailer was checked.</summary>
    private static byte[] VerifiedBytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 40)
            throw new InvalidDataException($"{path} is truncated ({bytes.Length} bytes).");
        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new InvalidDataException($"{path} is corrupt or truncated (checksum mismatch); use an older checkpoint or start afresh.");
        return bytes;
    }

    private static CheckpointHeader ReadHeader(string path, BinaryReader r)
    {
        var magic = r.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a SpikeFit checkpoint (bad magic).");
        int version = r.ReadInt32();
        if (version != Version)
            throw new InvalidDataException($"{path} is checkpoint format version {version}; this build reads version {Version}.");
        int n = r.ReadInt32();
        if (n <= 0 || n > 64 << 20) throw new InvalidDataException($"{path}: corrupt header length {n}.");
        var json = r.ReadBytes(n);
        if (json.Length != n) throw new InvalidDataException($"{path} is truncated inside its header ({json.Length} of {n} bytes).");
        try
        {
            return JsonSerializer.Deserialize<CheckpointHeader>(json, Json)
                   ?? throw new InvalidDataException($"{path}: empty header.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: its header is not a checkpoint header ({e.Message.Split(" Path:")[0]}).", e);
        }
    }

    /// <summary>Verifies the file's SHA-256, then loads parameter values and Adam moments into <paramref name="net"/>.</summary>
    public static CheckpointHeader Load(string path, SpikingNetwork net) => Load(path, VerifiedBytes(path), net);

    private static CheckpointHeader Load(string path, byte[] verified, SpikingNetwork net)
    {
        using var r = Body(verified);
        var header = ReadHeader(path, r);
        var byName = net.Parameters.ToDictionary(p => p.Name);
        foreach (var entry in header.Parameters)
        {
            if (!byName.TryGetValue(entry.Name, out var p) || p.Length != entry.Length)
                throw new InvalidDataException($"{path}: parameter {entry.Name} ({entry.Length} values) does not match the network.");
            foreach (var buffer in new[] { p.Value, p.M, p.V })
            {
                var values = new float[entry.Length];
                r.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                buffer.CopyFrom(values);
            }
        }
        if (header.Parameters.Count != net.Parameters.Count)
            throw new InvalidDataException($"{path} holds {header.Parameters.Count} parameters; the network has {net.Parameters.Count}.");
        // Derived state (a CAT layer's projected b-bit codebook) must follow the loaded latent values;
        // otherwise the first forward after a load computes with the codebook of the network's initialisation.
        foreach (var layer in net.Layers.OfType<IPostUpdateLayer>()) layer.AfterUpdate();
        return header;
    }

    /// <summary>
    /// The network a checkpoint holds, ready to run: reads the header, builds the network its spec
    /// describes on <paramref name="backend"/> (with the checkpoint's model seed), and loads the values
    /// and Adam moments (SHA-256 checked). With <paramref name="data"/>, first checks that the
    /// network was trained on images of that dataset's shape and class count. The caller owns (and
    /// disposes) the network; on any failure nothing is left allocated.
    /// </summary>
    /// <exception cref="FileNotFoundException">when <paramref name="path"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">when the file is not a checkpoint of this format, or is corrupt.</exception>
    /// <exception cref="ArgumentException">when the spec is invalid, or does not match <paramref name="data"/>.</exception>
    public static SpikingNetwork LoadNetwork(Backend backend, string path, Dataset? data = null) =>
        LoadNetwork(backend, path, out _, data);

    /// <inheritdoc cref="LoadNetwork(Backend, string, Dataset?)"/>
    /// <param name="backend">Where the network is built.</param>
    /// <param name="path">The checkpoint (.sfck).</param>
    /// <param name="header">The checkpoint's header (spec, training options, history).</param>
    /// <param name="data">Optional: the dataset the network is about to see.</param>
    public static SpikingNetwork LoadNetwork(Backend backend, string path, out CheckpointHeader header, Dataset? data = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist; give the checkpoint.sfck of a train run.", path);
        // The file is read and its checksum verified once, for the header and the values alike.
        var verified = VerifiedBytes(path);
        using (var r = Body(verified)) header = ReadHeader(path, r);
        var spec = header.Spec;
        if (data is not null && (data.Shape.Height != spec.InputHeight || data.Shape.Width != spec.InputWidth
                                 || data.Shape.Channels != spec.InputChannels || data.Classes != spec.Classes))
            throw new ArgumentException($"{path} was trained on {spec.InputHeight}x{spec.InputWidth}x{spec.InputChannels} inputs and {spec.Classes} classes; " +
                                        $"{data.Name} has {data.Shape} and {data.Classes} classes: pick the dataset the model was trained on.");
        var net = ModelZoo.Build(backend, spec, header.Options.Seed);
        try
        {
            Load(path, verified, net);
        }
        catch
        {
            net.Dispose();
            throw;
        }
        return net;
    }

    /// <summary>Write-through stream that hashes what passes.</summary>
    private sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public HashingStream(Stream inner) => _inner = inner;
        public byte[] Hash() => _hash.GetHashAndReset();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) { _hash.AppendData(buffer); _inner.Write(buffer); }
        public override void Flush() => _inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { _hash.Dispose(); base.Dispose(disposing); }
    }
}
