using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SpikeFit.Training.Data;

public sealed partial record Dataset
{
    /// <summary>
    /// A small learnable stand-in for Fashion-MNIST, for fast training tests: 10 class prototypes
    /// (each a few random Gaussian blobs on a 28×28 canvas) plus per-pixel Gaussian noise (σ 0.15),
    /// clamped to [0, 1]; labels uniformly random. Deterministic in <paramref name="seed"/>: the
    /// prototypes depend only on the seed, so train and test share them.
    /// </summary>
    public static Dataset Synthetic(int train, int test, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(train);
        ArgumentOutOfRangeException.ThrowIfNegative(test);
        const int classes = 10, side = 28, size = side * side;
        var rng = new Random(seed);

        var prototypes = new float[classes * size];
        for (int c = 0; c < classes; c++)
        {
            int blobs = 3 + rng.Next(3);
            for (int b = 0; b < blobs; b++)
            {
                double cy = 4 + rng.NextDouble() * 20, cx = 4 + rng.NextDouble() * 20;
                double sigma = 2 + rng.NextDouble() * 3, amp = 0.5 + rng.NextDouble() * 0.5;
                for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
                    ref float p = ref prototypes[c * size + y * side + x];
                    p = (float)Math.Min(1.0, p + amp * Math.Exp(-d2 / (2 * sigma * sigma)));
                }
            }
        }

        (float[] images, int[] labels) Sample(int n)
        {
            var images = new float[n * size];
            var labels = new int[n];
            for (int i = 0; i < n; i++)
            {
                int c = labels[i] = rng.Next(classes);
                for (int j = 0; j < size; j++)
                {
                    // Box-Muller noise from two uniforms.
                    double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                    double noise = 0.15 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                    images[i * size + j] = (float)Math.Clamp(prototypes[c * size + j] + noise, 0, 1);
                }
            }
            return (images, labels);
        }

        var (trainImages, trainLabels) = Sample(train);
        var (testImages, testLabels) = Sample(test);
        var parts = new byte[][]
        {
            MemoryMarshal.AsBytes(trainImages.AsSpan()).ToArray(), MemoryMarshal.AsBytes(trainLabels.AsSpan()).ToArray(),
            MemoryMarshal.AsBytes(testImages.AsSpan()).ToArray(), MemoryMarshal.AsBytes(testLabels.AsSpan()).ToArray(),
        };
        using var combined = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in parts) combined.AppendData(p);
        return new Dataset(
            "synthetic", trainImages, trainLabels, testImages, testLabels, ImageShape.Mnist, classes,
            Convert.ToHexStringLower(combined.GetHashAndReset()), $"synthetic (seed {seed})", null,
            KnownDatasets.Roles.Select((r, i) => (r, i)).ToDictionary(t => t.r, t => Convert.ToHexStringLower(SHA256.HashData(parts[t.i]))),
            Verified: false);
    }
}
