using SpikeFit.Kernels.Lif;

namespace SpikeFit.Training.Deploy;

/// <summary>
/// One weighted layer and the neurons it drives, turned into integer constants once when the
/// engine is built (the only place floats from the header are used).
/// <para>
/// Units: the layer's accumulator A = Σ q·x counts u = Δ/255 (8-bit pixel input) or u = Δ (spike
/// input). Its neurons' membrane counts u / 2^S (S ≤ 16 fractional bits), so the current is
/// I = (A &lt;&lt; S) + B exactly; θ becomes Θ = round(θ·2^S / u), the bias B = the stored bias
/// (units u / 2^16) rounding-shifted to S bits, and β becomes β_fp = round(β·2^16) applied as
/// (β_fp·v + 2^15) &gt;&gt; 16. S is the largest value ≤ 16 for which the worst-case membrane cannot
/// overflow int64 (see <see cref="Choose"/>).
/// </para>
/// </summary>
internal sealed class FixedPointPlan
{
    /// <summary>Fractional bits of β_fp.</summary>
    public const int BetaBits = 16;

    public required DeployedLayer Layer { get; init; }
    /// <summary>The neuron layer after it (Lif or Integrator).</summary>
    public required DeployedLayer Neurons { get; init; }
    /// <summary>2×2 max pool after the neurons, or null.</summary>
    public DeployedLayer? Pool { get; init; }
    /// <summary>Integer weights transposed to [FanIn, Rows] (for conv: [(ky, kx, c), O]), so one input adds one contiguous row.</summary>
    public required int[] WeightsByInput { get; init; }
    /// <summary>Bias per row in membrane units (u / 2^S).</summary>
    public required long[] Bias { get; init; }
    /// <summary>Fractional bits S of the membrane.</summary>
    public required int S { get; init; }
    /// <summary>Threshold in membrane units (Lif).</summary>
    public required long Theta { get; init; }
    /// <summary>round(β·2^16).</summary>
    public required long BetaFp { get; init; }
    /// <summary>True when |A| provably fits int32, so the accumulator runs in int32 SIMD; else int64.</summary>
    public required bool Int32Accumulator { get; init; }
    /// <summary>One membrane unit (u / 2^S) in the float network's current units, to report readouts.</summary>
    public required double MembraneUnit { get; init; }
    /// <summary>
    /// MINT neurons (<see cref="DeployedLayer.MembraneBits"/> &gt; 0), else null. Then S = 16 and the current
    /// (A &lt;&lt; 16) + B counts u/2^16; it is taken in units of s as ⌊(current + D·2^15) / (D·2^16)⌋ with
    /// D = 255 for the pixel layer (u = s/255) and 1 after spikes (an arithmetic shift), and the membrane is
    /// the b_u-bit integer of <see cref="Compression.MintNeuron"/>.
    /// </summary>
    public Compression.MintNeuron? Mint { get; init; }
    /// <summary>D·2^16: the current units in one s (MINT only).</summary>
    public long MintDivisor { get; init; }

    public bool SoftReset => Neurons.Reset == ResetMode.Soft;
    public int OutSize => Layer.OutSize;
    /// <summary>Features after the optional pool: what the next layer sees.</summary>
    public int SpikeSize => Pool?.OutSize ?? Layer.OutSize;

    /// <summary>Builds the constants of <paramref name="layer"/> (weights and biases from <paramref name="model"/>).</summary>
    public static FixedPointPlan Create(DeployedModel model, DeployedLayer layer, DeployedLayer neurons, DeployedLayer? pool, string path)
    {
        var h = model.Header;
        var w = model.IntegerWeights(layer);
        var byInput = new int[w.Length];
        for (int r = 0; r < layer.Rows; r++)
            for (int j = 0; j < layer.FanIn; j++)
                byInput[j * layer.Rows + r] = w[r * layer.FanIn + j];
        var stored = model.Biases(layer);

        double unit = layer.PixelInput ? (double)layer.Scale / h.InputLevels : layer.Scale;
        long maxQ = model.Levels(layer).Max(q => Math.Abs((long)q));
        double accBound = (double)maxQ * (layer.PixelInput ? h.InputLevels : 1) * layer.FanIn;
        double biasBound = stored.Length == 0 ? 0 : stored.Max(b => Math.Abs((double)b)) / Math.Pow(2, h.BiasFractionBits);
        double theta = neurons.Op == DeployedOp.Lif ? neurons.Theta : 0;
        bool mint = neurons.MembraneBits > 0;
        // MINT: the current only has to be exact in units of u/2^16 (its membrane is a small integer of s), so S = 16 always fits.
        int s = mint ? h.BiasFractionBits : Choose(accBound, biasBound, theta / unit, h.T, path, layer.Name);
        int shift = h.BiasFractionBits - s;
        var bias = stored.Select(b => shift > 0 ? (b + (1L << (shift - 1))) >> shift : b << -shift).ToArray();
        return new FixedPointPlan
        {
            Layer = layer, Neurons = neurons, Pool = pool, WeightsByInput = byInput, Bias = bias, S = s,
            Theta = (long)Math.Round(theta / unit * Math.Pow(2, s), MidpointRounding.AwayFromZero),
            BetaFp = (long)Math.Round(neurons.Beta * (double)(1 << BetaBits), MidpointRounding.AwayFromZero),
            Int32Accumulator = accBound < int.MaxValue,
            MembraneUnit = mint ? layer.Scale : unit / Math.Pow(2, s),
            Mint = mint ? Compression.MintNeuron.Create(layer.Scale, neurons.Theta, neurons.Beta, neurons.Reset, neurons.MembraneBits) : null,
            MintDivisor = (layer.PixelInput ? (long)h.InputLevels : 1L) << s,
        };
    }

    /// <summary>
    /// The largest S ≤ 16 for which nothing can overflow int64: with |I| ≤ A_max·2^S + |B|max·2^S
    /// and β ≤ 1, |h_t| ≤ T·(|I|max + Θ) (soft reset subtracts at most Θ per step); the leak product
    /// β_fp·v needs that times 2^16 below 2^62, and the readout sum over T steps T times it.
    /// Coarser S only loses precision in Θ, B and the leak rounding; the currents stay exact.
    /// </summary>
    private static int Choose(double accBound, double biasBound, double thetaUnits, int t, string path, string layer)
    {
        const double limit = 4.0e18; // below 2^62 with room for the rounding terms
        for (int s = 16; s >= 0; s--)
        {
            double scale = Math.Pow(2, s);
            double v = t * ((accBound + biasBound) * scale + thetaUnits * scale);
            if (v * (1 << BetaBits) < limit && v * t < limit) return s;
        }
        throw new InvalidDataException($"{path}: layer {layer} cannot run in int64 without overflow (accumulator bound {accBound:E2}, bias {biasBound:E2}).");
    }
}
