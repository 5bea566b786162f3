using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Data;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "spikefit-data-" + Guid.NewGuid().ToString("N"));

    public string Sub(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Tiny IDX datasets built in memory, written raw or gzip.</summary>
public static class IdxFixtures
{
    public static byte[] Images(int count, int rows, int cols, int seed)
    {
        var bytes = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.ImageMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        new Random(seed).NextBytes(bytes.AsSpan(16));
        // Make sure both ends of the range appear, to check the scaling exactly.
        if (count * rows * cols >= 2) { bytes[16] = 0; bytes[17] = 255; }
        return bytes;
    }

    public static byte[] Labels(int count, int classes, int seed)
    {
        var bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.LabelMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        var rng = new Random(seed);
        for (int i = 0; i < count; i++) bytes[8 + i] = (byte)rng.Next(classes);
        return bytes;
    }

    public static byte[] Gzip(byte[] payload)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(payload);
        return ms.ToArray();
    }

    public static string Sha256(byte[] payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>The four payloads of a small dataset (train 12, test 5, 4×3 images unless told).</summary>
    public static Dictionary<IdxFileRole, byte[]> Payloads(int seed, int train = 12, int test = 5, int rows = 4, int cols = 3) => new()
    {
        [IdxFileRole.TrainImages] = Images(train, rows, cols, seed),
        [IdxFileRole.TrainLabels] = Labels(train, 10, seed + 1),
        [IdxFileRole.TestImages] = Images(test, rows, cols, seed + 2),
        [IdxFileRole.TestLabels] = Labels(test, 10, seed + 3),
    };

    public static Dictionary<IdxFileRole, string> Digests(Dictionary<IdxFileRole, byte[]> payloads) =>
        payloads.ToDictionary(kv => kv.Key, kv => Sha256(kv.Value));

    /// <summary>Writes the payloads under their standard names (".gz" when <paramref name="gzip"/>).</summary>
    public static Dictionary<IdxFileRole, byte[]> Write(string folder, Dictionary<IdxFileRole, byte[]> payloads, bool gzip = true)
    {
        Directory.CreateDirectory(folder);
        foreach (var (role, payload) in payloads)
        {
            string name = KnownDatasets.FileName(role);
            File.WriteAllBytes(Path.Combine(folder, gzip ? name + ".gz" : name), gzip ? Gzip(payload) : payload);
        }
        return payloads;
    }

    public static Dictionary<IdxFileRole, byte[]> WriteDataset(string folder, int seed, bool gzip = true) =>
        Write(folder, Payloads(seed), gzip);

    /// <summary>Options that touch nothing of the machine: a private cache, no system folder, no
    /// download, and an environment holding only <paramref name="env"/>.</summary>
    public static DatasetResolverOptions Isolated(string cacheRoot, Dictionary<string, string>? env = null) => new()
    {
        CacheRoot = cacheRoot,
        NoSystemFolder = true,
        AllowDownload = false,
        Environment = k => env is not null && env.TryGetValue(k, out var v) ? v : null,
    };
}
