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
}
