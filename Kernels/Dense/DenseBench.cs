using System.Diagnostics;
using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

/// <summary>GEMM throughput for the CLI's benchmarks (figures, not tests).</summary>
public static class DenseBench
{
    /// <summary>GFLOP/s (2·M·N·K per call) of the dense-layer forward GEMM C[m,n] = A[m,k]·B[n,k]ᵀ on random normal data.</summary>
    public static double GemmGflops(Backend b, int m, int n, int k, int repeats) =>
        GemmGflops(b, new GemmOp(m, n, k, TransA: false, TransB: true), repeats);

    /// <summary>
    /// GFLOP/s of one GEMM shape, counting the dense 2·M·N·K flops even when zeros are skipped
    /// (so sparse figures are "dense-equivalent"). A is binary with the given density when
    /// <paramref name="densityA"/> &lt; 1 (spikes), else normal. One warm-up call (ILGPU compiles
    /// on first use), then the median of <paramref name="repeats"/> synchronised calls.
    /// </summary>
    public static double GemmGflops(Backend b, GemmOp op, int repeats, double densityA = 1.0, int seed = 1)
    {
        op.Validate();
        var rng = new Random(seed);
        var a = densityA < 1.0 ? DenseCheck.Binary(rng, op.LengthA, densityA) : TestData.Normal(rng, op.LengthA);
        using var da = b.Upload<float>(a);
        using var db = b.Upload<float>(TestData.Normal(rng, op.LengthB));
        using var dc = b.Upload<float>(TestData.Normal(rng, op.LengthC));
        b.Dense.Gemm(op, da, db, dc);
        b.Synchronize();
        var times = new double[Math.Max(1, repeats)];
        for (int r = 0; r < times.Length; r++)
        {
            var sw = Stopwatch.StartNew();
            b.Dense.Gemm(op, da, db, dc);
            b.Synchronize();
            times[r] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        double median = times.Length % 2 == 1 ? times[times.Length / 2] : 0.5 * (times[times.Length / 2 - 1] + times[times.Length / 2]);
        return op.Flops / median / 1e9;
    }
}
