using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Loss;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class LossKernelTests : BackendTestBase
{
    [SkippableTheory]
    [InlineData(Readout.SpikeCounts)]
    [InlineData(Readout.MeanMembrane)]
    public void Cross_entropy_matches_reference(Readout readout) => RunCheck(new LossCheck.CrossEntropy(readout));

    private (float[] Logits, float[] Losses, float[] Grad) Run(int t, int b, int c, float scale, float[] x, int[] labels)
    {
        var backend = Backend;
        using var dX = backend.Upload<float>(x);
        using var dL = backend.Upload<int>(labels);
        using var dLogits = backend.Allocate<float>(b * c);
        using var dLosses = backend.Allocate<float>(b);
        using var dGrad = backend.Allocate<float>(t * b * c);
        dLogits.Fill(float.NaN); dLosses.Fill(float.NaN); dGrad.Fill(float.NaN);
        backend.Loss.SoftmaxCrossEntropy(t, b, c, scale, dX, dL, dLogits, dLosses, dGrad);
        return (dLogits.ToArray(), dLosses.ToArray(), dGrad.ToArray());
    }

    [SkippableTheory]
    [InlineData(1f)]
    [InlineData(0.25f)]
    public void Uniform_logits_give_log_C_and_uniform_softmax_gradient(float scale)
    {
        const int t = 4, b = 3, c = 10;
        var x = Enumerable.Repeat(0.5f, t * b * c).ToArray();
        int[] labels = [0, 9, 4];
        var (logits, losses, grad) = Run(t, b, c, scale, x, labels);
        foreach (var l in logits) Assert.Equal(scale * 2f, l, 6);
        foreach (var l in losses) Assert.Equal(Math.Log(c), l, 5);
        for (int tt = 0; tt < t; tt++)
            for (int s = 0; s < b; s++)
                for (int j = 0; j < c; j++)
                {
                    double expected = scale * (1.0 / c - (j == labels[s] ? 1 : 0)) / b;
                    Assert.Equal(expected, grad[(tt * b + s) * c + j], 6);
                }
    }

    [SkippableFact]
    public void Two_class_case_matches_hand_computation()
    {
        // One step, logits (0, ln 3): softmax (1/4, 3/4); label 1 → loss ln(4/3); B = 2 halves the gradient.
        float ln3 = MathF.Log(3f);
        var x = new[] { 0f, ln3, ln3, 0f };
        var (_, losses, grad) = Run(1, 2, 2, 1f, x, [1, 1]);
        Assert.Equal(Math.Log(4.0 / 3.0), losses[0], 5);
        Assert.Equal(Math.Log(4.0), losses[1], 5);
        Assert.Equal(0.25 / 2, grad[0], 6);
        Assert.Equal(-0.25 / 2, grad[1], 6);
        Assert.Equal(0.75 / 2, grad[2], 6);
        Assert.Equal(-0.75 / 2, grad[3], 6);
    }

    [SkippableFact]
    public void Large_logits_do_not_overflow()
    {
        // exp(1000) overflows float32; subtracting the max keeps the loss finite: ln(1 + e^-1).
        // lse ≈ 1000.31 is a float32 with ulp 6e-5, so the loss is good to ~1e-4 absolute.
        var x = new[] { 1000f, 999f };
        var (_, losses, grad) = Run(1, 1, 2, 1f, x, [0]);
        Assert.True(Math.Abs(losses[0] - Math.Log(1 + Math.Exp(-1))) < 2e-4, $"loss {losses[0]}");
        // softmax = (1/(1+e^-1), 1/(1+e)); the label is class 0.
        Assert.Equal(-1 / (1 + Math.E), grad[0], 4);
        Assert.Equal(1 / (1 + Math.E), grad[1], 4);
    }

    [SkippableFact]
    public void Out_of_range_label_throws_on_cpu_and_gives_NaN_on_ilgpu()
    {
        var backend = Backend;
        const int t = 2, b = 3, c = 4;
        var x = SpikeFit.Kernels.Checks.TestData.Uniform(new Random(FreshSeed()), t * b * c, 0, 1);
        int[] labels = [1, 2, 7];
        if (backend.Kind == BackendKind.Cpu)
        {
            var e = Assert.Throws<ArgumentException>(() => Run(t, b, c, 1f, x, labels));
            Assert.Contains("sample 2", e.Message);
            Assert.Contains("7", e.Message);
            labels[2] = -1;
            e = Assert.Throws<ArgumentException>(() => Run(t, b, c, 1f, x, labels));
            Assert.Contains("-1", e.Message);
            return;
        }
        var (logits, losses, grad) = Run(t, b, c, 1f, x, labels);
        Assert.All(logits, l => Assert.True(float.IsFinite(l)));
        Assert.True(float.IsFinite(losses[0]) && float.IsFinite(losses[1]));
        Assert.True(float.IsNaN(losses[2]));
        for (int tt = 0; tt < t; tt++)
            for (int s = 0; s < b; s++)
                for (int j = 0; j < c; j++)
                    Assert.Equal(s == 2, float.IsNaN(grad[(tt * b + s) * c + j]));
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var backend = Backend;
        using var x = backend.Allocate<float>(2 * 3 * 4);
        using var labels = backend.Allocate<int>(3);
        using var logits = backend.Allocate<float>(3 * 4);
        using var losses = backend.Allocate<float>(3);
        using var grad = backend.Allocate<float>(2 * 3 * 4 - 1);
        var e = Assert.Throws<ArgumentException>(() => backend.Loss.SoftmaxCrossEntropy(2, 3, 4, 1f, x, labels, logits, losses, grad));
        Assert.Contains("gradX", e.Message);
    }
}
