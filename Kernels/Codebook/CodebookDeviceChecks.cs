using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

/// <summary>Checks of the kernels that keep CAT and Deep Compression training on the device.</summary>
public static partial class CodebookCheck
{
    /// <summary>(M, bits) pairs of the distinct-level check: M = 2^b (the wider scale), M &lt; 2^b, and M = 256.</summary>
    private static readonly (int M, int Bits)[] DistinctCases = { (2, 2), (4, 2), (4, 4), (8, 3), (16, 4), (16, 8), (256, 8) };

    private static IEnumerable<KernelCheck> DeviceTraining()
    {
        foreach (var scope in new[] { CodebookScope.Layer, CodebookScope.Neuron })
            foreach (var (m, bits) in DistinctCases)
                yield return new ProjectDistinct(scope, m, bits);
        yield return new Gather(CodebookScope.Layer, 16);
        yield return new Gather(CodebookScope.Neuron, 4);
        yield return new Accumulate();
    }

    /// <summary>
    /// Distinct-level projection vs <see cref="CodebookReference.ProjectDistinct"/>. Half of each group's
    /// values sit within 1% of one centre, so low-bit grids round several onto one level and the
    /// sort-and-fix path runs. Δ within 1e-6 relative; every output exactly Δ·q in float32 for an integer
    /// q; the levels q equal the reference's, except that a value whose c/Δ lies within
    /// 5e-7·max(1, |c/Δ|) of a rounding midpoint may start from either neighbour (the fix is then
    /// replayed from that choice); Δ·q within 1e-6 relative of the float64 value.
    /// </summary>
    public sealed class ProjectDistinct : KernelCheck
    {
        private readonly CodebookScope _scope;
        private readonly int _m, _bits;

        public ProjectDistinct(CodebookScope scope, int m, int bits)
        {
            _scope = scope;
            _m = m;
            _bits = bits;
        }

        public override string Name => $"codebook.project.distinct.{Scope(_scope)}.m{_m}.b{_bits}";

        public int GroupsFor(CheckSize size) => _scope == CodebookScope.Layer ? 1 : MatrixFor(size).Rows;

        /// <summary>Latent codebooks [groups, m]: the first half of each group clustered near one centre.</summary>
        public static float[] Latent(Random rng, int groups, int m)
        {
            var c = TestData.Normal(rng, (long)groups * m, 0.3f);
            for (int g = 0; g < groups; g++)
            {
                float centre = c[g * m];
                for (int i = 1; i < m / 2; i++) c[g * m + i] = centre * (1f + 0.01f * (float)(rng.NextDouble() - 0.5));
            }
            return c;
        }

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int groups = GroupsFor(size), count = groups * _m;
            var c = Latent(rng, groups, _m);
            var (_, refLevels, refScale, ratio) = CodebookReference.ProjectDistinct(groups, _m, _bits, c);
            using var dC = backend.Upload<float>(c);
            using var dP = backend.Allocate<float>(count);
            using var dS = backend.Allocate<float>(1);
            double ms = Timed(backend, () => { dP.Fill(float.NaN); dS.Fill(float.NaN); },
                () => backend.Codebook.ProjectDistinct(groups, _m, _bits, dC, dP, dS));
            var p = dP.ToArray();
            float s = dS.ToArray()[0];
            var (qMin, qMax) = CodebookMath.GridRange(_bits);
            var expected = new double[count];
            int replayed = 0;
            for (int g = 0; g < groups; g++)
            {
                var got = new int[_m];
                for (int i = 0; i < _m; i++)
                {
                    got[i] = (int)Math.Round(p[g * _m + i] / (double)s);
                    // Outputs are Δ·q in float32 exactly (deployment reads the levels back from them).
                    if (!(s > 0f) || p[g * _m + i] != s * got[i]) return Fail(backend, groups, ms, $"group {g} value {i} = {p[g * _m + i]} is not Δ·q for Δ = {s}");
                }
                var want = refLevels.AsSpan(g * _m, _m).ToArray();
                if (!got.SequenceEqual(want))
                {
                    var near = Enumerable.Range(0, _m).Where(i => NearMidpoint(ratio[g * _m + i])).ToArray();
                    var match = near.Length is > 0 and <= 8 ? Replay(ratio.AsSpan(g * _m, _m).ToArray(), near, qMin, qMax, got) : null;
                    if (match is null) return Fail(backend, groups, ms, $"group {g}: levels [{string.Join(",", got)}], reference [{string.Join(",", want)}]");
                    want = match;
                    replayed++;
                }
                for (int i = 0; i < _m; i++) expected[g * _m + i] = refScale * want[i];
            }
            double err = Math.Max(Compare.MaxRelError(p, expected), Math.Abs(s - refScale) / refScale);
            return Result(backend, $"groups={groups} m={_m} bits={_bits}", err, 1e-6, ms,
                $"levels exact; {replayed} groups with a rounding near-midpoint replayed");
        }

        private CheckResult Fail(Backend backend, int groups, double ms, string why) =>
            Result(backend, $"groups={groups} m={_m} bits={_bits}", double.PositiveInfinity, 1e-6, ms, why);

        private static bool NearMidpoint(double r)
        {
            double x = Math.Abs(r);
            return Math.Abs(x - Math.Floor(x) - 0.5) <= 5e-7 * Math.Max(1, x);
        }

        /// <summary>The fixed levels for the choice of rounding at the near-midpoints that reproduces <paramref name="got"/>, else null.</summary>
        private static int[]? Replay(double[] ratio, int[] near, int qMin, int qMax, int[] got)
        {
            for (int mask = 0; mask < 1 << near.Length; mask++)
            {
                var q = ratio.Select(r => (int)Math.Clamp(Math.Round(r, MidpointRounding.AwayFromZero), qMin, qMax)).ToArray();
                for (int k = 0; k < near.Length; k++)
                {
                    double r = ratio[near[k]];
                    q[near[k]] = (int)Math.Clamp((mask >> k & 1) == 0 ? Math.Floor(r) : Math.Ceiling(r), qMin, qMax);
                }
                CodebookReference.DistinctFix(q, qMax);
                if (q.SequenceEqual(got)) return q;
            }
            return null;
        }
    }

    /// <summary>Deep Compression's gather with frozen assignments: Ŵ must be the codebook entry, bit for bit.</summary>
    public sealed class Gather : KernelCheck
    {
        private readonly CodebookScope _scope;
        private readonly int _m;

        public Gather(CodebookScope scope, int m)
        {
            _scope = scope;
            _m = m;
        }

        public override string Name => $"codebook.gather.{Scope(_scope)}.m{_m}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var shape = ShapeFor(size, _scope, _m);
            var c = Codebooks(rng, shape);
            var a = Assignments(rng, shape);
            var expected = CodebookReference.Gather(shape, c, a);
            using var dC = backend.Upload<float>(c);
            using var dA = backend.Upload<int>(a);
            using var dQ = backend.Allocate<float>(shape.Weights);
            double ms = Timed(backend, () => dQ.Fill(float.NaN), () => backend.Codebook.Gather(shape, dC, dA, dQ));
            var q = dQ.ToArray();
            bool same = q.Select(BitConverter.SingleToInt32Bits).SequenceEqual(expected.Select(BitConverter.SingleToInt32Bits));
            return Result(backend, shape.ToString(), same ? 0 : double.PositiveInfinity, 0, ms, "Ŵ bitwise equal to c[a]");
        }
    }

    /// <summary>
    /// Layer-order sum of three partial centroid gradients (a whole-network codebook over three layers):
    /// |total − Σ| / Σ|partials| ≤ 1.25e-7 per value, since two float32 additions each round by at most
    /// 2^−24 of a partial sum (2·2^−24 = 1.19e-7).
    /// </summary>
    public sealed class Accumulate : KernelCheck
    {
        private const int Layers = 3;

        public override string Name => "codebook.accumulate";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int count = size == CheckSize.Small ? 256 : 4096;
            var partials = Enumerable.Range(0, Layers).Select(_ => TestData.Normal(rng, count)).ToArray();
            var buffers = partials.Select(p => backend.Upload<float>(p)).ToArray();
            using var total = backend.Allocate<float>(count);
            try
            {
                double ms = Timed(backend, () => total.Fill(float.NaN), () =>
                {
                    for (int l = 0; l < Layers; l++) backend.Codebook.Accumulate(count, buffers[l], total, first: l == 0);
                });
                var got = total.ToArray();
                double err = 0;
                for (int i = 0; i < count; i++)
                {
                    double sum = 0, abs = 0;
                    foreach (var p in partials)
                    {
                        sum += p[i];
                        abs += Math.Abs(p[i]);
                    }
                    if (!float.IsFinite(got[i])) { err = double.PositiveInfinity; break; }
                    err = Math.Max(err, Math.Abs(got[i] - sum) / Math.Max(abs, 1e-30));
                }
                return Result(backend, $"layers={Layers} count={count}", err, 1.25e-7, ms, "|total − Σ| / Σ|partials|");
            }
            finally
            {
                foreach (var b in buffers) b.Dispose();
            }
        }
    }
}
