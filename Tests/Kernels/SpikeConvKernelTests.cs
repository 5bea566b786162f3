using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Conv;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

/// <summary>The spike-indexed convolution on every backend: against the float64 reference, and against im2col + GEMM on the same backend.</summary>
public abstract class SpikeConvKernelTests : BackendTestBase
{
    public static TheoryData<string> CheckNames()
    {
        var data = new TheoryData<string>();
        foreach (var check in SpikeConvCheck.All()) data.Add(check.Name);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(CheckNames))]
    public void Check_matches_reference(string name) => RunCheck(SpikeConvCheck.All().Single(c => c.Name == name));

    [SkippableFact]
    public void Pack_sets_one_bit_per_spiking_channel()
    {
        var backend = Backend;
        var s = new ConvShape(1, 1, 2, 3, 1, 1);
        using var x = backend.Upload<float>([1, 0, 1, 0, 1, 1]);
        using var masks = backend.Allocate<uint>(2);
        backend.SpikeConv.Pack(s, x, masks);
        Assert.Equal([0b101u, 0b110u], masks.ToArray());
    }

    /// <summary>
    /// Same outputs and gradients as <see cref="ConvLayer"/> on the same backend and data: bit for
    /// bit on the cpu backend (the design: same sums in the same order), within the dense tolerance elsewhere.
    /// Shapes cover the conv net's second layer, padding, an output width that is not a whole number
    /// of vectors, and a 288-term reduction (32 channels) that the cpu GEMM sums in two blocks.
    /// </summary>
    [SkippableTheory]
    [InlineData(4, 9, 9, 5, 7, 0, false)]
    [InlineData(4, 9, 9, 16, 32, 0, true)]
    [InlineData(3, 7, 6, 16, 32, 1, false)]
    [InlineData(2, 7, 7, 32, 16, 0, true)]
    public void Matches_im2col_and_gemm_on_the_same_backend(int r, int h, int w, int c, int o, int padding, bool accumulate)
    {
        var backend = Backend;
        var s = new ConvShape(r, h, w, c, o, 3, padding);
        var rng = new Random(FreshSeed());
        var (dense, spike) = (Run(backend, s, rng, accumulate, spikeIndexed: false, out var inputs), Run(backend, s, null, accumulate, spikeIndexed: true, inputs: inputs));
        if (backend.Kind == BackendKind.Cpu)
        {
            for (int i = 0; i < dense.Length; i++) Assert.Equal(dense[i], spike[i]);
            return;
        }
        for (int i = 0; i < dense.Length; i++)
        {
            var (a, b) = (dense[i], spike[i]);
            for (int j = 0; j < a.Length; j++)
                Assert.True(Math.Abs(a[j] - b[j]) <= 1e-4 * (1 + Math.Abs(a[j])), $"tensor {i} element {j}: {a[j]} vs {b[j]}");
        }
    }

    public sealed record Inputs(float[] X, float[] W, float[] B, float[] Gy, float[] W0, float[] B0);

    /// <summary>Forward output, ∂x, ∂W, ∂b of one convolution through either path.</summary>
    private static float[][] Run(Backend backend, ConvShape s, Random? rng, bool accumulate, bool spikeIndexed, out Inputs inputs, Inputs? given = null)
    {
        inputs = given ?? new Inputs(DenseCheck.Binary(rng!, s.InputLength, 0.2), TestData.Normal(rng!, s.WeightLength, 0.3f),
            TestData.Normal(rng!, s.O, 0.1f), TestData.Normal(rng!, s.OutputLength), TestData.Normal(rng!, s.WeightLength), TestData.Normal(rng!, s.O));
        using var x = backend.Upload<float>(inputs.X);
        using var w = backend.Upload<float>(inputs.W);
        using var b = backend.Upload<float>(inputs.B);
        using var gy = backend.Upload<float>(inputs.Gy);
        using var y = backend.Allocate<float>(s.OutputLength);
        using var gx = backend.Allocate<float>(s.InputLength);
        using var gw = backend.Upload<float>(inputs.W0);
        using var gb = backend.Upload<float>(inputs.B0);
        if (spikeIndexed)
        {
            using var masks = backend.Allocate<uint>(SpikeConvLayer.MaskLength(s));
            SpikeConvLayer.Forward(backend, s, x, w, b, masks, y);
            SpikeConvLayer.Backward(backend, s, masks, w, gy, gx, gw, gb, accumulate);
        }
        else
        {
            using var cols = backend.Allocate<float>(s.ColsLength);
            ConvLayer.Forward(backend, s, x, w, b, cols, y);
            ConvLayer.Backward(backend, s, cols, w, gy, gx, cols, gw, gb, accumulate);
        }
        return [y.ToArray(), gx.ToArray(), gw.ToArray(), gb.ToArray()];
    }

    private static float[][] Run(Backend backend, ConvShape s, Random? rng, bool accumulate, bool spikeIndexed, Inputs inputs) =>
        Run(backend, s, rng, accumulate, spikeIndexed, out _, inputs);

    [SkippableFact]
    public void More_than_32_channels_is_refused_with_the_shape()
    {
        var backend = Backend;
        var s = new ConvShape(1, 3, 3, 33, 2, 3);
        using var x = backend.Allocate<float>(s.InputLength);
        using var masks = backend.Allocate<uint>(SpikeConvLayer.MaskLength(s));
        var e = Assert.Throws<ArgumentException>(() => backend.SpikeConv.Pack(s, x, masks));
        Assert.Contains("32 channels", e.Message);
    }
}
