using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

/// <summary>
/// Correctness checks of the dense kernels against <see cref="DenseReference"/>.
/// <para>
/// Error measure (<see cref="GemmError"/>): e = max_ij |c_ij − r_ij| / (Σ_k |α·a_ik·b_kj| + |β·c_ij|).
/// A float32 dot product of K terms (any summation order, FMA or not) has
/// |error| ≤ γ_K·Σ|terms| with γ_K ≈ K·u (u = 2⁻²⁴ ≈ 6e-8), and in practice rounding errors
/// of random sign grow like √K·u. The bound is taken relative to Σ|terms| rather than |c|, so
/// cancellation in the sum (random-sign data, c ≈ 0) cannot make a correct result fail.
/// Tolerance: <see cref="GemmTolerance"/> = 1e-6·√K ≈ 17·√K·u — ample for blocked, tiled or
/// cuBLAS summation orders, yet a single wrong or dropped term (e ≈ 1/K for data of
/// similar size: ≥ 4.9e-4 at K = 2048 against a tolerance of 4.5e-5) still fails.
/// </para>
/// </summary>
public static class DenseCheck
{
    /// <summary>Tolerance of <see cref="GemmError"/> for sums of <paramref name="terms"/> products (see the class remarks).</summary>
    public static double GemmTolerance(int terms) => 1e-6 * Math.Sqrt(Math.Max(terms, 1));

    /// <summary>
    /// max_i |actual_i − expected_i| / magnitude_i, where magnitude_i = Σ_k |α·a_ik·b_kj| + |β·c_ij|
    /// (from the reference). An element whose magnitude is 0 must be exactly right; NaN or ±∞ gives +∞.
    /// </summary>
    public static double GemmError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, ReadOnlySpan<double> magnitude)
    {
        if (actual.Length != expected.Length || actual.Length != magnitude.Length) return double.PositiveInfinity;
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i];
            if (!double.IsFinite(a)) return double.PositiveInfinity;
            double diff = Math.Abs(a - expected[i]);
            if (diff == 0) continue;
            double e = magnitude[i] > 0 ? diff / magnitude[i] : double.PositiveInfinity;
            if (e > worst) worst = e;
        }
        return worst;
    }

    /// <summary>Spike-like data: 1 with probability <paramref name="density"/>, else 0.</summary>
    public static float[] Binary(Random rng, long n, double density)
    {
        var a = new float[n];
        for (long i = 0; i < n; i++) a[i] = rng.NextDouble() < density ? 1f : 0f;
        return a;
    }

    /// <summary>What operand A or B holds.</summary>
    public enum Fill { Normal, Spikes }

    /// <summary>
    /// One GEMM on random data: C = α·op(A)·op(B) + β·C. With β = 0, C is poisoned with NaN before
    /// each launch (write-only); otherwise C is reset to the same random start values.
    /// </summary>
    public sealed class Gemm : KernelCheck
    {
        private readonly string _name;
        private readonly Func<CheckSize, GemmOp> _shape;
        private readonly Fill _fillA, _fillB;

        public Gemm(string name, Func<CheckSize, GemmOp> shape, Fill fillA = Fill.Normal, Fill fillB = Fill.Normal)
        {
            _name = name;
            _shape = shape;
            _fillA = fillA;
            _fillB = fillB;
        }

        public override string Name => _name;

        public GemmOp ShapeFor(CheckSize size) => _shape(size);

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var op = _shape(size);
            var a = _fillA == Fill.Spikes ? Binary(rng, op.LengthA, 0.1) : TestData.Normal(rng, op.LengthA);
            var b = _fillB == Fill.Spikes ? Binary(rng, op.LengthB, 0.1) : TestData.Normal(rng, op.LengthB);
            var c0 = TestData.Normal(rng, op.LengthC);
            var (expected, magnitude) = DenseReference.Gemm(op, TestData.ToDouble(a), TestData.ToDouble(b), TestData.ToDouble(c0));
            using var da = backend.Upload<float>(a);
            using var db = backend.Upload<float>(b);
            using var dc = backend.Allocate<float>(op.LengthC);
            Action poison = op.Beta == 0f ? () => dc.Fill(float.NaN) : () => dc.CopyFrom(c0);
            double ms = Timed(backend, poison, () => backend.Dense.Gemm(op, da, db, dc));
            double err = GemmError(dc.ToArray(), expected, magnitude);
            string path = backend.Dense is DenseCpu cpu ? $", cpu path {cpu.LastPath}" : "";
            return Result(backend, $"{op} α={op.Alpha} β={op.Beta}", err, GemmTolerance(op.K), ms,
                $"|c−r|/(Σ|αab|+|βc|); {op.Flops / (ms * 1e6):F2} GFLOP/s; {backend.Dense.GemmImplementation}{path}");
        }
    }

    /// <summary>y[r,c] += bias[c]: one float32 addition per element, so the result must equal the rounded exact sum.</summary>
    public sealed class AddBias : KernelCheck
    {
        public override string Name => "dense.add-bias";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int rows = size == CheckSize.Small ? 21 : 2048, cols = size == CheckSize.Small ? 37 : 512;
            var y = TestData.Normal(rng, (long)rows * cols);
            var bias = TestData.Normal(rng, cols);
            var expected = DenseReference.AddBias(rows, cols, TestData.ToDouble(y), TestData.ToDouble(bias));
            for (int i = 0; i < expected.Length; i++) expected[i] = (float)expected[i];
            using var dy = backend.Allocate<float>(y.Length);
            using var db = backend.Upload<float>(bias);
            double ms = Timed(backend, () => dy.CopyFrom(y), () => backend.Dense.AddBias(rows, cols, dy, db));
            return Result(backend, $"rows={rows} cols={cols}", Compare.Exact(dy.ToArray(), expected), 0, ms,
                "exact: y+b is one correctly rounded float32 addition");
        }
    }

    /// <summary>sums[c] = β·sums[c] + Σ_r x[r,c], with the GEMM-style bound over rows terms; also checks a repeat is bit-identical.</summary>
    public sealed class ColumnSum : KernelCheck
    {
        private readonly float _beta;
        public ColumnSum(float beta) => _beta = beta;

        public override string Name => _beta == 0f ? "dense.column-sum" : "dense.column-sum.accumulate";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            // Small rows > 64 so the ILGPU path runs both passes of its two-pass sum.
            int rows = size == CheckSize.Small ? 150 : 2048, cols = size == CheckSize.Small ? 37 : 512;
            var x = TestData.Normal(rng, (long)rows * cols);
            var start = TestData.Normal(rng, cols);
            var (expected, magnitude) = DenseReference.ColumnSum(rows, cols, TestData.ToDouble(x), TestData.ToDouble(start), _beta);
            using var dx = backend.Upload<float>(x);
            using var ds = backend.Allocate<float>(cols);
            Action poison = _beta == 0f ? () => ds.Fill(float.NaN) : () => ds.CopyFrom(start);
            double ms = Timed(backend, poison, () => backend.Dense.ColumnSum(rows, cols, dx, ds, _beta));
            var first = ds.ToArray();
            poison();
            backend.Dense.ColumnSum(rows, cols, dx, ds, _beta);
            var second = ds.ToArray();
            double err = GemmError(first, expected, magnitude);
            bool repeatable = first.AsSpan().SequenceEqual(second);
            if (!repeatable) err = double.PositiveInfinity;
            return Result(backend, $"rows={rows} cols={cols} β={_beta}", err, GemmTolerance(rows), ms,
                "|s−r|/(Σ|x|+|βs|); repeat bit-identical");
        }
    }

    private static GemmOp Odd(CheckSize size, bool ta, bool tb, float alpha, float beta) => size == CheckSize.Small
        ? new GemmOp(37, 29, 23, ta, tb, alpha, beta)
        : new GemmOp(256, 300, 200, ta, tb, alpha, beta);

    /// <summary>Dense-layer shapes: rows = T·B (Small: 4·5 = 20 rows, 23 → 13; Large: 16·128 = 2048 rows, 784 → 512).</summary>
    public static (int Rows, int Inputs, int Outputs) Layer(CheckSize size) =>
        size == CheckSize.Small ? (20, 23, 13) : (2048, 784, 512);

    public static IEnumerable<KernelCheck> All()
    {
        yield return new Gemm("gemm.nn", s => Odd(s, false, false, 0.75f, -0.5f));
        yield return new Gemm("gemm.nt", s => Odd(s, false, true, 0.75f, -0.5f));
        yield return new Gemm("gemm.tn", s => Odd(s, true, false, 0.75f, -0.5f));
        yield return new Gemm("gemm.tt", s => Odd(s, true, true, -1.25f, 2f));
        yield return new Gemm("gemm.nt.beta0", s => Odd(s, false, true, 1.5f, 0f));
        // Spiking operands (binary, ~10 % ones): the forward product with spikes as A, and the
        // weight gradient ∂W = ∂Yᵀ·X with spikes as B, accumulated (β = 1).
        yield return new Gemm("gemm.sparse-a", s => Odd(s, false, true, 1f, 0f), fillA: Fill.Spikes);
        yield return new Gemm("gemm.sparse-b", s => Odd(s, true, false, 1f, 1f), fillB: Fill.Spikes);
        yield return new Gemm("dense.forward", s =>
        {
            var (r, i, o) = Layer(s);
            return new GemmOp(r, o, i, TransA: false, TransB: true);
        });
        yield return new Gemm("dense.forward.spikes", s =>
        {
            var (r, i, o) = Layer(s);
            return new GemmOp(r, o, i, TransA: false, TransB: true);
        }, fillA: Fill.Spikes);
        yield return new Gemm("dense.backward.dx", s =>
        {
            var (r, i, o) = Layer(s);
            return new GemmOp(r, i, o);
        });
        yield return new Gemm("dense.backward.dw.spikes", s =>
        {
            var (r, i, o) = Layer(s);
            return new GemmOp(o, i, r, TransA: true, Beta: 1f);
        }, fillB: Fill.Spikes);
        yield return new AddBias();
        yield return new ColumnSum(0f);
        yield return new ColumnSum(0.5f);
    }
}
