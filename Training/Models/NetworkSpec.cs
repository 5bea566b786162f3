using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Compression;

namespace SpikeFit.Training.Models;

public enum InputEncoding { Direct, Poisson }

/// <summary>
/// Clusterization-aware training (SPEC §4): every dense layer keeps an M-value codebook on a b-bit
/// grid, per layer, per output neuron, or one for the whole network (<see cref="WholeNetwork"/>:
/// every layer shares M values and one scale), learnt with the weights at
/// <see cref="LearningRateScale"/> times the weights' learning rate.
/// </summary>
public sealed record CodebookSpec(int M = 4, int Bits = 4, bool PerNeuron = false, float LearningRateScale = 0.1f,
    CodebookInit Init = CodebookInit.KMeans, int InitSeed = 0, bool WholeNetwork = false)
{
    /// <summary>"per layer", "per neuron" or "whole network".</summary>
    public string ScopeName => WholeNetwork ? "whole network" : PerNeuron ? "per neuron" : "per layer";
}

/// <summary>
/// Quantization-aware training with the straight-through estimator (baselines 4–5, SPEC §5): every
/// weighted layer computes with Q(W), Q one of <see cref="SteQuantizer"/> (Bits used by the uniform one).
/// </summary>
public sealed record SteSpec(SteQuantizer Quantizer = SteQuantizer.UniformSymmetric, int Bits = 8);

/// <summary>Deep Compression weight sharing (baseline 6): M float centroids per layer, assignments frozen, centroids fine-tuned.</summary>
public sealed record SharedWeightsSpec(int M = 4, CodebookInit Init = CodebookInit.Linear);

/// <summary>How a CAT codebook is initialised from the warm-start weights.</summary>
public enum CodebookInit { KMeans, Linear }

/// <summary>The conv net's 2×2 pooling: max (SPEC §3; on spikes an OR) or sum (NIR's SumPool2d, for networks imported from NIR).</summary>
public enum PoolKind { Max, Sum }

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
    /// <summary>Conv nets only: the pooling after each conv stage.</summary>
    public PoolKind Pool { get; init; } = PoolKind.Max;
    /// <summary>Null: full precision. Set: dense layers train with learnable codebooks (CAT).</summary>
    public CodebookSpec? Codebook { get; init; }
    /// <summary>Set: weighted layers train through a straight-through quantizer (QAT, binary, ternary, 2-bit).</summary>
    public SteSpec? Ste { get; init; }
    /// <summary>Set: weighted layers share M float centroids with frozen assignments (Deep Compression).</summary>
    public SharedWeightsSpec? SharedWeights { get; init; }

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
        int constraints = (Codebook is null ? 0 : 1) + (Ste is null ? 0 : 1) + (SharedWeights is null ? 0 : 1);
        if (constraints > 1) throw new ArgumentException("Choose one weight constraint: a CAT codebook, an STE quantizer or shared weights.");
        if (Codebook is { } c)
        {
            if (c.M < 2) throw new ArgumentException($"codebook M must be at least 2, got {c.M}.");
            if (c.Bits is not (2 or 3 or 4 or 8 or 16)) throw new ArgumentException($"codebook bits must be 2, 3, 4, 8 or 16, got {c.Bits}.");
            if (c.M > 1 << c.Bits) throw new ArgumentException($"codebook M = {c.M} values do not fit a {c.Bits}-bit grid (at most {1 << c.Bits}): raise the bits or lower M.");
            if (!(c.LearningRateScale >= 0)) throw new ArgumentException($"codebook learning-rate scale must be ≥ 0, got {c.LearningRateScale}.");
            if (c.PerNeuron && c.WholeNetwork) throw new ArgumentException("choose one codebook scope: per neuron or whole network, not both.");
        }
        if (Ste is { Quantizer: SteQuantizer.UniformSymmetric, Bits: < 2 or > 16 } s)
            throw new ArgumentException($"uniform QAT bits must be 2..16, got {s.Bits}.");
        if (SharedWeights is { M: < 2 } w) throw new ArgumentException($"shared-weights M must be at least 2, got {w.M}.");
    }

    public override string ToString() =>
        $"{Net} {InputHeight}x{InputWidth}x{InputChannels}-{string.Join("-", Hidden)}-{Classes} T={T} β={Beta} θ={Theta} " +
        $"{Reset.ToString().ToLowerInvariant()} reset, {Surrogate} surrogate, {Encoding.ToString().ToLowerInvariant()} input, " +
        $"{(Readout == Readout.Membrane ? "membrane" : "spike-count")} readout" +
        (Codebook is { } c ? $", CAT M={c.M} b={c.Bits} {c.ScopeName}" : "") +
        (Ste is { } q ? $", STE {q.Quantizer}{(q.Quantizer == SteQuantizer.UniformSymmetric ? $" {q.Bits}-bit" : "")}" : "") +
        (SharedWeights is { } sw ? $", shared weights M={sw.M}" : "");
}
