using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// One M = 4 row to compute, read from a sweep point: the method, the net and seed, b and M, the
/// FP32 warm-start budget (<c>warm_epochs</c>, <c>warm_lr</c>), the fine-tune budget every method
/// shares (<c>epochs</c>, <c>lr</c>) and the pruning settings.
/// </summary>
public sealed record M4Point(IM4Method Method, string Preset, NetworkSpec Spec, TrainOptions Warm, TrainOptions FineTune,
    int Bits, int M, M4PruneSettings Prune, M4Tuning? Tuning = null, string? Chip = null)
{
    /// <summary>The keys only the M = 4 methods read (<c>epochs</c> and <c>lr</c> are their fine-tune budget).</summary>
    public static readonly SweepKey[] Keys =
    [
        new("bits", SweepValueKind.Int, "M = 4 methods: weight bit-width b of uniform-ptq, qat, cat and cat-* (others have their own)", DefaultText: "4"),
        new("m", SweepValueKind.Int, "M = 4 methods: number of weight values per codebook (ptq-kmeans, uniform-ptq, qat, deep-compression, cat*)", DefaultText: "4"),
        new("warm_epochs", SweepValueKind.Int, "M = 4 methods: epochs of the shared FP32 warm start", DefaultText: "10"),
        new("warm_lr", SweepValueKind.Float, "M = 4 methods: learning rate of the warm start", DefaultText: "0.001"),
        new("prune_keep", SweepValueKind.Float, "cat-fsc, cat-prune-*: fraction of hidden neurons kept", DefaultText: "0.5"),
        new("prune_rounds", SweepValueKind.Int, "cat-fsc, cat-prune-*: prune/fine-tune rounds", DefaultText: "3"),
        new("prune_score_batches", SweepValueKind.Int, "cat-fsc, cat-prune-*: batches the neuron scores are accumulated over", DefaultText: "20"),
        new("preset", SweepValueKind.String, "M = 4 methods: the reproduce m4 preset the point belongs to (recorded in runs.csv; no effect on training)", DefaultText: "sweep"),
        new("tune_lr", SweepValueKind.String, "M = 4 methods: ';'-separated fine-tune learning rates tried on a validation split (empty: no tuning, lr is used)", DefaultText: ""),
        new("tune_tau", SweepValueKind.String, "M = 4 methods with a temperature (dkm): ';'-separated temperatures tried with each tune_lr", DefaultText: ""),
        new("val_fraction", SweepValueKind.Float, "M = 4 methods with tune_lr: fraction of the training split held out (its last samples) to score the candidates", DefaultText: "0.1"),
        new("tune_seed", SweepValueKind.Int, "M = 4 methods with tune_lr: the seed the candidates are scored on; its choice is cached and used by every seed (absent: each point tunes on its own seed)", DefaultText: ""),
        new("chip", SweepValueKind.String, "M = 4 methods with chip variants (IM4Method.ChipVariants: cat, qat, lsq, ptq-kmeans, uniform-ptq): train for this chips.json chip (its fan-in / core-input masks; cat also its bits, values and TrueNorth layout); empty: the plain method", DefaultText: ""),
    ];

    /// <summary>The keys that do not shape the warm start (points differing only in these share one).</summary>
    public static readonly IReadOnlySet<string> MethodOnlyKeys = new HashSet<string>(StringComparer.Ordinal)
        { "method", "bits", "m", "epochs", "lr", "prune_keep", "prune_rounds", "prune_score_batches", "preset", "tune_lr", "tune_tau", "val_fraction", "tune_seed", "chip" };

    // Defaults of the keys above and of the fine-tune budget (the full preset's MLP budget).
    private const int DefaultWarmEpochs = 10, DefaultFineTuneEpochs = 3, DefaultPruneRounds = 3, DefaultScoreBatches = 20, DefaultM = 4, DefaultBits = 4;
    private const double DefaultWarmLr = 1e-3, DefaultFineTuneLr = 3e-4, DefaultKeep = 0.5;

    /// <summary>The row's settings from a point (the spec's input shape and classes are set later, from the dataset).</summary>
    public static M4Point From(IM4Method method, SweepPoint point)
    {
        var (spec, options) = TrainPointRunner.Configure(point);
        var fineTune = options with
        {
            Epochs = point.GetInt("epochs", DefaultFineTuneEpochs),
            LearningRate = (float)point.GetDouble("lr", DefaultFineTuneLr),
        };
        var warm = fineTune with
        {
            Epochs = point.GetInt("warm_epochs", DefaultWarmEpochs),
            LearningRate = (float)point.GetDouble("warm_lr", DefaultWarmLr),
        };
        return new M4Point(method, point.GetString("preset", "sweep"), spec, warm, fineTune,
            method.UsesBits ? point.GetInt("bits", DefaultBits) : method.FixedBits,
            method.UsesM ? point.GetInt("m", DefaultM) : method.FixedM,
            new M4PruneSettings(point.GetDouble("prune_keep", DefaultKeep), point.GetInt("prune_rounds", DefaultPruneRounds),
                point.GetInt("prune_score_batches", DefaultScoreBatches)),
            TuningOf(point),
            point.GetString("chip", "") is { Length: > 0 } chip ? M4ChipTargets.Find(chip).Name : null);
    }

    private static M4Tuning? TuningOf(SweepPoint point)
    {
        var rates = M4Tuning.ParseList(point.GetString("tune_lr", ""), "tune_lr");
        if (rates.Length == 0) return null;
        return new M4Tuning(rates, M4Tuning.ParseList(point.GetString("tune_tau", ""), "tune_tau"),
            point.GetDouble("val_fraction", M4Tuning.DefaultValFraction),
            point.Values.ContainsKey("tune_seed") ? point.GetInt("tune_seed", M4Tuning.DefaultSeed) : null);
    }

    /// <summary>The network name (mlp or conv).</summary>
    public string Net => Spec.Net;

    /// <summary>The seed of weights, shuffling and spikes (warm start and method alike).</summary>
    public int Seed => FineTune.Seed;

    /// <summary>The same point for another seed (warm start, initialisation and shuffling alike).</summary>
    public M4Point WithSeed(int seed) => this with { Warm = Warm with { Seed = seed }, FineTune = FineTune with { Seed = seed } };

    /// <summary>"mlp seed 1: qat b=4", for progress lines.</summary>
    public string Describe() => $"{Net} seed {Seed}: {Method.RowName}{(Bits is > 1 and < 32 && Method.UsesBits ? $" b={Bits}" : "")}{(Chip is null ? "" : $" for {Chip}")}";

    /// <summary>The row's method name in the coverage table: <c>cat-chip:TrueNorth</c> for a chip variant, else the runs.csv name.</summary>
    public static string CoverageName(string rowName, string? chip) => chip is { Length: > 0 } ? $"{rowName}-chip:{chip}" : rowName;
}
