using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// The registry of sweep methods (the grid's <c>method</c> key → the runner that runs it) and of
/// the keys a grid may set. <see cref="Default"/> knows <c>fp32</c> (<see cref="TrainPointRunner"/>:
/// full-precision training, or CAT when <c>codebook_m</c> is set) and every method of
/// <c>reproduce m4</c> (<see cref="M4PointRunner"/>); other methods plug in with
/// <see cref="Register"/>, before the sweep command parses its grid:
/// <code>
/// SweepMethods.Default.Register("my-method", new MyPointRunner(),
///     new SweepKey("my_key", SweepValueKind.Int, "what it sets", DefaultText: "4"));
/// </code>
/// Tests build their own instance, so fake runners never leak into the CLI.
/// </summary>
public sealed class SweepMethods
{
    private readonly Dictionary<string, ISweepPointRunner> _runners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SweepKey> _keys = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();

    /// <summary>The method a point runs when the grid does not set <c>method</c>.</summary>
    public const string DefaultMethod = "fp32";

    /// <summary>The registry the <c>sweep</c> and <c>merge</c> commands use.</summary>
    public static SweepMethods Default { get; } = WithM4Methods();

    /// <summary>A registry with the common keys and no methods (tests register fakes).</summary>
    public SweepMethods()
    {
        foreach (var key in CommonKeys()) _keys.Add(key.Name, key);
    }

    /// <summary>A registry with the common keys and <c>fp32</c> → <see cref="TrainPointRunner"/>.</summary>
    public static SweepMethods WithTraining()
    {
        var methods = new SweepMethods();
        methods.Register(DefaultMethod, new TrainPointRunner());
        return methods;
    }

    /// <summary>
    /// <see cref="WithTraining"/> plus every method of <c>reproduce m4</c> (warm-start, qat,
    /// deep-compression, cat, cat-fsc, …; see <see cref="M4.Methods.M4Methods"/>) through
    /// <see cref="M4PointRunner"/>, with their keys (bits, m, warm_epochs, …).
    /// </summary>
    public static SweepMethods WithM4Methods(M4.Methods.M4Methods? m4 = null)
    {
        var methods = WithTraining();
        M4PointRunner.RegisterAll(methods, m4);
        return methods;
    }

    /// <summary>Names of the registered methods, sorted.</summary>
    public IReadOnlyList<string> Names => _runners.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Every key a grid may set, by name.</summary>
    public IReadOnlyDictionary<string, SweepKey> Keys => _keys;

    /// <summary>
    /// Adds a method (and any keys only it understands). A key that is already known must be
    /// registered with the same kind, or this throws: two meanings for one column would corrupt tables.
    /// </summary>
    /// <exception cref="ArgumentException">The name is taken, malformed, or a key clashes.</exception>
    public void Register(string method, ISweepPointRunner runner, params SweepKey[] extraKeys)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (!SweepColumns.IsValidName(method, allowDash: true))
            throw new ArgumentException($"Method name '{method}' must be lower-case letters, digits, '-' or '_'.");
        if (_runners.ContainsKey(method))
            throw new ArgumentException($"Sweep method '{method}' is already registered.");
        foreach (var key in extraKeys)
        {
            if (!SweepColumns.IsValidName(key.Name, allowDash: false) && key.Name != "T")
                throw new ArgumentException($"Sweep key '{key.Name}' must be snake_case (a CSV column name).");
            if (SweepColumns.Reserved.Contains(key.Name))
                throw new ArgumentException($"Sweep key '{key.Name}' is a column the sweep writes itself.");
            if (_keys.TryGetValue(key.Name, out var existing) && (existing.Kind != key.Kind || existing.Nullable != key.Nullable))
                throw new ArgumentException($"Sweep key '{key.Name}' is already registered as {existing.Kind}{(existing.Nullable ? "?" : "")}.");
        }
        _runners.Add(method, runner);
        _order.Add(method);
        foreach (var key in extraKeys) _keys.TryAdd(key.Name, key);
        _keys["method"] = MethodKey();
    }

    /// <summary>The runner of <paramref name="method"/>.</summary>
    /// <exception cref="ArgumentException">Unknown method, naming the known ones.</exception>
    public ISweepPointRunner Get(string method) =>
        _runners.TryGetValue(method, out var runner) ? runner
            : throw new ArgumentException($"unknown method '{method}'; known: {string.Join(", ", Names)}.");

    /// <summary>The registration position of <paramref name="method"/> (the order reports list methods in).</summary>
    public int Position(string method) => _order.IndexOf(method);

    /// <summary>Whether <paramref name="method"/> is registered.</summary>
    public bool Contains(string method) => _runners.ContainsKey(method);

    private SweepKey MethodKey() => new("method", SweepValueKind.String,
        "what runs at the point: a registered method (" + string.Join(", ", Names) + ")", DefaultText: DefaultMethod);

    /// <summary>The training keys every method shares (those of <c>spikefit train</c>).</summary>
    private IEnumerable<SweepKey> CommonKeys()
    {
        static string[] Names<T>() where T : struct, Enum => Enum.GetNames<T>();
        yield return MethodKey();
        yield return new("net", SweepValueKind.String, "network: mlp (784-hidden-10) or conv (16C3-P2-32C3-P2-FC10)", Choices: ["mlp", "conv"], DefaultText: "mlp");
        yield return new("T", SweepValueKind.Int, "time steps", DefaultText: "16 (mlp), 8 (conv)");
        yield return new("hidden", SweepValueKind.IntList, "hidden widths (mlp) or conv channels: 512 or [16, 32]", DefaultText: "512 (mlp), [16, 32] (conv)");
        yield return new("batch", SweepValueKind.Int, "batch size", DefaultText: "128");
        yield return new("epochs", SweepValueKind.Int, "training epochs", DefaultText: "10");
        yield return new("lr", SweepValueKind.Float, "Adam learning rate", DefaultText: "0.001");
        yield return new("wd", SweepValueKind.Float, "decoupled (AdamW) weight decay", DefaultText: "0");
        yield return new("schedule", SweepValueKind.String, "learning-rate schedule", Choices: Names<LrSchedule>(), DefaultText: "Cosine");
        yield return new("seed", SweepValueKind.Int, "seed of weights, shuffling and Poisson spikes", DefaultText: "1");
        yield return new("surrogate", SweepValueKind.String, "surrogate gradient", Choices: Names<SurrogateKind>(), DefaultText: "FastSigmoid");
        yield return new("reset", SweepValueKind.String, "membrane reset", Choices: Names<ResetMode>(), DefaultText: "Soft");
        yield return new("detach_reset", SweepValueKind.Bool, "drop the reset path from the gradient", DefaultText: "false");
        yield return new("readout", SweepValueKind.String, "output readout", Choices: Names<Readout>(), DefaultText: "Membrane");
        yield return new("encoding", SweepValueKind.String, "input encoding", Choices: Names<InputEncoding>(), DefaultText: "Direct");
        yield return new("beta", SweepValueKind.Float, "LIF leak factor β", DefaultText: "0.9");
        yield return new("theta", SweepValueKind.Float, "LIF threshold θ", DefaultText: "1");
        yield return new("max_batches", SweepValueKind.Int, "stop each epoch after this many batches (null: all)", Nullable: true, DefaultText: "null");
        yield return new("max_test", SweepValueKind.Int, "evaluate on at most this many test samples (null: all)", Nullable: true, DefaultText: "null");
        yield return new("codebook_m", SweepValueKind.Int, "train with learnable M-value codebooks (CAT); null: full precision", Nullable: true, DefaultText: "null");
        yield return new("codebook_bits", SweepValueKind.Int, "codebook grid precision in bits (2..16)", DefaultText: "4");
        yield return new("codebook_per_neuron", SweepValueKind.Bool, "one codebook per output neuron instead of per layer", DefaultText: "false");
        yield return new("codebook_whole_network", SweepValueKind.Bool, "one codebook shared by every layer instead of one per layer", DefaultText: "false");
        yield return new("codebook_lr_scale", SweepValueKind.Float, "codebook learning rate as a fraction of lr", DefaultText: "0.1");
    }
}
