using System.Runtime.CompilerServices;
using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Quantize;

/// <summary>Per-weight formulas shared by the managed path and the ILGPU kernels (MathF only, so ILGPU compiles them).</summary>
public static class QuantizerMath
{
    /// <summary>TWN's threshold factor (Li &amp; Liu 2016): Δ = 0.7·mean|w|.</summary>
    public const float TernaryFactor = 0.7f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Binary(float w, float alpha) => w < 0f ? -alpha : alpha;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Ternary(float w, float threshold, float alpha) =>
        MathF.Abs(w) > threshold ? (w < 0f ? -alpha : alpha) : 0f;

    /// <summary>Mid-rise 2-bit level: the nearest of {−1.5, −0.5, 0.5, 1.5}·s, a weight exactly between two going up; 0 when α = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TwoBit(float w, float alpha, float step)
    {
        if (!(alpha > 0f)) return 0f;
        return MathF.Min(MathF.Max(MathF.Floor(w / step) + 0.5f, -1.5f), 1.5f) * step;
    }

    /// <summary>The 2-bit step s = 2α/3 (in this order, as the host quantizer computes it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TwoBitStep(float alpha) => 2f * alpha / 3f;

    /// <summary>Largest grid index of the symmetric uniform grid: 2^(b−1) − 1 (throws unless 2 ≤ bits ≤ 16).</summary>
    public static int SymmetricQMax(int bits) => CodebookMath.GridRange(bits).QMax;

    internal static void Validate(Backend backend, QuantizerKind kind, int bits, int count, DeviceBuffer<float> latent,
        DeviceBuffer<float> quantized, DeviceBuffer<float> scale)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown quantizer.");
        if (kind == QuantizerKind.UniformSymmetric) CodebookMath.ValidateBits(bits);
        if (count <= 0) throw new ArgumentException($"Weight count must be positive, got {count}.", nameof(count));
        backend.Check(latent, count, nameof(latent));
        backend.Check(quantized, count, nameof(quantized));
        backend.Check(scale, 1, nameof(scale));
    }
}
