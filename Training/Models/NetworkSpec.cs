using SpikeFit.Kernels.Lif;

namespace SpikeFit.Training.Models;

public enum InputEncoding { Direct, Poisson }

/// <summary>
/// Clusterization-aware training (SPEC §4): every dense layer keeps an M-value codebook on a b-bit
/// grid, per layer or per output neuron, learnt with the weights at <see cref="LearningRateScale"/>
/// times the weights' learning rate.
/// </summary>
public sealed record CodebookSpec(int M = 4, int Bits = 4, bool PerNeuron = false, float LearningRateScale = 0.1f,
    CodebookInit Init = CodebookInit.KMeans, int InitSeed = 0);

/// <summary>How a CAT codebook is initialised from the warm-start weights.</summary>
public enum CodebookInit { KMeans, Linear }

/// <summary>Spike counts of a spiking output layer, or the mean membrane of a non-spiking one.</summary>
public enum Readout { SpikeCount, Membrane }

/// <summary>
/// Everything needed to rebuild a network (stored in checkpoints). Defaults are the SPEC §3
/// networks: MLP 784-512-10 with T = 16, conv 16C3-P2-32C3-P2-FC10 with T = 8.
/// </summary>
public sealed record NetworkSpec
{
    public string Net { get; init; } = "mlp";
    public int T { get; init; } = 16;
    public int InputHeight { get; init; } = 28;
    public int InputWidth { get; init; } = 28;
    public int InputChannels { get; init; } = 1;
    public int Classes { get; init; } = 10;
    /// <summary>Hidden sizes: MLP layer widths, or conv channel counts.</summary>
    public int[] Hidden { get; init; } = { 512 };
    public float Beta { get; init; } = 0.9f;
    public float Theta { get; init; } = 1f;
    public ResetMode Reset { get; init; } = ResetMode.Soft;
    public SurrogateKind Surrogate { get; init; } = SurrogateKind.FastSigmoid;
    public float SurrogateParam { get; init; } = float.NaN;
    public bool DetachReset { get; init; }
    public InputEncoding Encoding { get; init; } = InputEncoding.Direct;
    public Readout Readout { get; init; } = Readout.Membrane;
    /// <summary>Null: full precision. Set: dense layers train with learnable codebooks (CAT).</summary>
    public CodebookSpec? Codebook { get; init; }

    public static NetworkSpec Mlp(int t = 16, int hidden = 512) => new() { Net = "mlp", T = t, Hidden = new[] { hidden } };
    public static NetworkSpec Conv(int t = 8) => new() { Net = "conv", T = t, Hidden = new[] { 16, 32 } };

    public LifConfig Lif => new(Beta, Theta, Reset, Surrogate, SurrogateParam, DetachReset);

    public void Validate()
    {
        if (T < 1) throw new ArgumentException($"T must be at least 1, got {T}.");
        if (Classes < 2) throw new ArgumentException($"Classes must be at least 2, got {Classes}.");
        if (Hidden.Length == 0 || Hidden.Any(h => h < 1)) throw new ArgumentException($"Hidden sizes must be positive, got [{string.Join(",", Hidden)}].");
        if (Net is not ("mlp" or "conv")) throw new ArgumentException($"Unknown net '{Net}': use mlp or conv.");
        Lif.Validate();
    }

    public override string ToString() =>
        $"{Net} {InputHeight}x{InputWidth}x{InputChannels}-{string.Join("-", Hidden)}-{Classes} T={T} β={Beta} θ={Theta} " +
        $"{Reset.ToString().ToLowerInvariant()} reset, {Surrogate} surrogate, {Encoding.ToString().ToLowerInvariant()} input, " +
        $"{(Readout == Readout.Membrane ? "membrane" : "spike-count")} readout" +
        (Codebook is { } c ? $", CAT M={c.M} b={c.Bits} {(c.PerNeuron ? "per neuron" : "per layer")}" : "");
}
