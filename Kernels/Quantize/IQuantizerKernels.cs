using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Quantize;

/// <summary>The straight-through quantizers of DESIGN §5 (baselines 4–5), as kernels.</summary>
public enum QuantizerKind
{
    /// <summary>s = max|w| / (2^(b−1) − 1), ŵ = s·clamp(round-half-away(w/s), ±(2^(b−1) − 1)).</summary>
    UniformSymmetric,
    /// <summary>α = mean|w|, ŵ = −α where w &lt; 0, else α.</summary>
    Binary,
    /// <summary>TWN: Δ = 0.7·mean|w|; α = mean of |w| over |w| &gt; Δ (0 if none); ŵ = α·sign(w) where |w| &gt; Δ, else 0.</summary>
    Ternary,
    /// <summary>Mid-rise 2-bit: α = max|w|, s = 2α/3, ŵ = s·clamp(floor(w/s) + ½, −1.5, 1.5).</summary>
    UniformTwoBit,
}

/// <summary>
/// Forward of a straight-through-estimator layer: Ŵ = Q(W) with one scale for the whole tensor,
/// recomputed from W at every call, with the semantics of <c>Ste.Forward</c> (Training/Compression).
/// The backward needs no kernel (∂L/∂W = ∂L/∂Ŵ).
/// </summary>
public interface IQuantizerKernels
{
    /// <summary>
    /// Writes Q(latent[0..count)) to <paramref name="quantized"/> and the scale to scale[0] (s for
    /// uniform, α otherwise; 0 for all-zero weights). Reductions are deterministic (fixed order). The
    /// cpu backend runs the host reference code (float64 sums in index order), so it matches
    /// <c>Ste.Forward</c> bit for bit; ILGPU sums |w| in float32 (fixed-size chunks, a fixed-pairing
    /// tree per chunk, chunks added in order), within 2e-5 relative of the float64 mean. max|w| is exact
    /// on every backend, so uniform and 2-bit give the same bits everywhere. <paramref name="bits"/> is
    /// used by <see cref="QuantizerKind.UniformSymmetric"/> only (2..16).
    /// </summary>
    void Quantize(QuantizerKind kind, int bits, int count, DeviceBuffer<float> latent, DeviceBuffer<float> quantized,
        DeviceBuffer<float> scale);
}
