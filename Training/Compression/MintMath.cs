using SpikeFit.Kernels.Lif;

namespace SpikeFit.Training.Compression;

/// <summary>
/// The integer neuron of MINT (Yin et al., "MINT: Multiplier-less INTeger Quantization for Energy
/// Efficient Spiking Neural Networks", ASP-DAC 2024, arXiv 2305.09850): weights s·q and the membrane
/// share one scale s per layer, so everything the neuron holds is an integer count of s and a step
/// needs only additions, a comparison and a b_u-bit table lookup. One step, every value an integer:
/// <code>
/// I = ⌊I_float / s + ½⌋                  current in units of s (exact for spike inputs: Σ q over the spikes)
/// h = leak[v] + I                        leak[v] = ⌊β·v + ½⌋, a 2^b_u-entry table (β = ½ is a rounded shift)
/// spike when h ≥ Θ, Θ = ⌈θ / s⌉          the threshold folded into the scale
/// v = clamp(h − Θ·spike (soft) or h·(1 − spike) (hard), −2^(b_u−1), 2^(b_u−1) − 1)   saturating b_u-bit membrane
/// </code>
/// The float simulation during training and evaluation (<see cref="Models.Constraints.MintMembrane"/>)
/// and the deployed integer engine (<see cref="Deploy.IntegerInference"/>) both run this one struct,
/// so they agree spike for spike given the same integer currents.
/// </summary>
public readonly record struct MintNeuron(long Theta, long Min, long Max, long[] LeakTable, bool SoftReset)
{
    /// <summary>The constants of a layer with scale <paramref name="scale"/> (s, float32 as trained), from the float neuron's θ, β and reset.</summary>
    public static MintNeuron Create(float scale, float theta, float beta, ResetMode reset, int membraneBits)
    {
        if (!(scale > 0f) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"MINT scale must be positive and finite, got {scale}.");
        if (membraneBits is < 2 or > 16) throw new ArgumentOutOfRangeException(nameof(membraneBits), $"MINT membrane bits must be 2..16, got {membraneBits}.");
        long min = -(1L << (membraneBits - 1)), max = (1L << (membraneBits - 1)) - 1;
        // ⌈θ/s⌉ in float64 from the float32 values: both paths call this, so they share the same Θ.
        long th = Math.Max(1L, (long)Math.Ceiling((double)theta / scale));
        var leak = new long[max - min + 1];
        for (long v = min; v <= max; v++) leak[v - min] = (long)Math.Floor((double)beta * v + 0.5);
        return new MintNeuron(th, min, max, leak, reset == ResetMode.Soft);
    }

    /// <summary>The current in units of s, rounded half up: ⌊x + ½⌋ (translation-invariant, so Σq + b/s rounds to Σq + ⌊b/s + ½⌋).</summary>
    public static long CurrentUnits(double currentOverScale) => (long)Math.Floor(currentOverScale + 0.5);

    /// <summary>One step of one neuron: updates the stored membrane <paramref name="v"/>, returns the pre-reset membrane h; <paramref name="spike"/> says whether it fired.</summary>
    public long Step(ref long v, long current, out bool spike)
    {
        long h = LeakTable[v - Min] + current;
        spike = h >= Theta;
        long next = !spike ? h : SoftReset ? h - Theta : 0;
        v = Math.Clamp(next, Min, Max);
        return h;
    }
}
