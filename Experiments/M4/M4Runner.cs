using System.Diagnostics;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Data;
using SpikeFit.Training.Energy;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// Computes one M = 4 row (DESIGN §5, §7): the FP32 warm start of the point's net and seed (trained
/// once, cached as a checkpoint under <see cref="ModelsDir"/> and reused by every method and every
/// later point), then the method from it with the shared fine-tune budget, then the metrics of the
/// deployed model. Rows are written by the sweep engine, which owns planning, resume and sharding.
/// </summary>
public sealed class M4Runner
{
    private readonly Dataset _dataset;
    private readonly Action<double, string> _progress;
    private readonly bool _cacheModels;
    private readonly Func<int, string> _modelsDirOfSeed;
    private static readonly Lazy<EnergyConstants> Energy = new(() => EnergyConstants.Load());
    private static readonly Lazy<IReadOnlyList<ChipProfile>> Chips = new(() => ChipCatalog.Load());

    /// <param name="backend">Where the models train.</param>
    /// <param name="dataset">The dataset (its shape sizes the input layer).</param>
    /// <param name="splits">The dataset as trainer inputs (shared by all points of a sweep).</param>
    /// <param name="modelsDir">The warm-start and CAT model cache of these settings.</param>
    /// <param name="progress">Receives (fraction of the current stage, description).</param>
    /// <param name="cancel">Abandons the row (a second Ctrl-C).</param>
    /// <param name="modelsDirOfSeed">The cache folder of the same settings with another seed (where a tuning seed's warm start and choice live); null: <paramref name="modelsDir"/>.</param>
    public M4Runner(Backend backend, Dataset dataset, (DataSplit Train, DataSplit Test) splits, string modelsDir,
        Action<double, string>? progress = null, CancellationToken cancel = default, Func<int, string>? modelsDirOfSeed = null)
        : this(backend, dataset, splits, modelsDir, progress, cancel, cacheModels: true, modelsDirOfSeed)
    {
    }

    /// <param name="cacheModels">Whether CAT models are read from and written to the cache (not while tuning on a carved split).</param>
    private M4Runner(Backend backend, Dataset dataset, (DataSplit Train, DataSplit Test) splits, string modelsDir,
        Action<double, string>? progress, CancellationToken cancel, bool cacheModels, Func<int, string>? modelsDirOfSeed = null)
    {
        _cacheModels = cacheModels;
        _modelsDirOfSeed = modelsDirOfSeed ?? (_ => modelsDir);
        Backend = backend;
        _dataset = dataset;
        (TrainSplit, TestSplit) = splits;
        ModelsDir = modelsDir;
        _progress = progress ?? ((_, _) => { });
        Cancel = cancel;
    }

    public Backend Backend { get; }
    public DataSplit TrainSplit { get; }
    public DataSplit TestSplit { get; }
    public CancellationToken Cancel { get; }

    /// <summary>Where warm starts and CAT models are cached (<c>&lt;net&gt;-seed&lt;s&gt;-fp32.sfck</c>, <c>…-cat-b4.sfck</c>).</summary>
    public string ModelsDir { get; }

    /// <summary>The row of <paramref name="point"/>: warm start (cached), the method, the measurements.</summary>
    public M4Row Run(M4Point point)
    {
        var shape = _dataset.Shape;
        point = point with
        {
            Spec = point.Spec with
            {
                InputHeight = shape.Height, InputWidth = shape.Width, InputChannels = shape.Channels, Classes = _dataset.Classes,
            },
        };
        var warm = WarmStart(point);
        var sw = Stopwatch.StartNew();
        (double Lr, double? Tau, double ValAccuracy)? tuned = null;
        if (point.Tuning is { } tuning && point.Method.Trains)
        {
            tuned = TunedChoice(point, tuning, warm);
            point = point with { FineTune = point.FineTune with { LearningRate = (float)tuned.Value.Lr } };
        }
        var run = new M4MethodRun(this, point, warm, point.Describe(), tuned?.Tau);
        using var model = point.Method.Compress(run);
        if (run.PlannedValues is { } planned) point = point with { Bits = planned.Bits, M = planned.M }; // a chip's plan chose b and M
        double seconds = sw.Elapsed.TotalSeconds;
        double pruned = point.Method.Prunes ? 1 - (double)model.Spec.Hidden.Sum() / point.Spec.Hidden.Sum() : 0;
        return Measure(model, point, pruned, seconds, tuned);
    }

    /// <summary>
    /// The tuned learning rate (and τ) of the point. With a tuning seed the candidates are scored on
    /// that seed's warm start and the choice is cached (<c>tuning-&lt;hash&gt;.json</c> beside the models), so
    /// every seed of a run uses the one choice and it is computed once; without one, on the point's own.
    /// </summary>
    private (double Lr, double? Tau, double ValAccuracy) TunedChoice(M4Point point, M4Tuning tuning, IReadOnlyDictionary<string, float[]> warm)
    {
        if (tuning.Seed is not int seed) return Tune(point, tuning, warm);
        var tunePoint = point.WithSeed(seed);
        // Everything that shapes the candidates' scores; the seed is the tuning seed's, so all seeds share the key.
        string described = System.Text.Json.JsonSerializer.Serialize(new
        {
            method = point.Method.Key, point.Method.Description, spec = tunePoint.Spec, warm = tunePoint.Warm, fine_tune = tunePoint.FineTune,
            bits = point.Bits, m = point.M, prune = point.Prune, lrs = tuning.LearningRates, taus = tuning.Temperatures,
            val_fraction = tuning.ValFraction, seed,
        }, Checkpoint.Json);
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(described)))[..16];
        // The tuning seed's own cache folder: its warm start is trained (or found) there once, not once per seed.
        var home = seed == point.Seed ? this : new M4Runner(Backend, _dataset, (TrainSplit, TestSplit), _modelsDirOfSeed(seed), _progress, Cancel, _cacheModels, _modelsDirOfSeed);
        string path = Path.Combine(home.ModelsDir, $"tuning-{point.Net}-{point.Method.Key}-b{point.Bits}-{hash}.json");
        if (File.Exists(path) && TuningRecord.TryRead(path, described) is { } cached) return cached;
        var best = home.Tune(tunePoint, tuning, seed == point.Seed ? warm : home.WarmStart(tunePoint));
        Directory.CreateDirectory(home.ModelsDir);
        TuningRecord.Write(path, described, best);
        return best;
    }

    /// <summary>
    /// The best candidate of <paramref name="tuning"/>'s grid (<see cref="M4Tuning"/>): each runs the method
    /// from the warm start on the training split without its last samples and is scored on those samples
    /// (the test split is not touched); the first best wins a tie. Nothing is cached.
    /// </summary>
    private (double Lr, double? Tau, double ValAccuracy) Tune(M4Point point, M4Tuning tuning, IReadOnlyDictionary<string, float[]> warm)
    {
        tuning.Validate(TrainSplit.Count);
        int val = tuning.ValCount(TrainSplit.Count), fit = TrainSplit.Count - val, f = TrainSplit.Features;
        var fitPart = new DataSplit(TrainSplit.Images.AsSpan(0, fit * f).ToArray(), TrainSplit.Labels.AsSpan(0, fit).ToArray(), f);
        var valPart = new DataSplit(TrainSplit.Images.AsSpan(fit * f).ToArray(), TrainSplit.Labels.AsSpan(fit).ToArray(), f);
        var carved = new M4Runner(Backend, _dataset, (fitPart, valPart), ModelsDir, _progress, Cancel, cacheModels: false);
        double?[] taus = point.Method.HasTemperature && tuning.Temperatures.Length > 0 ? tuning.Temperatures.Select(t => (double?)t).ToArray() : new double?[] { null };
        (double Lr, double? Tau, double ValAccuracy)? best = null;
        foreach (var lr in tuning.LearningRates)
            foreach (var tau in taus)
            {
                var candidate = point with { FineTune = point.FineTune with { LearningRate = (float)lr } };
                string what = $"{point.Describe()} tuning lr={lr:G3}{(tau is double t ? $" τ={t:G3}" : "")}";
                using var model = point.Method.Compress(new M4MethodRun(carved, candidate, warm, what, tau));
                double accuracy = 100 * new Evaluator(model, point.FineTune.BatchSize).Evaluate(valPart, point.FineTune.MaxTestSamples).Accuracy;
                if (best is null || accuracy > best.Value.ValAccuracy) best = (lr, tau, accuracy);
            }
        return best!.Value;
    }

    internal void Report(double fraction, string description) => _progress(Math.Clamp(fraction, 0, 1), description);

    /// <summary>The FP32 warm start of the point's net and seed: loaded when complete, else trained (resuming a partial checkpoint).</summary>
    private IReadOnlyDictionary<string, float[]> WarmStart(M4Point point)
    {
        var options = point.Warm;
        string path = Path.Combine(ModelsDir, $"{point.Net}-seed{point.Seed}-fp32.sfck");
        Directory.CreateDirectory(ModelsDir);
        using var model = ModelZoo.Build(Backend, point.Spec, point.Seed);
        bool resume = false;
        if (File.Exists(path))
        {
            var header = Checkpoint.ReadHeader(path);
            bool same = SameRun(header, point.Spec, options);
            if (same && header.EpochsCompleted >= options.Epochs)
            {
                Checkpoint.Load(path, model);
                return model.Snapshot();
            }
            resume = same;
        }
        Fit(model, options, $"{point.Net} seed {point.Seed}: FP32 warm start", path, resume);
        return model.Snapshot();
    }

    internal TrainResult Fit(SpikingNetwork model, TrainOptions options, string description, string? checkpoint = null, bool resume = false)
    {
        using var trainer = new Trainer(model, options, checkpoint);
        trainer.BatchDone += p => Report((p.Epoch + (p.Batch + 1.0) / p.Batches) / options.Epochs,
            $"{description}: loss {p.Loss.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}");
        var result = trainer.Fit(TrainSplit, TestSplit, Cancel, resume);
        if (result.Cancelled) throw new OperationCanceledException(Cancel);
        return result;
    }

    /// <summary>The CAT model at (b, M): from the cache when trained with the same spec and budget, else trained now and cached.</summary>
    internal SpikingNetwork CatModel(M4MethodRun run, int bits, int m)
    {
        var spec = run.Spec with { Codebook = new CodebookSpec(m, bits) };
        // M = 4 keeps the name the reproduce runs have always used; other M get their own file.
        string path = Path.Combine(ModelsDir, $"{run.Point.Net}-seed{run.Point.Seed}-cat-b{bits}{(m == 4 ? "" : $"-m{m}")}.sfck");
        var model = run.Build(spec);
        try
        {
            if (_cacheModels && File.Exists(path) && SameRun(Checkpoint.ReadHeader(path), spec, run.FineTune))
            {
                Checkpoint.Load(path, model);
                return model;
            }
            Fit(model, run.FineTune, $"{run.Point.Net} seed {run.Point.Seed}: cat b={bits}");
            if (!_cacheModels) return model;
            Directory.CreateDirectory(ModelsDir);
            Checkpoint.Save(path, model, run.FineTune, run.FineTune.Epochs, 0, new List<EpochReport>());
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Whether a checkpoint was written by a run with this spec and these options.</summary>
    private static bool SameRun(Checkpoint.CheckpointHeader header, NetworkSpec spec, TrainOptions options) =>
        header.Options == options
        && System.Text.Json.JsonSerializer.Serialize(header.Spec, Checkpoint.Json) == System.Text.Json.JsonSerializer.Serialize(spec, Checkpoint.Json);

    private M4Row Measure(SpikingNetwork model, M4Point point, double pruned, double seconds, (double Lr, double? Tau, double ValAccuracy)? tuned)
    {
        var evaluation = new Evaluator(model, point.FineTune.BatchSize).Evaluate(TestSplit, point.FineTune.MaxTestSamples);
        double accuracy = evaluation.Accuracy;
        var rates = evaluation.FiringRates;
        var method = point.Method;
        var summary = ModelMetrics.Summarize(model, evaluation.InputRates, $"{method.RowName}-{point.Net}-seed{point.Seed}", accuracy);
        var energy = EnergyModel.Estimate(summary, Energy.Value);
        double ChipUj(string chip) => energy.Chips.FirstOrDefault(c => string.Equals(c.Chip, chip, StringComparison.OrdinalIgnoreCase))?.TotalUj ?? double.NaN;
        var unique = ModelMetrics.UniqueValues(model);
        var fits = FitChecker.Check(summary, Chips.Value); // every catalogue chip, mapped from this model's weights (chip_coverage)
        long synapses = summary.Layers.Sum(l => l.Parameters);
        double bitsPerSynapse = synapses == 0 ? 0 : summary.Layers.Sum(l => (double)l.Parameters * l.BitsPerSynapse) / synapses;
        return new M4Row
        {
            Method = method.RowName, Family = method.Family, Net = point.Net, Bits = point.Bits, M = point.M, Seed = point.Seed,
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
            FitsChips = string.Join(";", fits.Where(f => f.Fits).Select(f => f.Chip)),
            Chip = point.Chip ?? "",
            ChipCoverage = ChipCoverageEntry.Encode(fits),
            PruneCriterion = method.Criterion,
            PrunedFraction = pruned,
            TrainSeconds = seconds,
            TunedLr = tuned?.Lr,
            TunedTau = tuned?.Tau,
            ValAccuracyPct = tuned?.ValAccuracy,
            Preset = point.Preset,
            Dataset = _dataset.Name,
            DatasetSha256 = _dataset.Sha256,
        };
    }
}
