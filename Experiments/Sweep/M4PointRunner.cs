using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SpikeFit.Experiments.M4;
using SpikeFit.Kernels.Codebook;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// Runs one method of the M = 4 comparison (qat, deep-compression, cat, cat-fsc, …) as a sweep
/// point, through <see cref="M4Runner.RunOne"/>: the FP32 warm start (<c>warm_epochs</c>,
/// <c>warm_lr</c>), then the method with the fine-tune budget (<c>epochs</c>, <c>lr</c>), then the
/// metrics of a <c>reproduce m4</c> row. Warm starts and the CAT models pruning starts from are
/// cached under <c>OUT/m4/&lt;hash of the settings that shape them&gt;/models/</c>, so the points of one
/// sweep that share them train them once, and a rerun or another shard reuses them.
/// </summary>
public sealed class M4PointRunner : ISweepPointRunner
{
    private readonly M4Method _template;

    /// <param name="template">The method (its kind and family; bits, M and criterion are defaults the point may override).</param>
    public M4PointRunner(M4Method template) => _template = template;

    /// <summary>Every method of <c>reproduce m4</c> except fp32 (the sweep's fp32 is a plain training run), with its keys.</summary>
    public static void RegisterAll(SweepMethods methods)
    {
        foreach (var method in M4Method.All([4], 4).Where(m => m.Kind != M4Kind.Reference).DistinctBy(m => m.Key))
            methods.Register(method.Key, new M4PointRunner(method), Keys);
    }

    /// <summary>The keys only the M = 4 methods read (epochs and lr are their fine-tune budget).</summary>
    public static readonly SweepKey[] Keys =
    [
        new("bits", SweepValueKind.Int, "M = 4 methods: weight bit-width b of uniform-ptq, qat, cat and cat-* (others have their own)", DefaultText: "4"),
        new("m", SweepValueKind.Int, "M = 4 methods: number of weight values per codebook (ptq-kmeans, uniform-ptq, qat, deep-compression, cat*)", DefaultText: "4"),
        new("warm_epochs", SweepValueKind.Int, "M = 4 methods: epochs of the shared FP32 warm start", DefaultText: "10"),
        new("warm_lr", SweepValueKind.Float, "M = 4 methods: learning rate of the warm start", DefaultText: "0.001"),
        new("prune_keep", SweepValueKind.Float, "cat-fsc, cat-prune-*: fraction of hidden neurons kept", DefaultText: "0.5"),
        new("prune_rounds", SweepValueKind.Int, "cat-fsc, cat-prune-*: prune/fine-tune rounds", DefaultText: "3"),
        new("prune_score_batches", SweepValueKind.Int, "cat-fsc, cat-prune-*: batches the neuron scores are accumulated over", DefaultText: "20"),
    ];

    // Defaults of the keys above and of the fine-tune budget (the full preset's MLP budget).
    private const int DefaultWarmEpochs = 10, DefaultFineTuneEpochs = 3, DefaultPruneRounds = 3, DefaultScoreBatches = 20;
    private const double DefaultWarmLr = 1e-3, DefaultFineTuneLr = 3e-4, DefaultKeep = 0.5;

    private bool HasBits => _template.Kind is M4Kind.UniformPtq or M4Kind.Qat or M4Kind.Cat or M4Kind.CatPruned;
    private bool HasM => _template.Kind is not (M4Kind.Binary or M4Kind.Ternary or M4Kind.UniformTwoBit);
    private bool Prunes => _template.Kind == M4Kind.CatPruned;

    /// <summary>The method with the point's bits and M.</summary>
    private M4Method Method(SweepPoint point) => _template with
    {
        Bits = HasBits ? point.GetInt("bits", 4) : _template.Bits,
        M = HasM ? point.GetInt("m", M4Preset.M) : _template.M,
    };

    /// <summary>A one-net, one-seed preset holding the point's budgets.</summary>
    private static M4Preset Preset(SweepPoint point, int bits, TrainOptions ft, Training.Models.NetworkSpec spec) =>
        new("sweep", [ft.Seed], [spec.Net], [bits],
            new Dictionary<string, NetBudget>
            {
                [spec.Net] = new(point.GetInt("warm_epochs", DefaultWarmEpochs), (float)point.GetDouble("warm_lr", DefaultWarmLr),
                    ft.Epochs, ft.LearningRate, ft.MaxBatchesPerEpoch, spec.Hidden, spec.T),
            },
            ft.MaxTestSamples, ft.BatchSize, point.GetDouble("prune_keep", DefaultKeep), point.GetInt("prune_rounds", DefaultPruneRounds),
            point.GetInt("prune_score_batches", DefaultScoreBatches), bits);

    /// <summary>The fine-tune options: the point's training keys, with this method's defaults for epochs and lr.</summary>
    private static (Training.Models.NetworkSpec Spec, TrainOptions Options) Configure(SweepPoint point)
    {
        var (spec, options) = TrainPointRunner.Configure(point);
        return (spec, options with
        {
            Epochs = point.GetInt("epochs", DefaultFineTuneEpochs),
            LearningRate = (float)point.GetDouble("lr", DefaultFineTuneLr),
        });
    }

    /// <inheritdoc/>
    public void Validate(SweepPoint point)
    {
        if (point.GetNullableInt("codebook_m", null) is not null)
            throw new ArgumentException($"codebook_m applies to method fp32; method '{_template.Key}' takes its codebook size from 'm' and its precision from 'bits'.");
        var method = Method(point);
        if (HasBits) CodebookMath.ValidateBits(method.Bits);
        if (HasM && (method.M < 2 || (HasBits && method.M > 1 << method.Bits)))
            throw new ArgumentException(HasBits
                ? $"m must be in 2..{1 << method.Bits} for bits = {method.Bits}, got {method.M}."
                : $"m must be at least 2, got {method.M}.");
        if (point.GetInt("warm_epochs", DefaultWarmEpochs) < 1) throw new ArgumentException("warm_epochs must be at least 1.");
        if (!(point.GetDouble("warm_lr", DefaultWarmLr) > 0)) throw new ArgumentException("warm_lr must be positive.");
        if (Prunes)
        {
            double keep = point.GetDouble("prune_keep", DefaultKeep);
            if (!(keep > 0 && keep < 1)) throw new ArgumentException($"prune_keep must be in (0, 1), got {keep}.");
            if (point.GetInt("prune_rounds", DefaultPruneRounds) < 1) throw new ArgumentException("prune_rounds must be at least 1.");
            if (point.GetInt("prune_score_batches", DefaultScoreBatches) < 1) throw new ArgumentException("prune_score_batches must be at least 1.");
        }
        // The network and training keys, epochs and lr included (only their defaults differ here, and both are valid).
        new TrainPointRunner().Validate(point);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Run(SweepPoint point, SweepContext context, CancellationToken cancel)
    {
        var method = Method(point);
        var (spec, ft) = Configure(point);
        var preset = Preset(point, method.Bits, ft, spec);
        var run = new M4RunContext(context.Backend, context.Dataset, preset, ModelsDir(context, point, spec, ft), "", context.DeviceName,
            BaseSpec: spec, BaseOptions: ft);
        var row = new M4Runner(run, new SweepM4Progress(context)).RunOne(spec.Net, ft.Seed, method, cancel);
        static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        return new Dictionary<string, string>
        {
            ["test_accuracy"] = F(row.AccuracyPct / 100),
            ["status"] = "ok",
            ["method_bits"] = row.Bits.ToString(CultureInfo.InvariantCulture),
            ["method_m"] = row.M.ToString(CultureInfo.InvariantCulture),
            ["max_unique_values"] = row.MaxUniqueValues.ToString(CultureInfo.InvariantCulture),
            ["unique_values_per_layer"] = row.UniqueValuesPerLayer,
            ["bits_per_synapse"] = F(row.BitsPerSynapse),
            ["model_size_kib"] = F(row.ModelSizeKib),
            ["neurons"] = row.Neurons.ToString(CultureInfo.InvariantCulture),
            ["hidden_units"] = row.HiddenUnits.ToString(CultureInfo.InvariantCulture),
            ["nonzero_synapses"] = row.NonZeroSynapses.ToString(CultureInfo.InvariantCulture),
            ["firing_rates"] = row.FiringRates,
            ["sops_per_inference"] = F(row.SopsPerInference),
            ["energy_uj"] = F(row.EnergyUj),
            ["energy_truenorth_uj"] = F(row.EnergyTrueNorthUj),
            ["energy_loihi_uj"] = F(row.EnergyLoihiUj),
            ["fits_chips"] = row.FitsChips,
            ["prune_criterion"] = row.PruneCriterion,
            ["pruned_fraction"] = F(row.PrunedFraction),
            ["train_seconds"] = row.TrainSeconds.ToString("F3", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// OUT/m4/&lt;12 hex digits&gt;: one folder per combination of the settings that shape the
    /// warm start (network, training keys, warm-start budget), so points that differ only in the
    /// method, bits, M, fine-tune budget or pruning keys share it. A cached model is reused only when
    /// its checkpoint header matches the spec and options exactly; otherwise it is retrained.
    /// </summary>
    private static string ModelsDir(SweepContext context, SweepPoint point, Training.Models.NetworkSpec spec, TrainOptions ft)
    {
        var shaping = point.Values
            .Where(kv => kv.Key is not ("method" or "bits" or "m" or "epochs" or "lr" or "prune_keep" or "prune_rounds" or "prune_score_batches"))
            .Select(kv => $"{kv.Key}={SweepKey.Format(kv.Value)}");
        string text = string.Join("\n", shaping) + $"\nnet={spec.Net}\nseed={ft.Seed}\ndataset={context.DatasetSha256}";
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        return Path.Combine(context.OutDir, "m4", hash);
    }

    /// <summary>Forwards the runner's batch progress to the sweep's per-point bar; the rest stays quiet.</summary>
    private sealed class SweepM4Progress(SweepContext context) : IM4Progress
    {
        private string _stage = "";
        public void PlanStarted(int total, int alreadyDone) { }
        public void RunStarted(string description, int batches) => _stage = description;
        public void Batch(int done, int total, double loss) =>
            context.ReportProgress((double)done / total, $"{_stage}: loss {loss.ToString("F3", CultureInfo.InvariantCulture)}");
        public void RunFinished(M4Row row, int done, int total) { }
        public void Skipped(string rowKey) { }
        public void Note(string message) { }
    }
}
