using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

/// <summary>Codebook scope of a check: one codebook per layer, or one per output neuron (row).</summary>
public enum CodebookScope { Layer, Neuron }

/// <summary>Correctness checks of the CAT codebook kernels against <see cref="CodebookReference"/>.</summary>
public static partial class CodebookCheck
{
    /// <summary>
    /// Layer weight matrix [rows, cols]. Small (ILGPU simulator): 24×250 = 6000 weights, which still
    /// spans two gradient blocks per layer codebook. Large: the 784→512 MLP layer.
    /// </summary>
    public static (int Rows, int Cols) MatrixFor(CheckSize size) => size == CheckSize.Small ? (24, 250) : (512, 784);

    public static CodebookShape ShapeFor(CheckSize size, CodebookScope scope, int m)
    {
        var (rows, cols) = MatrixFor(size);
        return scope == CodebookScope.Layer ? new CodebookShape(1, rows * cols, m) : new CodebookShape(rows, cols, m);
    }

    /// <summary>Unsorted codebooks, uniform in [−1, 1], one per group.</summary>
    public static float[] Codebooks(Random rng, CodebookShape shape) => TestData.Uniform(rng, shape.CodebookLength, -1f, 1f);

    /// <summary>Random assignments in [0, M).</summary>
    public static int[] Assignments(Random rng, CodebookShape shape)
    {
        var a = new int[shape.Weights];
        for (int i = 0; i < a.Length; i++) a[i] = rng.Next(shape.M);
        return a;
    }

    private static string Scope(CodebookScope scope) => scope.ToString().ToLowerInvariant();

    /// <summary>
    /// Assignments compared exactly, except where the float64 reference's two best distances are
    /// within 1e-6 relative (float32 distances carry 2^−24 relative error, so either index is right);
    /// Ŵ must equal the float32 codebook entry of the returned index exactly.
    /// </summary>
    public sealed class AssignGather : KernelCheck
    {
        private readonly CodebookScope _scope;
        private readonly int _m;
        public AssignGather(CodebookScope scope, int m) { _scope = scope; _m = m; }

        public override string Name => $"codebook.assign.{Scope(_scope)}.m{_m}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var shape = ShapeFor(size, _scope, _m);
            var w = TestData.Normal(rng, shape.Weights, 0.6f);
            var c = Codebooks(rng, shape);
            var (refA, _, alt) = CodebookReference.AssignGather(shape, w, c);
            using var dW = backend.Upload<float>(w);
            using var dC = backend.Upload<float>(c);
            using var dA = backend.Allocate<int>(shape.Weights);
            using var dQ = backend.Allocate<float>(shape.Weights);
            double ms = Timed(backend, () => { dA.Fill(-1); dQ.Fill(float.NaN); },
                () => backend.Codebook.AssignGather(shape, dW, dC, dA, dQ));
            var a = dA.ToArray();
            var q = dQ.ToArray();
            int nearTies = 0, flipped = 0;
            double err = 0;
            for (int i = 0; i < a.Length; i++)
            {
                if (alt[i] >= 0) nearTies++;
                bool ok = a[i] == refA[i] || (alt[i] >= 0 && a[i] == alt[i]);
                if (ok && a[i] != refA[i]) flipped++;
                // Bitwise: Ŵ is a copy of the entry, never recomputed.
                if (!ok || BitConverter.SingleToInt32Bits(q[i]) != BitConverter.SingleToInt32Bits(c[i / shape.GroupLength * shape.M + a[i]]))
                {
                    err = double.PositiveInfinity;
                    break;
                }
            }
            return Result(backend, shape.ToString(), err, 0, ms,
                $"assignments and Ŵ exact; {nearTies} near-ties (1e-6 rel), {flipped} resolved to the other index");
        }
    }

    /// <summary>
    /// ∂c compared per centroid as |∂c − ref| / Σ|∂Ŵ| of its members ≤ 1e-5. A float32 sum of n
    /// terms in any order is within (n−1)·2^−24·Σ|terms|; the kernels add at most ~16 (per thread) +
    /// 8 (tree) + chunks-per-group terms in sequence, so 1e-5 covers ~160 sequential additions'
    /// worst case. Empty centroids must be exactly 0.
    /// </summary>
    public sealed class CentroidGradient : KernelCheck
    {
        private readonly CodebookScope _scope;
        private readonly int _m;
        public CentroidGradient(CodebookScope scope, int m) { _scope = scope; _m = m; }

        public override string Name => $"codebook.grad.{Scope(_scope)}.m{_m}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var shape = ShapeFor(size, _scope, _m);
            var g = TestData.Normal(rng, shape.Weights);
            var a = Assignments(rng, shape);
            var (refG, refAbs) = CodebookReference.CentroidGradient(shape, g, a);
            using var dG = backend.Upload<float>(g);
            using var dA = backend.Upload<int>(a);
            using var dOut = backend.Allocate<float>(shape.CodebookLength);
            double ms = Timed(backend, () => dOut.Fill(float.NaN), () => backend.Codebook.CentroidGradient(shape, dG, dA, dOut));
            var got = dOut.ToArray();
            double err = 0;
            for (int k = 0; k < got.Length; k++)
            {
                if (!float.IsFinite(got[k])) { err = double.PositiveInfinity; break; }
                err = Math.Max(err, Math.Abs(got[k] - refG[k]) / Math.Max(refAbs[k], 1e-30));
            }
            return Result(backend, shape.ToString(), err, 1e-5, ms, "|∂c − ref| / Σ|∂Ŵ| of the centroid's members");
        }
    }

    /// <summary>
    /// Projection compared with the float64 reference, max rel err ≤ 1e-6 for Δ and for Δ·q (Δ and
    /// c/Δ are one float32 rounding each, Δ·q one more). Where c/Δ lies within 5e-7·max(1, |c/Δ|) of
    /// a rounding midpoint (float32 c/Δ carries ~2 roundings, ≤ 1.2e-7 relative), float32 may round to either neighbour: both are accepted and counted.
    /// </summary>
    public sealed class Project : KernelCheck
    {
        private readonly int _bits;
        public Project(int bits) => _bits = bits;

        public override string Name => $"codebook.project.b{_bits}";

        /// <summary>Small: 24 neurons × 16 values; Large: 512 neurons × 16 values (a per-neuron codebook set).</summary>
        public static int CountFor(CheckSize size) => size == CheckSize.Small ? 384 : 8192;

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int count = CountFor(size);
            var c = TestData.Normal(rng, count, 0.3f);
            var (refP, refScale, ratio) = CodebookReference.Project(_bits, c);
            var (qMin, qMax) = CodebookMath.GridRange(_bits);
            using var dC = backend.Upload<float>(c);
            using var dP = backend.Allocate<float>(count);
            using var dS = backend.Allocate<float>(1);
            double ms = Timed(backend, () => { dP.Fill(float.NaN); dS.Fill(float.NaN); },
                () => backend.Codebook.Project(count, _bits, dC, dP, dS));
            var p = dP.ToArray();
            var expected = (double[])refP.Clone();
            int nearMidpoints = 0;
            for (int i = 0; i < count; i++)
            {
                double x = Math.Abs(ratio[i]);
                if (Math.Abs(x - Math.Floor(x) - 0.5) > 5e-7 * Math.Max(1, x)) continue;
                nearMidpoints++;
                // Either neighbour of the midpoint is a correct float32 answer: compare with the nearer.
                double lo = Math.Clamp(Math.Floor(ratio[i]), qMin, qMax) * refScale;
                double hi = Math.Clamp(Math.Ceiling(ratio[i]), qMin, qMax) * refScale;
                expected[i] = Math.Abs(p[i] - lo) <= Math.Abs(p[i] - hi) ? lo : hi;
            }
            double err = Math.Max(Compare.MaxRelError(p, expected), Compare.MaxRelError(dS.ToArray(), new[] { refScale }));
            return Result(backend, $"count={count} bits={_bits}", err, 1e-6, ms,
                $"Δ·q and Δ; {nearMidpoints} rounding near-midpoints accepted either way");
        }
    }

    public static IEnumerable<KernelCheck> All()
    {
        int[] ms = { 2, 4, 16, 256 };
        foreach (var scope in new[] { CodebookScope.Layer, CodebookScope.Neuron })
            foreach (var m in ms)
                yield return new AssignGather(scope, m);
        foreach (var scope in new[] { CodebookScope.Layer, CodebookScope.Neuron })
            foreach (var m in ms)
                yield return new CentroidGradient(scope, m);
        // M = 64: the widest deterministic slot kernel (64 threads); M = 512: the global-atomic fallback.
        yield return new CentroidGradient(CodebookScope.Layer, 64);
        yield return new CentroidGradient(CodebookScope.Layer, 512);
        foreach (var bits in new[] { 2, 4, 8, 16 }) yield return new Project(bits);
        foreach (var check in DeviceTraining()) yield return check;
    }
}
