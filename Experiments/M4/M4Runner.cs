using System.Diagnostics;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Data;
using SpikeFit.Training.Energy;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.M4;

/// <summary>Progress of the whole plan and of the current run, for the console.</summary>
public interface IM4Progress
{
    void PlanStarted(int total, int alreadyDone);
    void RunStarted(string description, int batches);
    void Batch(int done, int total, double loss);
    void RunFinished(M4Row row, int done, int total);
    void Skipped(string rowKey);
    void Note(string message);
}

/// <summary>What one <see cref="M4Runner"/> invocation runs on, and where its rows go.</summary>
/// <param name="BaseSpec">Neuron, encoding and readout settings for every net (null: the DESIGN §3
/// defaults); the net's architecture, T and hidden sizes still come from the preset.</param>
/// <param name="BaseOptions">Optimiser settings besides the budget (weight decay, schedule; null:
/// the defaults); epochs, rates, batch, seed and limits still come from the preset.</param>
public sealed record M4RunContext(Backend Backend, Dataset Dataset, M4Preset Preset, string OutDir, string Commit,
    string DeviceName, IReadOnlyList<string>? OnlyMethods = null, NetworkSpec? BaseSpec = null, TrainOptions? BaseOptions = null);

/// <summary>
/// Runs the M = 4 comparison (DESIGN §5, §7): per net and seed, one full-precision warm start (trained
/// once, cached as a checkpoint under OutDir/models and reused by every method), then every method
/// from it with the same fine-tune budget, each evaluated on its deployed weights. Rows are appended
/// to runs.csv one at a time as they finish; rows already there are not recomputed (resume).
/// </summary>
public sealed class M4Runner
{
    private readonly M4RunContext _ctx;
    private readonly IM4Progress _progress;
    private readonly DataSplit _train, _test;
    private readonly EnergyConstants _energy = EnergyConstants.Load();
    private readonly IReadOnlyList<ChipProfile> _chips = ChipCatalog.Load();

    public M4Runner(M4RunContext context, IM4Progress progress)
    {
        _ctx = context;
        _progress = progress;
        (_train, _test) = context.Dataset.Splits();
    }

    /// <summary>Every (net, seed, method) of the preset, in run order.</summary>
    public IReadOnlyList<(string Net, int Seed, M4Method Method)> Plan()
    {
        var methods = M4Method.All(_ctx.Preset.Bits, _ctx.Preset.PruneBits)
            .Where(m => _ctx.OnlyMethods is null || _ctx.OnlyMethods.Contains(m.Key) || m.Kind == M4Kind.Reference).ToList();
        return (from net in _ctx.Preset.Nets from seed in _ctx.Preset.Seeds from m in methods select (net, seed, m)).ToList();
    }

    /// <summary>Runs the plan; <paramref name="existing"/> are rows already in runs.csv (skipped). Returns all rows.</summary>
    public List<M4Row> Run(IReadOnlyList<M4Row> existing, Action<M4Row> append, CancellationToken cancel)
    {
        var rows = existing.ToList();
        var done = existing.Select(Key).ToHashSet();
        var plan = Plan();
        int finished = plan.Count(p => done.Contains(p.Method.RowKey(p.Net, p.Seed)));
        _progress.PlanStarted(plan.Count, finished);
        foreach (var group in plan.GroupBy(p => (p.Net, p.Seed)))
        {
            var (net, seed) = group.Key;
            var todo = group.Where(p => !done.Contains(p.Method.RowKey(net, seed))).ToList();
            foreach (var p in group.Except(todo)) _progress.Skipped(p.Method.RowKey(net, seed));
            if (todo.Count == 0) continue;
            cancel.ThrowIfCancellationRequested();
            var spec = Spec(net);
            var (warm, warmSeconds) = WarmStart(spec, net, seed, cancel);
            foreach (var (_, _, method) in todo)
            {
                cancel.ThrowIfCancellationRequested();
                var row = RunMethod(spec, net, seed, method, warm, warmSeconds, cancel);
                rows.Add(row);
                append(row);
                _progress.RunFinished(row, ++finished, plan.Count);
            }
        }
        return rows;
    }

    private static string Key(M4Row r) => $"{r.Method}|{r.Net}|b{r.Bits}|seed{r.Seed}";

    /// <summary>
    /// One method on one net and seed (a sweep point): the warm start is loaded from OutDir/models
    /// when it is there with the same settings, else trained and saved there; then the method runs.
    /// </summary>
    public M4Row RunOne(string net, int seed, M4Method method, CancellationToken cancel)
    {
        if (!_ctx.Preset.Budgets.ContainsKey(net)) throw new ArgumentException($"net '{net}' has no budget in preset {_ctx.Preset.Name}.");
        var spec = Spec(net);
        var (warm, warmSeconds) = WarmStart(spec, net, seed, cancel);
        return RunMethod(spec, net, seed, method, warm, warmSeconds, cancel);
    }

    private NetworkSpec Spec(string net)
    {
        var budget = _ctx.Preset.Budgets[net];
        var arch = net == "conv" ? NetworkSpec.Conv() : NetworkSpec.Mlp();
        var spec = _ctx.BaseSpec is { } b ? b with { Net = arch.Net, T = arch.T, Hidden = arch.Hidden } : arch;
        var shape = _ctx.Dataset.Shape;
        return spec with
        {
            T = budget.T ?? spec.T,
            Hidden = budget.Hidden ?? spec.Hidden,
            InputHeight = shape.Height, InputWidth = shape.Width, InputChannels = shape.Channels, Classes = _ctx.Dataset.Classes,
        };
    }

    private TrainOptions Options(string net, int seed, bool fineTune)
    {
        var b = _ctx.Preset.Budgets[net];
        return (_ctx.BaseOptions ?? new TrainOptions()) with
        {
            Epochs = fineTune ? b.FineTuneEpochs : b.WarmEpochs,
            LearningRate = fineTune ? b.FineTuneLr : b.WarmLr,
            BatchSize = _ctx.Preset.BatchSize, Seed = seed, MaxBatchesPerEpoch = b.MaxBatches, MaxTestSamples = _ctx.Preset.MaxTest,
        };
    }

    /// <summary>The FP32 warm start of (net, seed): loaded from its checkpoint when complete, else trained (resuming a partial one).</summary>
    private (Dictionary<string, float[]> Weights, double Seconds) WarmStart(NetworkSpec spec, string net, int seed, CancellationToken cancel)
    {
        var options = Options(net, seed, fineTune: false);
        string path = Path.Combine(_ctx.OutDir, "models", $"{net}-seed{seed}-fp32.sfck");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var model = ModelZoo.Build(_ctx.Backend, spec, seed);
        bool resume = false;
        if (File.Exists(path))
        {
            var header = Checkpoint.ReadHeader(path);
            bool same = SameRun(header, spec, options);
            if (same && header.EpochsCompleted >= options.Epochs)
            {
                Checkpoint.Load(path, model);
                _progress.Note($"{net} seed {seed}: reusing the FP32 warm start {path}");
                return (model.Snapshot(), header.History.Sum(h => h.Seconds));
            }
            resume = same;
        }
        var sw = Stopwatch.StartNew();
        Fit(model, options, $"{net} seed {seed}: FP32 warm start", cancel, path, resume);
        return (model.Snapshot(), sw.Elapsed.TotalSeconds);
    }

    private TrainResult Fit(SpikingNetwork model, TrainOptions options, string description, CancellationToken cancel,
        string? checkpoint = null, bool resume = false)
    {
        using var trainer = new Trainer(model, options, checkpoint);
        int batchesPerEpoch = Math.Min(options.MaxBatchesPerEpoch ?? int.MaxValue, _train.Count / options.BatchSize);
        _progress.RunStarted(description, batchesPerEpoch * options.Epochs);
        trainer.BatchDone += p => _progress.Batch(p.Epoch * p.Batches + p.Batch + 1, p.Batches * options.Epochs, p.Loss);
        var result = trainer.Fit(_train, _test, cancel, resume);
        if (result.Cancelled) throw new OperationCanceledException(cancel);
        return result;
    }

    private M4Row RunMethod(NetworkSpec fp, string net, int seed, M4Method method, Dictionary<string, float[]> warm,
        double warmSeconds, CancellationToken cancel)
    {
        var sw = Stopwatch.StartNew();
        string what = $"{net} seed {seed}: {method.Key}{(method.Bits is > 1 and < 32 ? $" b={method.Bits}" : "")}";
        var ft = Options(net, seed, fineTune: true);
        SpikingNetwork model;
        string criterion = "";
        double pruned = 0;
        switch (method.Kind)
        {
            case M4Kind.Reference:
                model = ModelZoo.Build(_ctx.Backend, fp, seed, warm);
                break;
            case M4Kind.PtqKMeans:
                model = ModelZoo.Build(_ctx.Backend, fp, seed, Snap(warm, fp, w => Quantizers.KMeans(w, method.M).Weights));
                break;
            case M4Kind.UniformPtq:
                model = ModelZoo.Build(_ctx.Backend, fp, seed, Snap(warm, fp, w => Quantizers.UniformThenKMeans(w, method.Bits, method.M).Weights));
                break;
            case M4Kind.Qat:
            {
                using var qat = ModelZoo.Build(_ctx.Backend, fp with { Ste = new SteSpec(SteQuantizer.UniformSymmetric, method.Bits) }, seed, warm);
                Fit(qat, ft, what, cancel);
                model = ModelZoo.Build(_ctx.Backend, fp, seed, Effective(qat, w => Quantizers.KMeans(w, method.M).Weights));
                break;
            }
            case M4Kind.Binary or M4Kind.Ternary or M4Kind.UniformTwoBit:
            {
                var q = method.Kind switch { M4Kind.Binary => SteQuantizer.Binary, M4Kind.Ternary => SteQuantizer.Ternary, _ => SteQuantizer.UniformTwoBit };
                model = ModelZoo.Build(_ctx.Backend, fp with { Ste = new SteSpec(q) }, seed, warm);
                Fit(model, ft, what, cancel);
                break;
            }
            case M4Kind.DeepCompression:
                model = ModelZoo.Build(_ctx.Backend, fp with { SharedWeights = new SharedWeightsSpec(method.M) }, seed, warm);
                Fit(model, ft, what, cancel);
                break;
            case M4Kind.Cat:
                model = ModelZoo.Build(_ctx.Backend, CatSpec(fp, method.Bits, method.M), seed, warm);
                Fit(model, ft, what, cancel);
                if (method.Bits == _ctx.Preset.PruneBits) SaveCat(model, net, seed, method.M, ft);
                break;
            case M4Kind.CatPruned:
            {
                using var cat = LoadOrTrainCat(fp, net, seed, method.M, warm, ft, cancel);
                var start = Stopwatch.StartNew();
                model = Prune(cat, method.Criterion, seed, ft, what, cancel);
                criterion = method.Criterion;
                int before = fp.Hidden.Sum(), after = model.Spec.Hidden.Sum();
                pruned = 1 - (double)after / before;
                break;
            }
            default:
                throw new InvalidOperationException($"method {method.Key} has no runner");
        }
        using (model)
        {
            double seconds = sw.Elapsed.TotalSeconds;
            return Measure(model, net, seed, method, criterion, pruned, seconds);
        }
    }

    private static NetworkSpec CatSpec(NetworkSpec fp, int bits, int m) => fp with { Codebook = new CodebookSpec(m, bits) };

    // M = 4 keeps the name the reproduce runs have always used; other M (sweeps) get their own file.
    private string CatPath(string net, int seed, int m) =>
        Path.Combine(_ctx.OutDir, "models", $"{net}-seed{seed}-cat-b{_ctx.Preset.PruneBits}{(m == M4Preset.M ? "" : $"-m{m}")}.sfck");

    private void SaveCat(SpikingNetwork model, string net, int seed, int m, TrainOptions ft) =>
        Checkpoint.Save(CatPath(net, seed, m), model, ft, ft.Epochs, 0, new List<EpochReport>());

    /// <summary>The CAT model pruning starts from: the cat row's saved model, or trained now (same budget) if absent.</summary>
    private SpikingNetwork LoadOrTrainCat(NetworkSpec fp, string net, int seed, int m, Dictionary<string, float[]> warm, TrainOptions ft,
        CancellationToken cancel)
    {
        var spec = CatSpec(fp, _ctx.Preset.PruneBits, m);
        string path = CatPath(net, seed, m);
        // Reused only when it was trained with this spec and budget (a sweep may vary them in one folder).
        if (File.Exists(path) && SameRun(Checkpoint.ReadHeader(path), spec, ft))
        {
            var model = ModelZoo.Build(_ctx.Backend, spec, seed, warm);
            Checkpoint.Load(path, model);
            return model;
        }
        var trained = ModelZoo.Build(_ctx.Backend, spec, seed, warm);
        Fit(trained, ft, $"{net} seed {seed}: cat b={_ctx.Preset.PruneBits} (for pruning)", cancel);
        SaveCat(trained, net, seed, m, ft);
        return trained;
    }

    /// <summary>Whether a checkpoint was written by a run with this spec and these options.</summary>
    private static bool SameRun(Checkpoint.CheckpointHeader header, NetworkSpec spec, TrainOptions options) =>
        header.Options == options
        && System.Text.Json.JsonSerializer.Serialize(header.Spec, Checkpoint.Json) == System.Text.Json.JsonSerializer.Serialize(spec, Checkpoint.Json);

    /// <summary>Iterative structured pruning to the preset's budget with fine-tuning (Training/Pruning).</summary>
    private SpikingNetwork Prune(SpikingNetwork cat, string criterion, int seed, TrainOptions ft, string what, CancellationToken cancel) =>
        M4Pruning.Run(this, cat, criterion, seed, ft, what, cancel);

    internal M4RunContext Context => _ctx;
    internal DataSplit TrainSplit => _train;
    internal DataSplit TestSplit => _test;
    internal IM4Progress Progress => _progress;
    internal TrainResult FitFor(SpikingNetwork model, TrainOptions options, string description, CancellationToken cancel) =>
        Fit(model, options, description, cancel);

    /// <summary>A copy of <paramref name="weights"/> with every weighted layer's weight tensor replaced by <paramref name="snap"/> of it.</summary>
    private Dictionary<string, float[]> Snap(Dictionary<string, float[]> weights, NetworkSpec spec, Func<float[], float[]> snap)
    {
        using var probe = ModelZoo.Build(_ctx.Backend, spec, 0, weights);
        var copy = new Dictionary<string, float[]>(weights);
        foreach (var layer in probe.Layers.OfType<IWeightedLayer>())
            copy[layer.Weight.Name] = snap(weights[layer.Weight.Name]);
        return copy;
    }

    /// <summary>The deployed weights of a constrained model, passed through <paramref name="snap"/>, as a full-precision snapshot.</summary>
    private static Dictionary<string, float[]> Effective(SpikingNetwork model, Func<float[], float[]> snap)
    {
        var copy = model.Snapshot();
        foreach (var layer in model.Layers.OfType<IWeightedLayer>())
            copy[layer.Weight.Name] = snap(layer.EffectiveWeights());
        return copy;
    }

    private M4Row Measure(SpikingNetwork model, string net, int seed, M4Method method, string criterion, double pruned, double seconds)
    {
        using var trainer = new Trainer(model, new TrainOptions { BatchSize = _ctx.Preset.BatchSize, Seed = seed, MaxTestSamples = _ctx.Preset.MaxTest });
        var (accuracy, _, rates) = trainer.Evaluate(_test, _ctx.Preset.MaxTest);
        var summary = ModelMetrics.Summarize(model, trainer.LastInputRates, $"{method.Key}-{net}-seed{seed}", accuracy);
        var energy = EnergyModel.Estimate(summary, _energy);
        double ChipUj(string chip) => energy.Chips.FirstOrDefault(c => string.Equals(c.Chip, chip, StringComparison.OrdinalIgnoreCase))?.TotalUj ?? double.NaN;
        var unique = ModelMetrics.UniqueValues(model);
        long synapses = summary.Layers.Sum(l => l.Parameters);
        double bitsPerSynapse = synapses == 0 ? 0 : summary.Layers.Sum(l => (double)l.Parameters * l.BitsPerSynapse) / synapses;
        return new M4Row
        {
            Method = method.Key, Family = method.Family, Net = net, Bits = method.Bits, M = method.M, Seed = seed,
            AccuracyPct = 100 * accuracy,
            MaxUniqueValues = unique.Values.Max(),
            UniqueValuesPerLayer = string.Join(";", unique.Select(kv => $"{kv.Key}:{kv.Value}")),
            BitsPerSynapse = bitsPerSynapse,
            ModelSizeKib = summary.SizeBits / 8.0 / 1024.0,
            Neurons = summary.Neurons,
            HiddenUnits = model.Spec.Hidden.Sum(),
            NonZeroSynapses = summary.NonZeroSynapses,
            FiringRates = string.Join(";", rates.Select(kv => $"{kv.Key}:{kv.Value:F4}")),
            SopsPerInference = energy.TotalSops,
            EnergyUj = energy.TotalUj,
            EnergyTrueNorthUj = ChipUj("TrueNorth"),
            EnergyLoihiUj = ChipUj("Loihi"),
            FitsChips = string.Join(";", FitChecker.Check(summary, _chips).Where(f => f.Fits).Select(f => f.Chip)),
            PruneCriterion = criterion,
            PrunedFraction = pruned,
            TrainSeconds = seconds,
            Device = _ctx.DeviceName,
            Commit = _ctx.Commit,
            Preset = _ctx.Preset.Name,
            Dataset = _ctx.Dataset.Name,
            DatasetSha256 = _ctx.Dataset.Sha256,
            Date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
    }
}
