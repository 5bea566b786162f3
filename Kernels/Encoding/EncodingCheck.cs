using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Encoding;

/// <summary>Correctness checks of the encoders against <see cref="EncodingReference"/>.</summary>
public static class EncodingCheck
{
    public static (int T, int B, int P) ShapeFor(CheckSize size) => size == CheckSize.Small ? (3, 4, 50) : (16, 128, 784);

    /// <summary>Random pixels (some outside [0, 1], some exactly 0 or 1), random sample ids with one duplicate.</summary>
    public static (float[] Pixels, int[] SampleIds) Inputs(Random rng, int b, int p)
    {
        var pixels = TestData.Uniform(rng, (long)b * p, -0.2f, 1.2f);
        for (int k = 0; k < pixels.Length / 20; k++) pixels[rng.Next(pixels.Length)] = rng.Next(2);
        var ids = new int[b];
        for (int i = 0; i < b; i++) ids[i] = rng.Next(60_000);
        if (b > 1) ids[b - 1] = ids[0];
        return (pixels, ids);
    }

    public sealed class Poisson : KernelCheck
    {
        public override string Name => "encoding.poisson";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var (t, b, p) = ShapeFor(size);
            var (pixels, ids) = Inputs(rng, b, p);
            uint rngSeed = (uint)rng.Next() ^ ((uint)rng.Next(4) << 30);
            var expected = EncodingReference.Poisson(t, b, p, rngSeed, pixels, ids);
            using var dPixels = backend.Upload<float>(pixels);
            using var dIds = backend.Upload<int>(ids);
            using var dSpikes = backend.Allocate<float>((long)t * b * p);
            double ms = Timed(backend, () => dSpikes.Fill(float.NaN),
                () => backend.Encoding.Poisson(t, b, p, rngSeed, dPixels, dIds, dSpikes));
            // Exact: the hash is integer arithmetic and u has 24 bits, so every backend must
            // reproduce the reference spike for spike.
            return Result(backend, $"T={t} B={b} P={p}", Compare.Exact(dSpikes.ToArray(), expected), 0, ms, "spikes exact");
        }
    }

    public static IEnumerable<KernelCheck> All()
    {
        yield return new Poisson();
    }
}
