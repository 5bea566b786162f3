using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Encoding;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class EncodingKernelTests : BackendTestBase
{
    [SkippableFact]
    public void Poisson_matches_reference_exactly() => RunCheck(new EncodingCheck.Poisson());

    private float[] Encode(int t, int b, int p, uint seed, float[] pixels, int[] ids) => Encode(Backend, t, b, p, seed, pixels, ids);

    private static float[] Encode(Backend backend, int t, int b, int p, uint seed, float[] pixels, int[] ids)
    {
        using var dPixels = backend.Upload<float>(pixels);
        using var dIds = backend.Upload<int>(ids);
        using var dSpikes = backend.Allocate<float>((long)t * b * p);
        dSpikes.Fill(float.NaN);
        backend.Encoding.Poisson(t, b, p, seed, dPixels, dIds, dSpikes);
        return dSpikes.ToArray();
    }

    [SkippableFact]
    public void Pixel_zero_never_fires_and_pixel_one_always_fires()
    {
        const int t = 50, b = 2, p = 4;
        // Per sample: 0, 1, and values outside [0, 1] that clamp to 0 and 1.
        float[] pixels = [0f, 1f, -0.5f, 3f, 0f, 1f, -1e-7f, 1.0000001f];
        var spikes = Encode(t, b, p, (uint)FreshSeed(), pixels, [5, 6]);
        for (int tt = 0; tt < t; tt++)
            for (int s = 0; s < b; s++)
                for (int j = 0; j < p; j++)
                    Assert.Equal(j % 2 == 0 ? 0f : 1f, spikes[(tt * b + s) * p + j]);
    }

    [SkippableFact]
    public void Firing_rate_approaches_pixel_intensity()
    {
        // 2000 steps × 4 samples per intensity: σ ≤ √(0.25/8000) ≈ 0.0056, so 0.03 is > 5σ.
        const int t = 2000, b = 4, p = 11;
        var pixels = new float[b * p];
        for (int s = 0; s < b; s++)
            for (int j = 0; j < p; j++) pixels[s * p + j] = j / 10f;
        var spikes = Encode(t, b, p, (uint)FreshSeed(), pixels, [11, 22, 33, 44]);
        for (int j = 0; j < p; j++)
        {
            double count = 0;
            for (int tt = 0; tt < t; tt++)
                for (int s = 0; s < b; s++) count += spikes[(tt * b + s) * p + j];
            double rate = count / (t * b);
            Assert.True(Math.Abs(rate - j / 10.0) < 0.03, $"pixel {j / 10.0}: rate {rate}");
        }
    }

    private static double Differing(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = 0;
        for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) n++;
        return (double)n / a.Length;
    }

    [SkippableFact]
    public void Different_seeds_samples_and_steps_give_different_spikes()
    {
        // Pixels at 0.5: two independent streams differ in about half the positions.
        const int t = 2, b = 3, p = 400;
        var pixels = Enumerable.Repeat(0.5f, b * p).ToArray();
        uint seed = (uint)FreshSeed();
        int[] ids = [100, 101, 100];
        var a = Encode(t, b, p, seed, pixels, ids);
        var other = Encode(t, b, p, seed + 1, pixels, ids);
        Assert.InRange(Differing(a, other), 0.35, 0.65);
        var step0 = a.AsSpan(0, b * p);
        var step1 = a.AsSpan(b * p, b * p);
        Assert.InRange(Differing(step0, step1), 0.35, 0.65);
        // Samples 100 and 101 differ; the duplicate id 100 repeats sample 0 exactly (keyed on id, not batch slot).
        Assert.InRange(Differing(step0.Slice(0, p), step0.Slice(p, p)), 0.35, 0.65);
        Assert.Equal(step0.Slice(0, p).ToArray(), step0.Slice(2 * p, p).ToArray());
        // Neighbouring pixels of one sample are not correlated either.
        Assert.InRange(Differing(step0.Slice(0, p - 1), step0.Slice(1, p - 1)), 0.35, 0.65);
    }

    [SkippableFact]
    public void Same_seed_gives_identical_spikes_on_every_run_and_backend()
    {
        var rng = new Random(FreshSeed());
        const int t = 3, b = 4, p = 37;
        var (pixels, ids) = EncodingCheck.Inputs(rng, b, p);
        uint seed = (uint)rng.Next();
        var first = Encode(t, b, p, seed, pixels, ids);
        var second = Encode(t, b, p, seed, pixels, ids);
        Assert.Equal(first, second);
        // The managed cpu backend is always present: every backend must agree with it bit for bit.
        var (cpu, _) = TestBackends.Get(BackendKind.Cpu);
        Assert.NotNull(cpu);
        Assert.Equal(Encode(cpu!, t, b, p, seed, pixels, ids), first);
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var backend = Backend;
        using var pixels = backend.Allocate<float>(2 * 5);
        using var ids = backend.Allocate<int>(1);
        using var spikes = backend.Allocate<float>(3 * 2 * 5);
        var e = Assert.Throws<ArgumentException>(() => backend.Encoding.Poisson(3, 2, 5, 1u, pixels, ids, spikes));
        Assert.Contains("sampleIds", e.Message);
    }
}
