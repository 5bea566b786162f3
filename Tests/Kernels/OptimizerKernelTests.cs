using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Optim;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class OptimizerKernelTests : BackendTestBase
{
    [SkippableTheory]
    [InlineData(0f, false)]
    [InlineData(0.1f, false)]
    [InlineData(0.01f, true)]
    public void Adam_matches_reference_over_several_steps(float weightDecay, bool resume) =>
        RunCheck(new OptimizerCheck.Adam(weightDecay, resume));

    private (float[] P, float[] M, float[] V) Step(AdamConfig config, int step, float[] p, float[] g, float[] m, float[] v)
    {
        var backend = Backend;
        using var dP = backend.Upload<float>(p);
        using var dG = backend.Upload<float>(g);
        using var dM = backend.Upload<float>(m);
        using var dV = backend.Upload<float>(v);
        backend.Optim.Adam(config, step, p.Length, dP, dG, dM, dV);
        return (dP.ToArray(), dM.ToArray(), dV.ToArray());
    }

    [SkippableFact]
    public void First_step_moves_each_parameter_by_lr_against_the_gradient_sign()
    {
        // Step 1 from m = v = 0: m̂ = g and v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g).
        var rng = new Random(FreshSeed());
        const int n = 37;
        var config = new AdamConfig(LearningRate: 0.01f);
        var p = TestData.Uniform(rng, n, -1, 1);
        var g = TestData.Normal(rng, n);
        for (int i = 0; i < n; i++) if (MathF.Abs(g[i]) < 1e-3f) g[i] = 0.5f;
        var (p1, m1, v1) = Step(config, 1, p, g, new float[n], new float[n]);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(-0.01 * Math.Sign(g[i]), p1[i] - p[i], 6);
            // (1 − β) from the float β values, compared relatively (v is ~1e-3).
            double m = (1 - (double)config.Beta1) * g[i], v = (1 - (double)config.Beta2) * g[i] * g[i];
            Assert.True(Math.Abs(m1[i] - m) <= 1e-6 * Math.Abs(m), $"m[{i}] = {m1[i]}, expected {m}");
            Assert.True(Math.Abs(v1[i] - v) <= 1e-6 * v, $"v[{i}] = {v1[i]}, expected {v}");
        }
    }

    [SkippableFact]
    public void Weight_decay_shrinks_a_parameter_with_zero_gradient()
    {
        var config = new AdamConfig(LearningRate: 0.01f, WeightDecay: 0.5f);
        float[] p = [2f, -1f, 0.25f, 0f];
        var (p1, m1, v1) = Step(config, 3, p, new float[4], new float[4], new float[4]);
        for (int i = 0; i < p.Length; i++)
        {
            Assert.Equal(p[i] - 0.01 * 0.5 * p[i], p1[i], 6);
            Assert.Equal(0f, m1[i]);
            Assert.Equal(0f, v1[i]);
        }
    }

    [Fact]
    public void Default_config_has_the_documented_defaults()
    {
        var c = new AdamConfig();
        Assert.Equal(new AdamConfig(1e-3f, 0.9f, 0.999f, 1e-8f, 0f), c);
        c.Validate();
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Step_below_one_is_rejected(int step)
    {
        var backend = Backend;
        using var buffer = backend.Allocate<float>(4);
        using var g = backend.Allocate<float>(4);
        using var m = backend.Allocate<float>(4);
        using var v = backend.Allocate<float>(4);
        var e = Assert.Throws<ArgumentException>(() => backend.Optim.Adam(new AdamConfig(), step, 4, buffer, g, m, v));
        Assert.Contains("step", e.Message);
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var backend = Backend;
        using var p = backend.Allocate<float>(10);
        using var g = backend.Allocate<float>(10);
        using var m = backend.Allocate<float>(10);
        using var v = backend.Allocate<float>(9);
        var e = Assert.Throws<ArgumentException>(() => backend.Optim.Adam(new AdamConfig(), 1, 10, p, g, m, v));
        Assert.Contains("'v'", e.Message);
    }
}
