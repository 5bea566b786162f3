using System.Runtime.CompilerServices;

namespace SpikeFit.Kernels.Codebook;

/// <summary>
/// Scalar pieces shared by the ILGPU kernels and the managed path, so both round and project
/// identically. Only MathF arithmetic, so ILGPU can compile them.
/// </summary>
public static class CodebookMath
{
    /// <summary>Smallest and largest b-bit signed grid indices: −2^(b−1) and 2^(b−1) − 1.</summary>
    public static (int QMin, int QMax) GridRange(int bits)
    {
        ValidateBits(bits);
        int half = 1 << (bits - 1);
        return (-half, half - 1);
    }

    /// <summary>Throws unless 2 ≤ bits ≤ 16 (a 1-bit signed grid has no positive level).</summary>
    public static void ValidateBits(int bits)
    {
        if (bits < 2 || bits > 16)
            throw new ArgumentException($"Codebook bit width must be 2..16, got bits={bits}.", nameof(bits));
    }

    /// <summary>
    /// Round half away from zero. floor(|x| + 0.5) is wrong in float32 for |x| = 0.5 − 2^−25
    /// (the sum rounds up to 1), so the fraction is compared instead: |x| − floor(|x|) is exact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundHalfAway(float x)
    {
        float a = MathF.Abs(x);
        float f = MathF.Floor(a);
        if (a - f >= 0.5f) f += 1f;
        return x < 0f ? -f : f;
    }

    /// <summary>Δ·clamp(round(c/Δ), qMin, qMax); 0 when Δ = 0 (an all-zero codebook).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Project(float c, float delta, float qMin, float qMax)
    {
        if (!(delta > 0f)) return 0f;
        float q = RoundHalfAway(c / delta);
        q = MathF.Min(MathF.Max(q, qMin), qMax);
        return delta * q;
    }

    /// <summary>
    /// max(acc, |x|) that keeps a NaN once seen (like MathF.Max on the host; device fmax would drop it),
    /// so a NaN codebook or weight gives the same result on every backend.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAbsStep(float acc, float x)
    {
        float a = MathF.Abs(x);
        return a > acc || !(a <= float.PositiveInfinity) ? a : acc; // the second test is true only for NaN
    }

    /// <summary>The divisor d of the distinct-level projection's scale Δ = max|c| / d: 2^(b−1) when m = 2^b, else 2^(b−1) − 1.</summary>
    public static int DistinctDivisor(int m, int bits)
    {
        var (qMin, qMax) = GridRange(bits);
        return m == qMax - qMin + 1 ? -qMin : qMax;
    }

    /// <summary>
    /// One group of the distinct-level projection (see <c>ICodebookKernels.ProjectDistinct</c>), on spans.
    /// <paramref name="order"/> and <paramref name="levels"/> are scratch of length m.
    /// </summary>
    public static void ProjectGroup(ReadOnlySpan<float> latent, Span<float> projected, float scale, int qMin, int qMax,
        Span<int> order, Span<int> levels)
    {
        int m = projected.Length;
        for (int i = 0; i < m; i++) projected[i] = Project(latent[i], scale, qMin, qMax);
        for (int i = 0; i < m; i++) order[i] = i;
        // Stable insertion sort by level, so crossing latent centroids keep their order in the fix.
        for (int i = 1; i < m; i++)
            for (int j = i; j > 0 && projected[order[j]] < projected[order[j - 1]]; j--)
                (order[j], order[j - 1]) = (order[j - 1], order[j]);
        bool clash = false;
        for (int i = 0; i < m; i++)
        {
            // Δ·q / Δ lies within a few ulps of the integer q, so any rounding mode gives q.
            levels[i] = (int)RoundHalfAway(projected[order[i]] / scale);
            if (i > 0 && levels[i] <= levels[i - 1]) clash = true;
        }
        if (!clash) return;
        for (int i = 1; i < m; i++) levels[i] = Math.Max(levels[i], levels[i - 1] + 1);
        levels[m - 1] = Math.Min(levels[m - 1], qMax);
        for (int i = m - 2; i >= 0; i--) levels[i] = Math.Min(levels[i], levels[i + 1] - 1);
        for (int i = 0; i < m; i++) projected[order[i]] = scale * levels[i];
    }
}
