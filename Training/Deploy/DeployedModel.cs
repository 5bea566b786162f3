using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SpikeFit.Training.IO;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Training.Deploy;

/// <summary>The network-wide part of a <c>.sfdm</c> header (see <see cref="DeployedModel"/>).</summary>
/// <param name="Version">Format version (<see cref="DeployedModel.Version"/>).</param>
/// <param name="Net">The training network family (mlp or conv), informational.</param>
/// <param name="T">Time steps per sample.</param>
/// <param name="InputHeight">Image height.</param>
/// <param name="InputWidth">Image width.</param>
/// <param name="InputChannels">Image channels (channels-last).</param>
/// <param name="Classes">Output classes.</param>
/// <param name="Readout">Membrane: argmax of the output integrator's mean membrane; SpikeCount: of output spike counts.</param>
/// <param name="InputLevels">Pixels in [0, 1] are quantized to p = round(InputLevels·x) ∈ [0, InputLevels] (255: 8 bits).</param>
/// <param name="BiasFractionBits">Biases are stored as round(b / u · 2^BiasFractionBits), u the layer's accumulator unit.</param>
/// <param name="Layers">The layers in forward order.</param>
/// <param name="PayloadBytes">Length of the binary payload that follows the header.</param>
/// <param name="Source">Where the model came from (e.g. the checkpoint path), informational.</param>
/// <param name="CreatedUtc">Export time, ISO 8601.</param>
public sealed record DeployedHeader(int Version, string Net, int T, int InputHeight, int InputWidth, int InputChannels,
    int Classes, Readout Readout, int InputLevels, int BiasFractionBits, List<DeployedLayer> Layers, long PayloadBytes,
    string Source, string CreatedUtc);

/// <summary>
/// A CAT-compressed spiking network ready for integer-only inference, and its file format
/// (<c>.sfdm</c>, versions 1 and 2, little-endian; full description in Training/Deploy/DEPLOY.md):
/// <code>
/// "SPKFDEPL"        8 bytes magic
/// int32 version     = 1, or 2 when a layer has cores, a mask, the TrueNorth layout or a MINT membrane
/// int32 n, n bytes  UTF-8 JSON header (<see cref="DeployedHeader"/>: T, input shape, classes, readout,
///                   the layer list with shapes, M, b, Δ, β, θ, reset and payload offsets)
/// payload           per weighted layer, at the offsets the header gives: packed indices
///                   (<see cref="IndexPacking"/>), levels q as int16 [groups, M], biases as int64 [rows]
/// 32 bytes          SHA-256 of everything above (header and payload)
/// </code>
/// Weights exist only as packed indices + integer levels + the scale; nothing in the file is a float
/// weight. Loading checks the magic, version, length and checksum, then every index and level.
/// </summary>
public sealed class DeployedModel
{
    /// <summary>Newest format version this build writes and reads: 2 adds cores, per-core codebooks, presence
    /// masks and the TrueNorth layout. A model without them is written as version 1, byte for byte as before.</summary>
    public const int Version = 2;

    /// <summary>The lowest version that holds <paramref name="layers"/>.</summary>
    public static int VersionFor(IEnumerable<DeployedLayer> layers) => layers.Any(l => l.NeedsVersion2) ? 2 : 1;
    private static readonly byte[] Magic = "SPKFDEPL"u8.ToArray();
    private const int PrefixBytes = 16, HashBytes = 32;

    /// <summary>Network structure and per-layer metadata.</summary>
    public DeployedHeader Header { get; }

    /// <summary>The payload: packed indices, levels and biases of every weighted layer.</summary>
    public byte[] Payload { get; }

    /// <summary>Wraps a header and payload; <see cref="Validate"/> checks that they agree.</summary>
    public DeployedModel(DeployedHeader header, byte[] payload)
    {
        Header = header;
        Payload = payload;
    }

    /// <summary>The weighted layers in forward order.</summary>
    public IEnumerable<DeployedLayer> WeightedLayers => Header.Layers.Where(l => l.IsWeighted);

    /// <summary>Codebook indices of a weighted layer, unpacked: [Rows·FanIn], each in [0, M).</summary>
    public int[] Indices(DeployedLayer layer) =>
        IndexPacking.Unpack(Payload.AsSpan((int)layer.IndicesOffset, (int)layer.IndicesBytes), (int)layer.IndexCount, layer.IndexBits);

    /// <summary>Core of each row [Rows] (version 2, <see cref="DeployedLayer.Cores"/> &gt; 0), else null.</summary>
    public int[]? CoreOfRow(DeployedLayer layer)
    {
        if (layer.Cores <= 0) return null;
        var core = new int[layer.Rows];
        var bytes = Payload.AsSpan((int)layer.CoresOffset, 4 * core.Length);
        for (int i = 0; i < core.Length; i++) core[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(4 * i));
        return core;
    }

    /// <summary>Which synapses exist [Rows·FanIn] (version 2, <see cref="DeployedLayer.HasMask"/>), else null (all).</summary>
    public bool[]? Mask(DeployedLayer layer) => layer.HasMask
        ? IndexPacking.Unpack(Payload.AsSpan((int)layer.MaskOffset, (int)layer.MaskBytes), layer.Rows * layer.FanIn, 1).Select(b => b != 0).ToArray()
        : null;

    /// <summary>Integer levels q of a weighted layer: [groups, M].</summary>
    public int[] Levels(DeployedLayer layer)
    {
        var q = new int[layer.Groups * layer.M];
        var bytes = Payload.AsSpan((int)layer.LevelsOffset, 2 * q.Length);
        for (int i = 0; i < q.Length; i++) q[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(2 * i));
        return q;
    }

    /// <summary>Biases of a weighted layer in units of its accumulator unit / 2^BiasFractionBits.</summary>
    public long[] Biases(DeployedLayer layer)
    {
        var b = new long[layer.Rows];
        var bytes = Payload.AsSpan((int)layer.BiasOffset, 8 * b.Length);
        for (int i = 0; i < b.Length; i++) b[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(8 * i));
        return b;
    }

    /// <summary>Integer weights q[a] of a weighted layer, [Rows, FanIn] (decoded from the packed indices).</summary>
    public int[] IntegerWeights(DeployedLayer layer)
    {
        var idx = Indices(layer);
        var q = Levels(layer);
        var core = CoreOfRow(layer);
        var mask = Mask(layer);
        var w = new int[layer.Rows * layer.FanIn];
        for (int r = 0; r < layer.Rows; r++)
        {
            int g = layer.PerNeuron ? r : layer.PerCore ? core![r] : 0;
            // TrueNorth: the index of (r, j) is the type of axon j on r's core.
            int indexRow = layer.TrueNorth ? core![r] * layer.FanIn : r * layer.FanIn;
            for (int j = 0; j < layer.FanIn; j++)
            {
                int k = r * layer.FanIn + j;
                w[k] = mask is not null && !mask[k] ? 0 : q[g * layer.M + idx[indexRow + j]];
            }
        }
        return w;
    }

    /// <summary>The weight values Δ·q[a] (float32, as the training network computes Δ·q) decoded from the file.</summary>
    public float[] DecodedWeights(DeployedLayer layer) => IntegerWeights(layer).Select(q => layer.Scale * q).ToArray();

    /// <summary>Per weighted layer: sizes and the distinct values counted from the decoded tensors.</summary>
    public IReadOnlyList<DeployedLayerSummary> Summarize() => WeightedLayers.Select(l =>
    {
        var values = DecodedWeights(l);
        return new DeployedLayerSummary(l.Name, l.Op, l.Rows, l.FanIn, l.M, l.Bits, l.IndexBits, l.PerNeuron, l.Scale,
            values.Distinct().Count(), values.Length, l.PayloadBytes);
    }).ToList();

    /// <summary>Checks that the header is consistent and that every index and level is in range.</summary>
    /// <exception cref="InvalidDataException">naming <paramref name="path"/> on any inconsistency.</exception>
    public void Validate(string path)
    {
        var h = Header;
        if (h.Version is < 1 or > Version)
            throw new InvalidDataException($"{path}: header version {h.Version}; this build reads versions 1 to {Version}.");
        if (h.T < 1 || h.Classes < 2 || h.InputLevels < 1 || h.InputLevels > 255 || h.BiasFractionBits is < 0 or > 30)
            throw new InvalidDataException($"{path}: bad header (T {h.T}, classes {h.Classes}, input levels {h.InputLevels}, bias bits {h.BiasFractionBits}).");
        if (h.PayloadBytes != Payload.Length)
            throw new InvalidDataException($"{path}: header says {h.PayloadBytes} payload bytes, found {Payload.Length}.");
        foreach (var l in h.Layers.Where(l => l.MembraneBits != 0))
        {
            if (l.Op != DeployedOp.Lif || l.MembraneBits is < 2 or > 16)
                throw new InvalidDataException($"{path}: layer {l.Name} ({l.Op}) has a {l.MembraneBits}-bit MINT membrane; only Lif layers have one, of 2 to 16 bits.");
            if (h.Version < 2)
                throw new InvalidDataException($"{path}: layer {l.Name} has a MINT membrane, which needs format version 2; the header says {h.Version}.");
        }
        foreach (var l in WeightedLayers)
        {
            if (l.M < 2 || l.Bits is < 2 or > 16 || l.M > 1 << l.Bits || l.IndexBits != IndexPacking.IndexBits(l.M) ||
                l.Rows < 1 || l.FanIn < 1 || !(l.Scale > 0f) || !float.IsFinite(l.Scale))
                throw new InvalidDataException($"{path}: layer {l.Name} has inconsistent codebook metadata (M {l.M}, b {l.Bits}, index bits {l.IndexBits}, Δ {l.Scale}).");
            if (l.NeedsVersion2 && h.Version < 2)
                throw new InvalidDataException($"{path}: layer {l.Name} uses cores, a mask or the TrueNorth layout, which need format version 2; the header says {h.Version}.");
            if (l.Cores < 0 || l.Cores > l.Rows || ((l.PerCore || l.TrueNorth) && l.Cores == 0) || (l.PerCore && (l.PerNeuron || l.TrueNorth)) || (l.TrueNorth && !l.PerNeuron))
                throw new InvalidDataException($"{path}: layer {l.Name} has an inconsistent layout ({l.Cores} cores, per core {l.PerCore}, per neuron {l.PerNeuron}, TrueNorth {l.TrueNorth}).");
            if (l.IndicesBytes != IndexPacking.PackedLength(l.IndexCount, l.IndexBits))
                throw new InvalidDataException($"{path}: layer {l.Name} has {l.IndicesBytes} index bytes; {l.IndexCount} indices need {IndexPacking.PackedLength(l.IndexCount, l.IndexBits)}.");
            foreach (var (offset, bytes, what) in new[]
                     {
                         (l.IndicesOffset, l.IndicesBytes, "indices"), (l.LevelsOffset, 2L * l.Groups * l.M, "levels"), (l.BiasOffset, 8L * l.Rows, "biases"),
                         (l.Cores > 0 ? l.CoresOffset : 0, l.Cores > 0 ? 4L * l.Rows : 0, "core indices"), (l.HasMask ? l.MaskOffset : 0, l.MaskBytes, "mask"),
                     })
                if (offset < 0 || offset + bytes > Payload.Length)
                    throw new InvalidDataException($"{path}: layer {l.Name} {what} lie outside the payload.");
            if (CoreOfRow(l) is { } cores && Array.FindIndex(cores, c => c < 0 || c >= l.Cores) is var badRow and >= 0)
                throw new InvalidDataException($"{path}: layer {l.Name} puts row {badRow} on core {cores[badRow]}, outside its {l.Cores} cores.");
            int qMin = -(1 << (l.Bits - 1)), qMax = (1 << (l.Bits - 1)) - 1;
            if (Levels(l).FirstOrDefault(q => q < qMin || q > qMax, int.MinValue) is var bad && bad != int.MinValue)
                throw new InvalidDataException($"{path}: layer {l.Name} level {bad} is outside the {l.Bits}-bit grid [{qMin}, {qMax}].");
            if (Indices(l).FirstOrDefault(i => i >= l.M, -1) is var badIndex && badIndex >= 0)
                throw new InvalidDataException($"{path}: layer {l.Name} holds index {badIndex}, beyond its M = {l.M} codebook.");
        }
        // The layer sequence itself is checked when the integer engine plans it.
    }

    /// <summary>Writes the model to <paramref name="path"/> through <see cref="AtomicFile"/> (temporary file, fsync, rename over the target).</summary>
    public void Save(string path)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(Header, Checkpoint.Json);
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(word, Header.Version);
        buffer.Write(word);
        BinaryPrimitives.WriteInt32LittleEndian(word, json.Length);
        buffer.Write(word);
        buffer.Write(json);
        buffer.Write(Payload);
        var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);
        AtomicFile.Write(path, buffer.WriteTo);
    }

    /// <summary>Reads and verifies a <c>.sfdm</c> file.</summary>
    /// <exception cref="InvalidDataException">naming the file when it is not a deployed model, of another
    /// version, truncated, corrupt (checksum mismatch) or inconsistent.</exception>
    public static DeployedModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist.", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a SpikeFit deployed model (bad magic; expected \"SPKFDEPL\").");
        if (bytes.Length < PrefixBytes + HashBytes)
            throw new InvalidDataException($"{path} is truncated ({bytes.Length} bytes).");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (version is < 1 or > Version)
            throw new InvalidDataException($"{path} is deployed-model format version {version}; this build reads versions 1 to {Version}.");
        int n = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        if (n <= 0 || n > 64 << 20) throw new InvalidDataException($"{path} is corrupt (header length {n}).");
        if (PrefixBytes + (long)n + HashBytes > bytes.Length)
            throw new InvalidDataException($"{path} is truncated ({bytes.Length} bytes; the header alone needs {PrefixBytes + n + HashBytes}).");
        DeployedHeader header;
        try
        {
            header = JsonSerializer.Deserialize<DeployedHeader>(bytes.AsSpan(PrefixBytes, n), Checkpoint.Json)
                     ?? throw new InvalidDataException($"{path} has an empty header.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is corrupt (unreadable header: {e.Message}).", e);
        }
        long expected = PrefixBytes + (long)n + header.PayloadBytes + HashBytes;
        if (header.PayloadBytes < 0 || bytes.Length < expected)
            throw new InvalidDataException($"{path} is truncated ({bytes.Length} bytes; header and payload need {expected}).");
        if (bytes.Length > expected)
            throw new InvalidDataException($"{path} is corrupt ({bytes.Length - expected} unexpected bytes after the payload).");
        var body = bytes.AsSpan(0, bytes.Length - HashBytes);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashBytes)))
            throw new InvalidDataException($"{path} is corrupt (SHA-256 mismatch); export it again.");
        if (header.Version != version)
            throw new InvalidDataException($"{path} is corrupt (format version {version}, header version {header.Version}).");
        var model = new DeployedModel(header, bytes.AsSpan(PrefixBytes + n, (int)header.PayloadBytes).ToArray());
        model.Validate(path);
        return model;
    }
}

/// <summary>One weighted layer of a deployed model, as the export and eval commands report it.</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Op">Dense or Conv.</param>
/// <param name="Rows">Output rows (neurons or channels).</param>
/// <param name="FanIn">Inputs per row.</param>
/// <param name="M">Codebook size.</param>
/// <param name="Bits">Grid bits b.</param>
/// <param name="IndexBits">Bits per synapse in the file (⌈log2 M⌉).</param>
/// <param name="PerNeuron">One codebook per row.</param>
/// <param name="Scale">Δ.</param>
/// <param name="DistinctValues">Distinct weight values counted from the decoded packed indices.</param>
/// <param name="Weights">Synapses (Rows·FanIn).</param>
/// <param name="Bytes">Payload bytes: packed indices, levels and biases.</param>
public sealed record DeployedLayerSummary(string Name, DeployedOp Op, int Rows, int FanIn, int M, int Bits, int IndexBits,
    bool PerNeuron, float Scale, int DistinctValues, long Weights, long Bytes);
