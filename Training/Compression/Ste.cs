using SpikeFit.Kernels.Codebook;

namespace SpikeFit.Training.Compression;

/// <summary>Which quantizer an STE-trained layer uses in its forward pass.</summary>
public enum SteQuantizer { UniformSymmetric, Binary, Ternary, UniformTwoBit }

/// <summary>
/// Straight-through estimator helpers for QAT (baselines 4 and 5). The trainer keeps float32 latent weights,
/// runs the network on <see cref="Forward"/>'s output and applies the quantized weights' gradient to the latent
/// weights unchanged (<see cref="Backward"/>: ∂L/∂W = ∂L/∂Ŵ). The scale is recomputed from the latent weights at
/// every forward (max|w| or mean|w|), with no gradient through it. LSQ (Esser et al. 2020) instead learns the
/// step: <see cref="LsqForward"/> / <see cref="LsqBackward"/>.
/// </summary>
public static class Ste
{
    /// <summary>Quantizes <paramref name="latent"/> into <paramref name="quantized"/>; returns the scale used.</summary>
    public static float Forward(SteQuantizer kind, ReadOnlySpan<float> latent, Span<float> quantized, int bits = 8)
    {
        if (quantized.Length != latent.Length) throw new ArgumentException("Length mismatch.", nameof(quantized));
        var q = kind switch
        {
            SteQuantizer.UniformSymmetric => Quantizers.UniformSymmetric(latent, bits),
            SteQuantizer.Binary => Quantizers.Binary(latent),
            SteQuantizer.Ternary => Quantizers.Ternary(latent),
            SteQuantizer.UniformTwoBit => Quantizers.UniformTwoBit(latent),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        q.Weights.CopyTo(quantized);
        return q.Scale;
    }

    /// <summary>Straight-through: ∂L/∂W = ∂L/∂Ŵ (a copy; a trainer can also just reuse the buffer).</summary>
    public static void Backward(ReadOnlySpan<float> gradQuantized, Span<float> gradLatent)
    {
        if (gradLatent.Length != gradQuantized.Length) throw new ArgumentException("Length mismatch.", nameof(gradLatent));
        gradQuantized.CopyTo(gradLatent);
    }

    /// <summary>
    /// LSQ forward, signed b-bit: ŵ = s·round(clamp(w/s, −Q_N, Q_P)), Q_N = 2^(b−1), Q_P = 2^(b−1) − 1, rounding half
    /// away from zero (<see cref="CodebookMath.RoundHalfAway"/>). Requires s &gt; 0.
    /// </summary>
    public static void LsqForward(ReadOnlySpan<float> latent, float step, int bits, Span<float> quantized)
    {
        if (!(step > 0f)) throw new ArgumentOutOfRangeException(nameof(step), "LSQ step must be positive.");
        if (quantized.Length != latent.Length) throw new ArgumentException("Length mismatch.", nameof(quantized));
        var (qn, qp) = CodebookMath.GridRange(bits);
        for (int i = 0; i < latent.Length; i++)
            quantized[i] = step * CodebookMath.RoundHalfAway(Math.Clamp(latent[i] / step, qn, qp));
    }

    /// <summary>LSQ's step initialisation 2·mean|w| / √Q_P.</summary>
    public static float LsqInitialStep(ReadOnlySpan<float> latent, int bits) =>
        2f * Quantizers.MeanAbs(latent) / MathF.Sqrt(CodebookMath.GridRange(bits).QMax);

    /// <summary>
    /// LSQ backward. Weights: ∂L/∂w = ∂L/∂ŵ inside −Q_N &lt; w/s &lt; Q_P, else 0. Step:
    /// ∂L/∂s = g·Σ ∂L/∂ŵ_i·(−w_i/s + round(w_i/s)) inside, −Q_N·∂L/∂ŵ_i below, Q_P·∂L/∂ŵ_i above, with the gradient
    /// scale g = 1/√(N·Q_P). Returns ∂L/∂s.
    /// </summary>
    public static float LsqBackward(ReadOnlySpan<float> latent, float step, int bits, ReadOnlySpan<float> gradQuantized,
        Span<float> gradLatent)
    {
        if (!(step > 0f)) throw new ArgumentOutOfRangeException(nameof(step), "LSQ step must be positive.");
        if (gradQuantized.Length != latent.Length || gradLatent.Length != latent.Length)
            throw new ArgumentException("Length mismatch.");
        var (qn, qp) = CodebookMath.GridRange(bits);
        double gs = 0;
        for (int i = 0; i < latent.Length; i++)
        {
            float v = latent[i] / step, g = gradQuantized[i];
            if (v <= qn) { gs += (double)qn * g; gradLatent[i] = 0f; }
            else if (v >= qp) { gs += (double)qp * g; gradLatent[i] = 0f; }
            else { gs += (double)(CodebookMath.RoundHalfAway(v) - v) * g; gradLatent[i] = g; }
        }
        return latent.Length == 0 ? 0f : (float)(gs / Math.Sqrt((double)latent.Length * qp));
    }
}
