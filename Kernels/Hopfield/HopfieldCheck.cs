using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Kernels.Hopfield;

/// <summary>
/// Correctness checks of the Hopfield kernels against <see cref="HopfieldReference"/>.
/// <para>
/// Two regimes, because float summation order differs between backends and a field within
/// rounding of zero could be decided either way:
/// <list type="bullet">
/// <item><b>exact</b>: N a power of two and integer weights 1..4. Then every J_ij = k/N and every
/// field is an integer over N, exactly representable in float32 (|k| &lt; 2^24), so the GEMMs,
/// the incremental field updates and the float64 reference all agree exactly, ties (h = 0) included.
/// States, sweep counts, statuses and overlaps must match exactly (tolerance 0).</item>
/// <item><b>margin</b>: real-valued geometric weights and N not a power of two. Trials whose
/// reference trajectory ever met a field with |h_i| &lt; 1e-4 are set aside (float32 fields carry
/// rounding and drift below the margin, so by induction every decision of the
/// remaining trials is the same); those must match the reference exactly. The error is the
/// number of mismatching trials (tolerance 0); the note says how many were set aside.
/// Why 1e-4 suffices: fields are O(1) here (weights ≤ 1), so one float32 rounding is ≤ 1.2e-7·|h| ≤ 3e-7;
/// a trial makes at most a few hundred flips (each one rounding per field), the field GEMM and
/// the rounded couplings add ≈ 1e-6 — a worst case of ≈ 5e-5 at the Large size, below the margin.</item>
/// </list>
/// The couplings check uses the GEMM bound of <see cref="DenseCheck"/> and requires an exactly zero diagonal.
/// </para>
/// </summary>
public static class HopfieldCheck
{
    /// <summary>Fields closer to zero than this are decided by rounding; trials meeting one are not compared.</summary>
    public const double Margin = 1e-4;

    public static IEnumerable<KernelCheck> All()
    {
        yield return new ScaleRowsCheck();
        yield return new CouplingsCheck();
        yield return new Retrieval(HopfieldDynamics.Async, exact: true);
        yield return new Retrieval(HopfieldDynamics.Sync, exact: true);
        yield return new Retrieval(HopfieldDynamics.Async, exact: false);
        yield return new Retrieval(HopfieldDynamics.Sync, exact: false);
    }

    /// <summary>Integer weights 1..4 (exact regime).</summary>
    public static float[] IntegerWeights(Random rng, int m)
    {
        var w = new float[m];
        for (int i = 0; i < m; i++) w[i] = rng.Next(1, 5);
        return w;
    }

    /// <summary>Geometric weights q^μ with q = e^(−λ/N).</summary>
    public static float[] GeometricWeights(int m, int n, double lambda)
    {
        var w = new float[m];
        for (int i = 0; i < m; i++) w[i] = (float)Math.Exp(-lambda * i / n);
        return w;
    }

    /// <summary>Start states: pattern rows with each bit flipped with probability <paramref name="noise"/>.</summary>
    public static float[] NoisyStarts(Random rng, float[] patterns, int trials, int n, double noise)
    {
        var s = new float[(long)trials * n];
        for (long i = 0; i < s.LongLength; i++) s[i] = rng.NextDouble() < noise ? -patterns[i] : patterns[i];
        return s;
    }

    /// <summary>y = scale[r]·x: one float32 multiplication per element, so exact.</summary>
    public sealed class ScaleRowsCheck : KernelCheck
    {
        public override string Name => "hopfield.scale-rows";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int rows = size == CheckSize.Small ? 13 : 1000, cols = size == CheckSize.Small ? 37 : 2000;
            var x = TestData.Normal(rng, (long)rows * cols);
            var scale = TestData.Uniform(rng, rows, 0f, 1f);
            var expected = new double[x.Length];
            for (long i = 0; i < x.LongLength; i++) expected[i] = x[i] * scale[i / cols];
            var k = HopfieldKernels.For(backend);
            using var dx = backend.Upload<float>(x);
            using var ds = backend.Upload<float>(scale);
            using var dy = backend.Allocate<float>(x.Length);
            double ms = Timed(backend, () => dy.Fill(float.NaN), () => k.ScaleRows(rows, cols, dx, ds, dy));
            return Result(backend, $"{rows}x{cols}", Compare.Exact(dy.ToArray(), expected), 0, ms, "exact: one float32 product per element");
        }
    }

    /// <summary>J = (1/N)·Ξᵀ·diag(r)·Ξ, J_ii = 0, through ScaleRows + GEMM + ZeroDiagonal.</summary>
    public sealed class CouplingsCheck : KernelCheck
    {
        public override string Name => "hopfield.couplings";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int n = size == CheckSize.Small ? 50 : 1000, m = size == CheckSize.Small ? 30 : 500;
            var patterns = HopfieldPatterns.Generate((uint)seed, m, n);
            var weights = TestData.Uniform(rng, m, 0.01f, 1f);
            var (expected, magnitude) = HopfieldReference.Couplings(m, n, patterns, weights);
            var k = HopfieldKernels.For(backend);
            using var dp = backend.Upload<float>(patterns);
            using var dw = backend.Upload<float>(weights);
            using var dj = backend.Allocate<float>((long)n * n);
            double ms = Timed(backend, () => dj.Fill(float.NaN), () => HopfieldNetwork.BuildCouplings(backend, k, m, n, dp, dw, dj));
            var j = dj.ToArray();
            double err = DenseCheck.GemmError(j, expected, magnitude);
            for (int i = 0; i < n; i++) if (j[(long)i * n + i] != 0f) err = double.PositiveInfinity;
            return Result(backend, $"N={n} M={m}", err, DenseCheck.GemmTolerance(m), ms,
                $"|J−r|/(Σ|r|/N), GEMM bound; diagonal exactly 0; {backend.Dense.GemmImplementation}");
        }
    }

    /// <summary>The whole retrieval pipeline: couplings, field GEMM, dynamics, overlaps.</summary>
    public sealed class Retrieval : KernelCheck
    {
        private readonly HopfieldDynamics _dynamics;
        private readonly bool _exact;

        public Retrieval(HopfieldDynamics dynamics, bool exact)
        {
            _dynamics = dynamics;
            _exact = exact;
        }

        public override string Name => $"hopfield.{(_dynamics == HopfieldDynamics.Async ? "async" : "sync")}.{(_exact ? "exact" : "margin")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int n = _exact ? (size == CheckSize.Small ? 64 : 512) : (size == CheckSize.Small ? 72 : 500);
            int m = n / 4, trials = m;
            const int cap = 100;
            var patterns = HopfieldPatterns.Generate((uint)seed, m, n);
            var weights = _exact ? IntegerWeights(rng, m) : GeometricWeights(m, n, 8.45);
            var start = NoisyStarts(rng, patterns, trials, n, 0.2);
            var (j, _) = HopfieldReference.Couplings(m, n, patterns, weights);
            double[] refStates; int[] refSteps, refStatus; double[] margin;
            if (_dynamics == HopfieldDynamics.Async)
            {
                (refStates, refSteps, margin) = HopfieldReference.Async(n, trials, cap, j, start);
                refStatus = Array.ConvertAll(refSteps, s => s > 0 ? 1 : 0);
            }
            else (refStates, refSteps, refStatus, margin) = HopfieldReference.Sync(n, trials, cap, j, start);
            var refOverlaps = HopfieldReference.Overlaps(n, trials, 0, patterns, refStates);

            using var net = new HopfieldNetwork(backend, patterns, weights, n);
            HopfieldRetrieval? got = null;
            double ms = Timed(backend, () => { }, () => got = net.Retrieve(_dynamics, 0, trials, cap, start));
            int compared = 0, mismatched = 0;
            for (int t = 0; t < trials; t++)
            {
                if (!_exact && margin[t] < Margin) continue;
                compared++;
                bool ok = got!.Steps[t] == refSteps[t] && got.Status[t] == refStatus[t] && got.Overlaps[t] == (float)refOverlaps[t];
                for (int i = 0; ok && i < n; i++) ok = got.States[(long)t * n + i] == refStates[(long)t * n + i];
                if (!ok) mismatched++;
            }
            double err = compared == 0 ? double.PositiveInfinity : _exact ? (mismatched == 0 ? 0 : double.PositiveInfinity) : mismatched;
            string note = _exact
                ? "exact: integer weights, N = 2^k, all fields exact in float32; states, steps, overlaps identical"
                : $"mismatching trials among {compared}/{trials} whose reference fields stayed ≥ {Margin:G1} from 0";
            return Result(backend, $"N={n} M={m} trials={trials} {_dynamics}", err, 0, ms, note);
        }
    }
}
