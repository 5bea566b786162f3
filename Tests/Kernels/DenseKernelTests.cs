using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class DenseKernelTests : BackendTestBase
{
    public static TheoryData<string> CheckNames()
    {
        var data = new TheoryData<string>();
        foreach (var check in DenseCheck.All()) data.Add(check.Name);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(CheckNames))]
    public void Check_passes(string name) => RunCheck(DenseCheck.All().Single(c => c.Name == name));

    [SkippableFact]
    public void Hand_computed_2x3_times_3x2()
    {
        var backend = Backend;
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        using var a = backend.Upload<float>(new float[] { 1, 2, 3, 4, 5, 6 });
        using var b = backend.Upload<float>(new float[] { 7, 8, 9, 10, 11, 12 });
        using var c = backend.Allocate<float>(4);
        c.Fill(float.NaN);
        backend.Dense.Gemm(new GemmOp(2, 2, 3), a, b, c);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c.ToArray());

        // The same product from transposed storage: Aᵀ stored [3,2], Bᵀ stored [2,3]; α = 2, β = −1 on C = 1.
        using var at = backend.Upload<float>(new float[] { 1, 4, 2, 5, 3, 6 });
        using var bt = backend.Upload<float>(new float[] { 7, 9, 11, 8, 10, 12 });
        c.Fill(1f);
        backend.Dense.Gemm(new GemmOp(2, 2, 3, TransA: true, TransB: true, Alpha: 2f, Beta: -1f), at, bt, c);
        Assert.Equal(new float[] { 115, 127, 277, 307 }, c.ToArray());
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Beta_zero_ignores_NaN_in_C(bool spikes)
    {
        var backend = Backend;
        var rng = new Random(FreshSeed());
        var op = new GemmOp(33, 40, 19, TransB: true);
        var a = spikes ? DenseCheck.Binary(rng, op.LengthA, 0.1) : TestData.Normal(rng, op.LengthA);
        var b = TestData.Normal(rng, op.LengthB);
        using var da = backend.Upload<float>(a);
        using var db = backend.Upload<float>(b);
        using var dc = backend.Allocate<float>(op.LengthC);
        dc.Fill(float.NaN);
        backend.Dense.Gemm(op, da, db, dc);
        var (expected, magnitude) = DenseReference.Gemm(op, TestData.ToDouble(a), TestData.ToDouble(b), new double[op.LengthC]);
        var actual = dc.ToArray();
        Assert.All(actual, v => Assert.True(float.IsFinite(v)));
        Assert.True(DenseCheck.GemmError(actual, expected, magnitude) <= DenseCheck.GemmTolerance(op.K));
    }

    [SkippableFact]
    public void Column_sum_with_beta_zero_ignores_NaN_in_sums()
    {
        var backend = Backend;
        using var x = backend.Upload<float>(new float[] { 1, 2, 3, 4, 5, 6 });
        using var s = backend.Allocate<float>(3);
        s.Fill(float.NaN);
        backend.Dense.ColumnSum(2, 3, x, s);
        Assert.Equal(new float[] { 5, 7, 9 }, s.ToArray());
        backend.Dense.ColumnSum(2, 3, x, s, beta: 1f);
        Assert.Equal(new float[] { 10, 14, 18 }, s.ToArray());
    }

    /// <summary>A 3-row, 4-input, 2-output layer against a float64 hand computation of Y = X·Wᵀ + b and its gradients.</summary>
    [SkippableFact]
    public void Dense_layer_forward_and_backward_match_float64()
    {
        var backend = Backend;
        const int R = 3, I = 4, O = 2;
        var rng = new Random(FreshSeed());
        var x = TestData.Normal(rng, R * I);
        var w = TestData.Normal(rng, O * I);
        var bias = TestData.Normal(rng, O);
        var gy = TestData.Normal(rng, R * O);

        var y = new double[R * O];
        var gx = new double[R * I];
        var gw = new double[O * I];
        var gb = new double[O];
        for (int r = 0; r < R; r++)
            for (int o = 0; o < O; o++)
            {
                double s = bias[o];
                for (int i = 0; i < I; i++) s += (double)x[r * I + i] * w[o * I + i];
                y[r * O + o] = s;
                gb[o] += gy[r * O + o];
                for (int i = 0; i < I; i++)
                {
                    gx[r * I + i] += (double)gy[r * O + o] * w[o * I + i];
                    gw[o * I + i] += (double)gy[r * O + o] * x[r * I + i];
                }
            }

        using var dx = backend.Upload<float>(x);
        using var dw = backend.Upload<float>(w);
        using var db = backend.Upload<float>(bias);
        using var dgy = backend.Upload<float>(gy);
        using var dy = backend.Allocate<float>(R * O);
        using var dgx = backend.Allocate<float>(R * I);
        using var dgw = backend.Allocate<float>(O * I);
        using var dgb = backend.Allocate<float>(O);
        foreach (var buffer in new[] { dy, dgx, dgw, dgb }) buffer.Fill(float.NaN);

        DenseLayer.Forward(backend.Dense, R, I, O, dx, dw, db, dy);
        DenseLayer.Backward(backend.Dense, R, I, O, dx, dw, dgy, dgx, dgw, dgb);
        AssertClose(y, dy.ToArray());
        AssertClose(gx, dgx.ToArray());
        AssertClose(gw, dgw.ToArray());
        AssertClose(gb, dgb.ToArray());

        // accumulate: ∂W and ∂b double, ∂X is overwritten.
        DenseLayer.Backward(backend.Dense, R, I, O, dx, dw, dgy, dgx, dgw, dgb, accumulate: true);
        AssertClose(gx, dgx.ToArray());
        AssertClose(gw.Select(v => 2 * v).ToArray(), dgw.ToArray());
        AssertClose(gb.Select(v => 2 * v).ToArray(), dgb.ToArray());
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double err = Compare.MaxRelError(actual, expected);
        Assert.True(err <= 1e-5, $"max rel err {err:E2}");
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var backend = Backend;
        var op = new GemmOp(4, 5, 6);
        using var a = backend.Allocate<float>(op.LengthA);
        using var b = backend.Allocate<float>(op.LengthB - 1);
        using var c = backend.Allocate<float>(op.LengthC);
        var e = Assert.Throws<ArgumentException>(() => backend.Dense.Gemm(op, a, b, c));
        Assert.Contains("'b'", e.Message);
    }

    [SkippableFact]
    public void Gemm_implementation_is_named() => Assert.False(string.IsNullOrWhiteSpace(Backend.Dense.GemmImplementation));

    /// <summary>The managed path's dense and zero-skipping algorithms, forced on the same data, for every transpose.</summary>
    [SkippableTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Cpu_every_path_matches_reference(bool transA, bool transB)
    {
        var backend = Backend;
        Skip.IfNot(backend.Dense is DenseCpu, "managed-path specific");
        var cpu = (DenseCpu)backend.Dense;
        var rng = new Random(FreshSeed());
        var op = new GemmOp(71, 53, 45, transA, transB, 0.5f, -2f);
        var a = DenseCheck.Binary(rng, op.LengthA, 0.15);
        var b = DenseCheck.Binary(rng, op.LengthB, 0.15);
        for (int i = 0; i < a.Length; i++) a[i] *= 1f + (float)rng.NextDouble(); // nonzeros not only 1
        var c0 = TestData.Normal(rng, op.LengthC);
        var (expected, magnitude) = DenseReference.Gemm(op, TestData.ToDouble(a), TestData.ToDouble(b), TestData.ToDouble(c0));
        using var da = backend.Upload<float>(a);
        using var db = backend.Upload<float>(b);
        using var dc = backend.Allocate<float>(op.LengthC);
        try
        {
            foreach (var path in new[] { CpuGemmPath.Dense, CpuGemmPath.SparseA, CpuGemmPath.SparseB })
            {
                cpu.ForcePath = path;
                dc.CopyFrom(c0);
                backend.Dense.Gemm(op, da, db, dc);
                Assert.Equal(path, cpu.LastPath);
                double err = DenseCheck.GemmError(dc.ToArray(), expected, magnitude);
                Assert.True(err <= DenseCheck.GemmTolerance(op.K), $"{path}: {err:E2}");
            }
        }
        finally { cpu.ForcePath = null; }
    }

    [SkippableTheory]
    [InlineData(2048, 10, 512, false, true, true, false)]   // readout forward: spikes · W2ᵀ
    [InlineData(2048, 512, 10, false, false, false, false)] // readout backward ∂X = ∂Y · W2
    [InlineData(10, 512, 2048, true, false, false, true)]   // readout backward ∂W = ∂Yᵀ · spikes
    public void Cpu_readout_shapes_stay_dense_and_match_reference(int m, int n, int k, bool transA, bool transB,
        bool aSpikes, bool bSpikes)
    {
        var backend = Backend;
        Skip.IfNot(backend.Dense is DenseCpu, "managed-path specific");
        var cpu = (DenseCpu)backend.Dense;
        var rng = new Random(FreshSeed());
        var op = new GemmOp(m, n, k, transA, transB);
        // Zero-skipping only pays for outputs ≥ 128 wide, so the 10-wide readout GEMMs stay dense
        // even when an operand is spikes.
        var a = aSpikes ? DenseCheck.Binary(rng, op.LengthA, 0.2) : TestData.Normal(rng, op.LengthA);
        var b = bSpikes ? DenseCheck.Binary(rng, op.LengthB, 0.2) : TestData.Normal(rng, op.LengthB);
        var (expected, magnitude) = DenseReference.Gemm(op, TestData.ToDouble(a), TestData.ToDouble(b), new double[op.LengthC]);
        using var da = backend.Upload<float>(a);
        using var db = backend.Upload<float>(b);
        using var dc = backend.Allocate<float>(op.LengthC);
        dc.Fill(float.NaN);
        backend.Dense.Gemm(op, da, db, dc);
        Assert.Equal(CpuGemmPath.Dense, cpu.LastPath);
        Assert.True(DenseCheck.GemmError(dc.ToArray(), expected, magnitude) <= DenseCheck.GemmTolerance(op.K));
    }

    [SkippableFact]
    public void Cpu_picks_zero_skipping_for_spikes()
    {
        var backend = Backend;
        Skip.IfNot(backend.Dense is DenseCpu, "managed-path specific");
        var cpu = (DenseCpu)backend.Dense;
        var rng = new Random(FreshSeed());
        var op = new GemmOp(128, 160, 96, TransB: true);
        using var spikes = backend.Upload<float>(DenseCheck.Binary(rng, op.LengthA, 0.1));
        using var dense = backend.Upload<float>(TestData.Normal(rng, op.LengthA));
        using var w = backend.Upload<float>(TestData.Normal(rng, op.LengthB));
        using var c = backend.Allocate<float>(op.LengthC);
        backend.Dense.Gemm(op, spikes, w, c);
        Assert.Equal(CpuGemmPath.SparseA, cpu.LastPath);
        backend.Dense.Gemm(op, dense, w, c);
        Assert.Equal(CpuGemmPath.Dense, cpu.LastPath);
    }
}
