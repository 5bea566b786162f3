using SpikeFit.Kernels.Lif;
using System.Text.Json.Serialization;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Models;

public enum InputEncoding { Direct, Poisson }

/// <summary>The conv net's 2×2 pooling: max (DESIGN §3; on spikes an OR) or sum (NIR's SumPool2d, for networks imported from NIR).</summary>
public enum PoolKind { Max, Sum }

/// <summary>Spike counts of a spiking output layer, or the mean membrane of a non-spiking one.</summary>
public enum Readout { SpikeCount, Membrane }

/// <summary>
/// Everything needed to rebuild a network (stored in checkpoints). Defaults are the DESIGN §3
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
    /// <summary>
    /// The weight constraint every weighted layer trains under (a <see cref="ConstraintSpec"/> registered
    /// in <see cref="ConstraintSpecs"/>); null: full precision. Written to JSON as its registered name
    /// ("$type") and settings.
    /// </summary>
    [JsonConverter(typeof(ConstraintSpecJsonConverter))]
    public ConstraintSpec? Constraint { get; init; }

    /// <summary>Convenience accessor for <see cref="Constraint"/>: the CAT codebook (dense layers train with
    /// learnable codebooks), or null when the constraint is another one or none. Setting null clears only a codebook.</summary>
    [JsonIgnore]
    public CodebookSpec? Codebook { get => Constraint as CodebookSpec; init => Constraint = Replace(value); }

    /// <summary>Convenience accessor for <see cref="Constraint"/>: the straight-through quantizer (QAT, binary,
    /// ternary, 2-bit), or null when the constraint is another one or none.</summary>
    [JsonIgnore]
    public SteSpec? Ste { get => Constraint as SteSpec; init => Constraint = Replace(value); }

    /// <summary>Convenience accessor for <see cref="Constraint"/>: Deep Compression shared weights (M float
    /// centroids, frozen assignments), or null when the constraint is another one or none.</summary>
    [JsonIgnore]
    public SharedWeightsSpec? SharedWeights { get => Constraint as SharedWeightsSpec; init => Constraint = Replace(value); }

    // Headers written before the Constraint property (checkpoints, deployed models) hold one member per
    // constraint kind, the unused ones null. Read them; never write them (the getters return null).
    [JsonInclude, JsonPropertyName("Codebook"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private CodebookSpec? LegacyCodebook { get => null; init => Codebook = value; }
    [JsonInclude, JsonPropertyName("Ste"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private SteSpec? LegacySte { get => null; init => Ste = value; }
    [JsonInclude, JsonPropertyName("SharedWeights"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private SharedWeightsSpec? LegacySharedWeights { get => null; init => SharedWeights = value; }

    /// <summary>The constraint after a convenience accessor of kind <typeparamref name="T"/> is set: a spec
    /// replaces none or one of its own kind; null clears only its own kind; two kinds at once are refused.</summary>
    private ConstraintSpec? Replace<T>(T? value) where T : ConstraintSpec
    {
        if (value is null) return Constraint is T ? null : Constraint;
        if (Constraint is not null and not T)
            throw new ArgumentException($"Choose one weight constraint: the spec already has {Constraint.Describe()}; " +
                                        $"clear it (Constraint = null) before setting {value.Describe()}.");
        return value;
    }

    public static NetworkSpec Mlp(int t = 16, int hidden = 512) => new() { Net = "mlp", T = t, Hidden = new[] { hidden } };
    public static NetworkSpec Conv(int t = 8) => new() { Net = "conv", T = t, Hidden = new[] { 16, 32 } };

    /// <summary>
    /// The DESIGN §3 defaults of the network named <paramref name="net"/>: "mlp" (<see cref="Mlp"/>) or
    /// "conv" (<see cref="Conv"/>), as the CLI's <c>--net</c> takes them.
    /// </summary>
    /// <exception cref="ArgumentException">naming the known nets, for any other name.</exception>
    public static NetworkSpec For(string net) => net switch
    {
        "mlp" => Mlp(),
        "conv" => Conv(),
        _ => throw new ArgumentException($"Unknown net '{net}': the known nets are mlp (784-512-10) and conv (16C3-P2-32C3-P2-FC10).", nameof(net)),
    };

    public LifConfig Lif => new(Beta, Theta, Reset, Surrogate, SurrogateParam, DetachReset);

    public void Validate()
    {
        if (T < 1) throw new ArgumentException($"T must be at least 1, got {T}.");
        if (Classes < 2) throw new ArgumentException($"Classes must be at least 2, got {Classes}.");
        if (Hidden.Length == 0 || Hidden.Any(h => h < 1)) throw new ArgumentException($"Hidden sizes must be positive, got [{string.Join(",", Hidden)}].");
        if (Net is not ("mlp" or "conv")) throw new ArgumentException($"Unknown net '{Net}': use mlp or conv.");
        Lif.Validate();
        Constraint?.Validate(this);
    }

    public override string ToString() =>
        $"{Net} {InputHeight}x{InputWidth}x{InputChannels}-{string.Join("-", Hidden)}-{Classes} T={T} β={Beta} θ={Theta} " +
        $"{Reset.ToString().ToLowerInvariant()} reset, {Surrogate} surrogate, {Encoding.ToString().ToLowerInvariant()} input, " +
        $"{(Readout == Readout.Membrane ? "membrane" : "spike-count")} readout" +
        (Constraint is { } c ? $", {c.Describe()}" : "");
}
