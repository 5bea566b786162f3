using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Conv;
using SpikeFit.Kernels.Core;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class ConvKernelTests : BackendTestBase
{
    public static TheoryData<string> CheckNames()
    {
        var data = new TheoryData<string>();
        foreach (var check in ConvCheck.All()) data.Add(check.Name);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(CheckNames))]
    public void Check_matches_reference(string name) => RunCheck(ConvCheck.All().Single(c => c.Name == name));

    private DeviceBuffer<float> Up(float[] data) => Backend.Upload<float>(data);

    [SkippableFact]
    public void Known_2x2_kernel_on_a_3x3_image()
    {
        var backend = Backend;
        var s = new ConvShape(1, 3, 3, 1, 1, 2);
        using var x = Up([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        using var w = Up([1, 2, 3, 4]);
        using var b = Up([0.5f]);
        using var cols = backend.Allocate<float>(s.ColsLength);
        using var y = backend.Allocate<float>(s.OutputLength);
        y.Fill(float.NaN);
        ConvLayer.Forward(backend, s, x, w, b, cols, y);
        Assert.Equal([37.5f, 47.5f, 67.5f, 77.5f], y.ToArray());

        using var gy = Up([1, 1, 1, 1]);
        using var gcols = backend.Allocate<float>(s.ColsLength);
        using var gx = backend.Allocate<float>(s.InputLength);
        using var gw = backend.Allocate<float>(s.WeightLength);
        using var gb = backend.Allocate<float>(1);
        gx.Fill(float.NaN);
        gw.Fill(float.NaN);
        ConvLayer.Backward(backend, s, cols, w, gy, gx, gcols, gw, gb);
        // ∂x sums the weights that touch each pixel; ∂W sums the pixels under each weight.
        Assert.Equal([1, 3, 2, 4, 10, 6, 3, 7, 4], gx.ToArray());
        Assert.Equal([12, 16, 24, 28], gw.ToArray());
        Assert.Equal([4f], gb.ToArray());
    }

    [SkippableFact]
    public void Padding_1_keeps_the_size_and_an_identity_kernel_copies_the_input()
    {
        var backend = Backend;
        var s = new ConvShape(2, 5, 4, 2, 2, 3, Padding: 1);
        Assert.Equal((5, 4), (s.Ho, s.Wo));
        // W[o, ky, kx, c] = 1 at the centre when o == c.
        var weight = new float[s.WeightLength];
        for (int o = 0; o < 2; o++) weight[((o * 3 + 1) * 3 + 1) * 2 + o] = 1f;
        var input = TestData.Normal(new Random(FreshSeed()), s.InputLength);
        using var x = Up(input);
        using var w = Up(weight);
        using var cols = backend.Allocate<float>(s.ColsLength);
        using var y = backend.Allocate<float>(s.OutputLength);
        y.Fill(float.NaN);
        ConvLayer.Forward(backend, s, x, w, null, cols, y);
        Assert.Equal(input, y.ToArray());
    }

    [SkippableFact]
    public void Maxpool_picks_the_first_of_tied_maxima_and_routes_the_gradient_there()
    {
        var backend = Backend;
        var s = new PoolShape(1, 2, 8, 1);
        // Four windows side by side (rows y = 0 and 1): all tied; tie at (0,1),(1,0),(1,1); tie in the bottom row; unique last.
        using var x = Up([1, 1, 0, 2, 0, 0, -1, -1,
                          1, 1, 2, 2, 3, 3, -1, 5]);
        using var y = backend.Allocate<float>(4);
        using var am = backend.Allocate<int>(4);
        backend.Conv.MaxPool2x2Forward(s, x, y, am);
        Assert.Equal([1f, 2f, 3f, 5f], y.ToArray());
        Assert.Equal([0, 1, 2, 3], am.ToArray());
        using var g = Up([10, 20, 30, 40]);
        using var gx = backend.Allocate<float>(16);
        gx.Fill(float.NaN);
        backend.Conv.MaxPool2x2Backward(s, g, am, gx);
        Assert.Equal([10, 0, 0, 20, 0, 0, 0, 0,
                      0, 0, 0, 0, 30, 0, 0, 40], gx.ToArray());
    }

    [SkippableFact]
    public void Odd_sizes_floor_and_the_dropped_edge_gets_zero_gradient()
    {
        var backend = Backend;
        Assert.Equal((6, 6), (new PoolShape(1, 13, 13, 1).Ho, new PoolShape(1, 13, 13, 1).Wo));
        var s = new PoolShape(2, 5, 5, 3);
        Assert.Equal((2, 2), (s.Ho, s.Wo));
        using var x = Up(Enumerable.Repeat(2f, (int)s.InputLength).ToArray());
        using var y = backend.Allocate<float>(s.OutputLength);
        y.Fill(float.NaN);
        backend.Conv.AvgPool2x2Forward(s, x, y);
        Assert.All(y.ToArray(), v => Assert.Equal(2f, v));
        using var g = Up(Enumerable.Repeat(4f, (int)s.OutputLength).ToArray());
        using var gx = backend.Allocate<float>(s.InputLength);
        gx.Fill(float.NaN);
        backend.Conv.AvgPool2x2Backward(s, g, gx);
        var grad = gx.ToArray();
        using var am = backend.Upload<int>(Enumerable.Repeat(3, (int)s.OutputLength).ToArray());
        using var gxMax = backend.Allocate<float>(s.InputLength);
        gxMax.Fill(float.NaN);
        backend.Conv.MaxPool2x2Backward(s, g, am, gxMax);
        var gradMax = gxMax.ToArray();
        for (int r = 0; r < 2; r++)
            for (int yy = 0; yy < 5; yy++)
                for (int xx = 0; xx < 5; xx++)
                    for (int c = 0; c < 3; c++)
                    {
                        int i = ((r * 5 + yy) * 5 + xx) * 3 + c;
                        bool pooled = yy < 4 && xx < 4;
                        Assert.Equal(pooled ? 1f : 0f, grad[i]);
                        Assert.Equal(pooled && yy % 2 == 1 && xx % 2 == 1 ? 4f : 0f, gradMax[i]);
                    }
    }

    [SkippableFact]
    public void Backward_may_reuse_the_cols_buffer_for_the_cols_gradient()
    {
        var backend = Backend;
        var s = new ConvShape(2, 6, 5, 3, 4, 3, Padding: 1);
        var rng = new Random(FreshSeed());
        using var x = Up(TestData.Normal(rng, s.InputLength));
        using var w = Up(TestData.Normal(rng, s.WeightLength));
        using var gy = Up(TestData.Normal(rng, s.OutputLength));
        using var cols = backend.Allocate<float>(s.ColsLength);
        using var gcols = backend.Allocate<float>(s.ColsLength);
        using var gx1 = backend.Allocate<float>(s.InputLength);
        using var gx2 = backend.Allocate<float>(s.InputLength);
        using var gw1 = backend.Allocate<float>(s.WeightLength);
        using var gw2 = backend.Allocate<float>(s.WeightLength);
        backend.Conv.Im2Col(s, x, cols);
        ConvLayer.Backward(backend, s, cols, w, gy, gx1, gcols, gw1, null);
        ConvLayer.Backward(backend, s, cols, w, gy, gx2, cols, gw2, null);
        Assert.Equal(gx1.ToArray(), gx2.ToArray());
        Assert.Equal(gw1.ToArray(), gw2.ToArray());
    }

    [SkippableFact]
    public void Col2im_is_bit_identical_to_the_cpu_backend()
    {
        var backend = Backend;
        var s = new ConvShape(2, 7, 6, 5, 3, 3, Padding: 1);
        var g = TestData.Normal(new Random(FreshSeed()), s.ColsLength);
        var (cpu, _) = TestBackends.Get(BackendKind.Cpu);
        Assert.NotNull(cpu);
        Assert.Equal(Col2Im(cpu!, s, g), Col2Im(backend, s, g));
    }

    private static float[] Col2Im(Backend backend, ConvShape s, float[] g)
    {
        using var dg = backend.Upload<float>(g);
        using var dx = backend.Allocate<float>(s.InputLength);
        backend.Conv.Col2Im(s, dg, dx);
        return dx.ToArray();
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var backend = Backend;
        var s = new ConvShape(2, 5, 5, 2, 3, 3);
        using var x = backend.Allocate<float>(s.InputLength);
        using var cols = backend.Allocate<float>(s.ColsLength - 1);
        var e = Assert.Throws<ArgumentException>(() => backend.Conv.Im2Col(s, x, cols));
        Assert.Contains("cols", e.Message);
        using var am = backend.Allocate<int>(1);
        using var y = backend.Allocate<float>(new PoolShape(2, 4, 4, 2).OutputLength);
        e = Assert.Throws<ArgumentException>(() => backend.Conv.MaxPool2x2Forward(new PoolShape(2, 4, 4, 2), x, y, am));
        Assert.Contains("argmax", e.Message);
        Assert.Throws<ArgumentException>(() => new ConvShape(1, 2, 2, 1, 1, 3).Validate());
    }
}
