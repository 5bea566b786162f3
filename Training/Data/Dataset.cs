namespace SpikeFit.Training.Data;

/// <summary>Shape of one image: height × width × channels.</summary>
public readonly record struct ImageShape(int Height, int Width, int Channels)
{
    /// <summary>28×28×1, the MNIST family's shape.</summary>
    public static ImageShape Mnist => new(28, 28, 1);

    /// <summary>Values per image (Height·Width·Channels).</summary>
    public int Size => Height * Width * Channels;

    /// <inheritdoc/>
    public override string ToString() => $"{Height}×{Width}×{Channels}";
}

/// <summary>
/// An image-classification dataset held in memory: images row-major float32 [n, Shape.Size] in
/// [0, 1], labels int in [0, Classes).
/// </summary>
/// <param name="Name">Dataset name (e.g. "fashion-mnist", "synthetic").</param>
/// <param name="TrainImages">[TrainCount, Shape.Size] pixels in [0, 1].</param>
/// <param name="TrainLabels">TrainCount labels in [0, Classes).</param>
/// <param name="TestImages">[TestCount, Shape.Size] pixels in [0, 1].</param>
/// <param name="TestLabels">TestCount labels in [0, Classes).</param>
/// <param name="Shape">Shape of one image.</param>
/// <param name="Classes">Number of classes.</param>
/// <param name="Sha256">Provenance digest: SHA-256 over the four decompressed IDX payloads
/// concatenated in the order train-images, train-labels, t10k-images, t10k-labels (lower-case hex).
/// For <see cref="Synthetic"/> data: over the four arrays' raw bytes in the same order.</param>
/// <param name="Source">Where the data came from, e.g. "--data /x", "cache /y", "download", "synthetic".</param>
/// <param name="SourceFolder">The folder the files were read from, or null (synthetic).</param>
/// <param name="FileSha256">SHA-256 of each decompressed payload (lower-case hex) by role.</param>
/// <param name="Verified">True when the payloads matched known digests; false when no digests were
/// known for this dataset or folder, and the data was loaded unchecked.</param>
public sealed partial record Dataset(
    string Name,
    float[] TrainImages,
    int[] TrainLabels,
    float[] TestImages,
    int[] TestLabels,
    ImageShape Shape,
    int Classes,
    string Sha256,
    string Source,
    string? SourceFolder,
    IReadOnlyDictionary<IdxFileRole, string> FileSha256,
    bool Verified)
{
    /// <summary>Number of training samples.</summary>
    public int TrainCount => TrainLabels.Length;

    /// <summary>Number of test samples.</summary>
    public int TestCount => TestLabels.Length;

    /// <summary>A dataset holding the first <paramref name="trainCount"/> training and
    /// <paramref name="testCount"/> test samples (copies), for quick presets. The digests stay those
    /// of the full dataset it was cut from.</summary>
    public Dataset Take(int trainCount, int testCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        trainCount = Math.Min(trainCount, TrainCount);
        testCount = Math.Min(testCount, TestCount);
        int size = Shape.Size;
        return this with
        {
            TrainImages = TrainImages[..(trainCount * size)],
            TrainLabels = TrainLabels[..trainCount],
            TestImages = TestImages[..(testCount * size)],
            TestLabels = TestLabels[..testCount],
        };
    }

    /// <summary>One line for logs: name, sizes, source, digest and whether it was verified.</summary>
    public string Describe() =>
        $"{Name}: {TrainCount} train / {TestCount} test, {Shape}, {Classes} classes, from {Source}, " +
        $"sha256 {Sha256[..Math.Min(16, Sha256.Length)]}… ({(Verified ? "verified against known digests" : "no known digests; not verified")})";
}
