using SpikeFit.Kernels.Codebook;

namespace SpikeFit.Training.Compression;

/// <summary>Output of a quantizer.</summary>
/// <param name="Weights">The snapped weights, same order and length as the input.</param>
/// <param name="Codebook">The quantizer's nominal levels, ascending (e.g. {−α, α} for binary, the whole grid
/// for uniform b-bit). Not every level need occur: see <see cref="DistinctValues"/>.</param>
/// <param name="DistinctValues">Distinct values counted in <see cref="Weights"/>, never assumed.</param>
/// <param name="Scale">Grid step s (uniform), α (binary, ternary, 2-bit), or NaN (k-means codebooks).</param>
public sealed record QuantizedWeights(float[] Weights, float[] Codebook, int DistinctValues, float Scale)
{
    internal static QuantizedWeights Of(float[] weights, float[] codebook, float scale) =>
        new(weights, codebook, WeightValues.CountDistinct(weights), scale);

    /// <summary>Report of the snapped weights (distinct values and codebook counted from them).</summary>
    public QuantizedLayerReport Report() => QuantizedLayerReport.FromWeights(Weights, Scale);
}

/// <summary>
/// The post-training quantizers of the DESIGN §5 baselines, applied once to a layer's float32 weights on the host.
/// The same functions are the forward pass of the STE-trained variants (<see cref="Ste"/>).
/// </summary>
public static class Quantizers
{
    /// <summary>Largest grid index of a symmetric b-bit grid: 2^(b−1) − 1.</summary>
    public static int SymmetricQMax(int bits) => CodebookMath.GridRange(bits).QMax;

    /// <summary>Symmetric b-bit step s = max|w| / (2^(b−1) − 1); 0 for all-zero weights.</summary>
    public static float SymmetricScale(ReadOnlySpan<float> w, int bits)
    {
        int qmax = SymmetricQMax(bits);
        return MaxAbs(w) / qmax;
    }

    /// <summary>
    /// Uniform symmetric b-bit PTQ (baseline 3, first half): s = max|w| / (2^(b−1) − 1), q = clamp(round(w/s)),
    /// ŵ = s·q, q in [−(2^(b−1) − 1), 2^(b−1) − 1] (the symmetric grid: the −2^(b−1) level is unused, so the
    /// codebook has 2^b − 1 levels). Rounding half away from zero, via <see cref="CodebookMath.Project"/> (the CAT
    /// projection), so it matches the kernels bit for bit. Throws unless 2 ≤ bits ≤ 16.
    /// </summary>
    public static QuantizedWeights UniformSymmetric(ReadOnlySpan<float> w, int bits)
    {
        int qmax = SymmetricQMax(bits);
        float s = SymmetricScale(w, bits);
        var q = new float[w.Length];
        for (int i = 0; i < q.Length; i++) q[i] = CodebookMath.Project(w[i], s, -qmax, qmax);
        float[] grid;
        if (s > 0f)
        {
            grid = new float[2 * qmax + 1];
            for (int j = 0; j < grid.Length; j++) grid[j] = s * (j - qmax);
        }
        else grid = [0f];
        return QuantizedWeights.Of(q, grid, s);
    }

    /// <summary>
    /// PTQ k-means (baseline 2): k-means to M values on the float32 weights, each weight snapped to its centroid.
    /// k-means++ keeps the best of <paramref name="restarts"/> seeds; <see cref="KMeansInit.Linear"/> runs once.
    /// </summary>
    public static QuantizedWeights KMeans(ReadOnlySpan<float> w, int m, KMeansInit init = KMeansInit.PlusPlus,
        int seed = 0, int restarts = 1)
    {
        var fit = init == KMeansInit.PlusPlus && restarts > 1
            ? KMeans1D.FitBest(w, m, restarts, seed)
            : KMeans1D.Fit(w, m, init, seed);
        return QuantizedWeights.Of(fit.Snapped(), fit.Centroids, float.NaN);
    }

    /// <summary>PTQ k-means with the globally optimal 1-D clustering (<see cref="KMeans1D.FitOptimal"/>) instead of Lloyd.</summary>
    public static QuantizedWeights KMeansOptimal(ReadOnlySpan<float> w, int m)
    {
        var fit = KMeans1D.FitOptimal(w, m);
        return QuantizedWeights.Of(fit.Snapped(), fit.Centroids, float.NaN);
    }

    /// <summary>
    /// Uniform PTQ then k-means (baseline 3): <see cref="UniformSymmetric"/> at b bits, then k-means of the
    /// quantized values to M, snapped. The codebook is the M centroids (means of grid values, so in general off
    /// the grid); Scale is the b-bit step s.
    /// </summary>
    public static QuantizedWeights UniformThenKMeans(ReadOnlySpan<float> w, int bits, int m,
        KMeansInit init = KMeansInit.PlusPlus, int seed = 0, int restarts = 1)
    {
        var u = UniformSymmetric(w, bits);
        var k = KMeans(u.Weights, m, init, seed, restarts);
        return k with { Scale = u.Scale };
    }

    /// <summary>
    /// Binary (baseline 5, M = 2): ŵ = α·sign(w), α = mean|w| (the L2-optimal scale, XNOR-Net). sign(0) = +1 so
    /// every weight takes one of the two levels.
    /// </summary>
    public static QuantizedWeights Binary(ReadOnlySpan<float> w)
    {
        float a = MeanAbs(w);
        var q = new float[w.Length];
        for (int i = 0; i < q.Length; i++) q[i] = w[i] < 0f ? -a : a;
        return QuantizedWeights.Of(q, a > 0f ? [-a, a] : [0f], a);
    }

    /// <summary>
    /// Ternary weight networks (Li &amp; Liu 2016; baseline 5, M = 3): Δ = 0.7·mean|w|; ŵ = α·sign(w) where
    /// |w| &gt; Δ, else 0; α = mean of |w| over the weights above Δ (0 when none are).
    /// </summary>
    public static QuantizedWeights Ternary(ReadOnlySpan<float> w, float thresholdFactor = 0.7f)
    {
        float delta = TernaryThreshold(w, thresholdFactor);
        double sum = 0;
        int count = 0;
        foreach (var x in w)
            if (MathF.Abs(x) > delta) { sum += MathF.Abs(x); count++; }
        float a = count > 0 ? (float)(sum / count) : 0f;
        var q = new float[w.Length];
        for (int i = 0; i < q.Length; i++)
            q[i] = MathF.Abs(w[i]) > delta ? (w[i] < 0f ? -a : a) : 0f;
        return QuantizedWeights.Of(q, a > 0f ? [-a, 0f, a] : [0f], a);
    }

    /// <summary>TWN threshold Δ = factor·mean|w| (factor 0.7 in the paper).</summary>
    public static float TernaryThreshold(ReadOnlySpan<float> w, float thresholdFactor = 0.7f) =>
        (float)(thresholdFactor * (double)MeanAbs(w));

    /// <summary>
    /// Uniform 2-bit (baseline 5, M = 4): the symmetric mid-rise grid α·{−1, −1/3, 1/3, 1}, α = max|w|, each weight
    /// to the nearest level (step s = 2α/3; a weight exactly between two levels goes up). Mid-rise because a
    /// max-scaled mid-tread 2-bit grid (the CAT grid {−2, −1, 0, 1}·Δ) reaches only three levels on symmetric
    /// weights. Scale is α.
    /// </summary>
    public static QuantizedWeights UniformTwoBit(ReadOnlySpan<float> w)
    {
        float a = MaxAbs(w);
        var q = new float[w.Length];
        if (!(a > 0f)) return QuantizedWeights.Of(q, [0f], 0f);
        float s = 2f * a / 3f;
        for (int i = 0; i < q.Length; i++) q[i] = MidRiseLevel(w[i], s) * s;
        return QuantizedWeights.Of(q, [-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s], a);
    }

    /// <summary>Nearest of {−1.5, −0.5, 0.5, 1.5} to w/s: floor(w/s) + 0.5, clamped.</summary>
    static float MidRiseLevel(float w, float s) => Math.Clamp(MathF.Floor(w / s) + 0.5f, -1.5f, 1.5f);

    /// <summary>max|w| (0 for an empty array).</summary>
    public static float MaxAbs(ReadOnlySpan<float> w)
    {
        float m = 0f;
        foreach (var x in w) m = MathF.Max(m, MathF.Abs(x));
        return m;
    }

    /// <summary>mean|w| accumulated in float64 (0 for an empty array).</summary>
    public static float MeanAbs(ReadOnlySpan<float> w)
    {
        if (w.Length == 0) return 0f;
        double s = 0;
        foreach (var x in w) s += MathF.Abs(x);
        return (float)(s / w.Length);
    }
}
