using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Quantize;

/// <summary>
/// Correctness checks of the STE quantizer kernels against <see cref="QuantizerReference"/>, on one
/// layer's weights (Small: 24×250 = 6000, two reduction chunks; Large: the 784→512 MLP layer).
/// <para>
/// Tolerances. max|w| is exact, so uniform and 2-bit differ from float64 only by the rounding of the
/// scale (Δ within 1e-6) and of Δ·q (1e-6), with either neighbour accepted where w/s lies within
/// 5e-7·max(1, |w/s|) of a rounding boundary. Binary and ternary scales come from a float32 sum of
/// |w| (all terms positive): at most 4096/T + log2 T + chunks ≤ 140 roundings of 2^−24 for the
/// sizes here, so α (and Δ) lie within 2e-5 relative; a weight within 2e-5·Δ of the ternary
/// threshold may land on either side, and α is then compared with the float64 mean over the weights
/// the kernel kept. Every binary/ternary output must be exactly 0 or ±α with the sign of w.
/// </para>
/// </summary>
public sealed class QuantizerCheck : KernelCheck
{
    private const double SumTolerance = 2e-5;
    private readonly QuantizerKind _kind;
    private readonly int _bits;

    public QuantizerCheck(QuantizerKind kind, int bits = 0)
    {
        _kind = kind;
        _bits = bits;
    }

    public override string Name => _kind switch
    {
        QuantizerKind.UniformSymmetric => $"quantize.uniform.b{_bits}",
        QuantizerKind.Binary => "quantize.binary",
        QuantizerKind.Ternary => "quantize.ternary",
        _ => "quantize.twobit",
    };

    public static IEnumerable<KernelCheck> All()
    {
        foreach (var bits in new[] { 2, 4, 8, 16 }) yield return new QuantizerCheck(QuantizerKind.UniformSymmetric, bits);
        yield return new QuantizerCheck(QuantizerKind.Binary);
        yield return new QuantizerCheck(QuantizerKind.Ternary);
        yield return new QuantizerCheck(QuantizerKind.UniformTwoBit);
    }

    public override CheckResult Run(Backend backend, int seed, CheckSize size)
    {
        var rng = new Random(seed);
        var (rows, cols) = CodebookCheck.MatrixFor(size);
        int count = rows * cols;
        var w = TestData.Normal(rng, count, 0.05f);
        using var dW = backend.Upload<float>(w);
        using var dQ = backend.Allocate<float>(count);
        using var dS = backend.Allocate<float>(1);
        double ms = Timed(backend, () => { dQ.Fill(float.NaN); dS.Fill(float.NaN); },
            () => backend.Quantizer.Quantize(_kind, _bits, count, dW, dQ, dS));
        var q = dQ.ToArray();
        float s = dS.ToArray()[0];
        string shape = $"count={count}";
        return _kind switch
        {
            QuantizerKind.UniformSymmetric => Uniform(backend, shape, ms, w, q, s),
            QuantizerKind.UniformTwoBit => TwoBit(backend, shape, ms, w, q, s),
            _ => SignTimesAlpha(backend, shape, ms, w, q, s),
        };
    }

    private static bool NearBoundary(double distance, double r) => Math.Abs(distance) <= 5e-7 * Math.Max(1, Math.Abs(r));

    private CheckResult Uniform(Backend backend, string shape, double ms, float[] w, float[] q, float s)
    {
        var (refQ, refS, ratio) = QuantizerReference.UniformSymmetric(w, _bits);
        int qmax = QuantizerMath.SymmetricQMax(_bits);
        var expected = (double[])refQ.Clone();
        int near = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double x = Math.Abs(ratio[i]);
            if (!NearBoundary(x - Math.Floor(x) - 0.5, x)) continue;
            near++;
            double lo = Math.Clamp(Math.Floor(ratio[i]), -qmax, qmax) * refS, hi = Math.Clamp(Math.Ceiling(ratio[i]), -qmax, qmax) * refS;
            expected[i] = Math.Abs(q[i] - lo) <= Math.Abs(q[i] - hi) ? lo : hi;
        }
        double err = Math.Max(Compare.MaxRelError(q, expected), Math.Abs(s - refS) / refS);
        return Result(backend, shape, err, 1e-6, ms, $"s and ŵ; {near} rounding near-midpoints accepted either way");
    }

    private CheckResult TwoBit(Backend backend, string shape, double ms, float[] w, float[] q, float alpha)
    {
        var (refQ, refA, ratio) = QuantizerReference.UniformTwoBit(w);
        double step = 2 * refA / 3;
        var expected = (double[])refQ.Clone();
        int near = 0;
        for (int i = 0; i < w.Length; i++)
        {
            if (!NearBoundary(ratio[i] - Math.Round(ratio[i]), ratio[i])) continue;
            near++;
            // A boundary between levels: w/s at an integer k, so floor gives k − 1 or k.
            double k = Math.Round(ratio[i]);
            double lo = Math.Clamp(k - 0.5, -1.5, 1.5) * step, hi = Math.Clamp(k + 0.5, -1.5, 1.5) * step;
            expected[i] = Math.Abs(q[i] - lo) <= Math.Abs(q[i] - hi) ? lo : hi;
        }
        double err = Math.Max(Compare.MaxRelError(q, expected), Math.Abs(alpha - refA) / refA);
        return Result(backend, shape, err, 1e-6, ms, $"α and ŵ; {near} level boundaries accepted either way");
    }

    private CheckResult SignTimesAlpha(Backend backend, string shape, double ms, float[] w, float[] q, float alpha)
    {
        bool ternary = _kind == QuantizerKind.Ternary;
        double threshold = QuantizerReference.TernaryThreshold(w);
        int flips = 0;
        for (int i = 0; i < w.Length; i++)
        {
            bool kept = q[i] != 0f;
            bool shouldKeep = !ternary || Math.Abs((double)w[i]) > threshold;
            if (kept != shouldKeep)
            {
                if (!ternary || Math.Abs(Math.Abs((double)w[i]) - threshold) > SumTolerance * threshold)
                    return Result(backend, shape, double.PositiveInfinity, SumTolerance, ms, $"weight {i} = {w[i]} gave {q[i]}");
                flips++;
            }
            float want = kept ? (w[i] < 0f ? -alpha : alpha) : 0f;
            if (BitConverter.SingleToInt32Bits(q[i]) != BitConverter.SingleToInt32Bits(want))
                return Result(backend, shape, double.PositiveInfinity, SumTolerance, ms, $"weight {i} = {w[i]} gave {q[i]}, not ±α = {alpha}");
        }
        double refAlpha = ternary ? QuantizerReference.MeanAbsOver(w, i => q[i] != 0f) : QuantizerReference.MeanAbs(w);
        double err = Math.Abs(alpha - refAlpha) / refAlpha;
        return Result(backend, shape, err, SumTolerance, ms,
            ternary ? $"α over the kept weights; every ŵ ∈ {{0, ±α}}; {flips} weights at the threshold flipped" : "α = mean|w|; every ŵ = ±α");
    }
}
