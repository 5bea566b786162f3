using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Data;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.IO;
using SpikeFit.Training.Models;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Deploy;

/// <summary>The outcome for one chip, as written to its <c>deploy.json</c>.</summary>
public sealed record ChipDeployment(string Chip, string Status, bool Fits, long Cores, long ChipsNeeded, string? FirstViolation,
    IReadOnlyList<string> Violations, double? FloatAccuracy, double? IntegerAccuracy, int TestSamples, string? Constraint,
    IReadOnlyList<string> Budgets, IReadOnlyList<string> Refusal, IReadOnlyList<string> ProfileWarnings, string? Checkpoint, string? Deployed,
    ChipPruning? Pruning = null);

/// <summary>How a network over the chip's neuron budget was pruned before its chip training (issue 12 item 3), as written to <c>deploy.json</c>.</summary>
/// <param name="Rounds">Round 0 is the warm start; each later round is after its removal and FP32 fine-tuning.</param>
public sealed record ChipPruning(string Criterion, int[] HiddenBefore, int[] HiddenAfter, long NeuronsBefore, long NeuronsAfter, string Budget,
    IReadOnlyList<PruneRound> Rounds);

/// <summary>What one <c>deploy</c> run did: its warm start, the device and dataset it trained on (null when every chip was refused before training), and each chip's outcome.</summary>
public sealed record ChipDeployReport(string WarmStart, string? Device, string? Dataset, string? DatasetSha256, IReadOnlyList<ChipDeployment> Chips);

/// <summary>How <c>deploy</c> prunes a network over a chip's neuron budget: criterion, prune → fine-tune rounds, FP32 fine-tuning epochs per round, scoring batches.</summary>
public sealed record ChipPruneSettings(PruneCriterion Criterion, int Rounds = 2, int FineTuneEpochs = 1, int ScoreBatches = 16);

/// <summary>
/// <c>spikefit deploy</c> (issue 12 item 5): per chip, plan (<see cref="ChipTargeting.Plan"/>) and refuse
/// before training what cannot fit or what this build cannot train for the network; else fine-tune from
/// the FP32 warm start under the plan's constraint (CAT or TrueNorth's layout, wrapped in a fan-in mask
/// and/or per-core input budget exactly as <c>train --fan-in/--core-inputs</c> builds it, through
/// <see cref="ChipTrainingOptions"/>) → map (<see cref="FitChecker"/>, placing each layer by its trained
/// core partition) → integer export (.sfdm) → integer-only test accuracy, next to the float accuracy on the same images.
/// Writes <c>DIR/&lt;chip&gt;/deploy.json</c>, <c>mapping.md</c>, <c>checkpoint.sfck</c>, <c>model.sfdm</c>,
/// and <c>DIR/deploy.json</c> over every chip.
/// </summary>
public static class ChipDeployRun
{
    public sealed record Settings(string WarmStart, string? Net, string OutDir, TrainOptions Options, string DatasetName, string? DataDir, string Device,
        ChipPruneSettings? Prune = null);

    public static ChipDeployReport Run(Settings s, IReadOnlyList<ChipProfile> chips)
    {
        if (!File.Exists(s.WarmStart)) throw new FileNotFoundException($"--warm-start: {s.WarmStart} does not exist.");
        s.Options.Validate();
        var header = Checkpoint.ReadHeader(s.WarmStart);
        var warmSpec = header.Spec;
        if (warmSpec.Codebook is not null || warmSpec.Constraint is not null)
            throw new ArgumentException($"--warm-start {s.WarmStart} is already constrained ({warmSpec}); give the full-precision (FP32) checkpoint it came from.");
        if (s.Net is not null && s.Net != warmSpec.Net)
            throw new ArgumentException($"--net {s.Net} but the warm start {s.WarmStart} is a {warmSpec.Net} network; leave out --net or give its own.");
        // Every chip is planned first, on a host copy of the warm start: a refusal costs no data and no training.
        Dictionary<string, float[]> warm;
        var plans = new List<(ChipProfile Profile, ChipConstraints Chip, ChipPlan Plan)>();
        using (var cpu = new CpuBackend())
        {
            using (var source = Checkpoint.LoadNetwork(cpu, s.WarmStart)) warm = source.Snapshot();
            using var probe = ModelZoo.Build(cpu, warmSpec, s.Options.Seed, warm);
            foreach (var profile in chips)
            {
                var chip = ChipConstraints.From(profile);
                plans.Add((profile, chip, ChipTargeting.Plan(probe, chip)));
            }
        }
        Directory.CreateDirectory(s.OutDir);
        Dataset? dataset = null;
        BackendSelection? selection = null;
        var results = new List<ChipDeployment>();
        foreach (var (profile, chip, plan) in plans)
        {
            if (!plan.Refused && dataset is null)
            {
                dataset = DatasetLoader.Load(s.DatasetName, s.DataDir, CommonOptions.DatasetOptions());
                selection = CommonOptions.OpenBackend(s.Device);
            }
            var result = One(s, profile, chip, plan, warmSpec, warm, dataset, selection?.Backend);
            results.Add(result);
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(profile.Name)}:[/] {Markup.Escape(result.Status)}" +
                                   (result.IntegerAccuracy is double ia ? $", float {result.FloatAccuracy:P2}, integer {ia:P2}" : "") +
                                   (result.FirstViolation is { } v ? $" — {Markup.Escape(v)}" : ""));
        }
        var report = new ChipDeployReport(s.WarmStart, selection?.Backend.ToString(), dataset?.Name, dataset?.Sha256, results);
        CommonOptions.WriteRecord(Path.Combine(s.OutDir, "deploy.json"), new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))),
            warmStart = s.WarmStart,
            device = report.Device,
            dataset = dataset is null ? null : new { dataset.Name, dataset.Sha256 },
            chips = results,
        });
        selection?.Backend.Dispose();
        return report;
    }

    private static string Slug(string chip) => new(chip.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());

    private static ChipDeployment One(Settings s, ChipProfile profile, ChipConstraints chip, ChipPlan plan, NetworkSpec warmSpec,
        Dictionary<string, float[]> warm, Dataset? dataset, Backend? backend)
    {
        string dir = Path.Combine(s.OutDir, Slug(profile.Name));
        Directory.CreateDirectory(dir);

        ChipDeployment result;
        if (plan.Refused)
        {
            result = new ChipDeployment(profile.Name, plan.Impossible.Count > 0 ? "refused: cannot fit" : "refused: needs what this build cannot train for this network",
                false, 0, 0, plan.Impossible.Concat(plan.Unsupported).First(), [], null, null, 0, plan.Value?.Describe(), plan.Budgets,
                [.. plan.Impossible, .. plan.Unsupported], chip.Warnings, null, null);
        }
        else
        {
            if (dataset is null || backend is null) throw new InvalidOperationException("internal: a chip to train without data or device");
            var options = s.Options;
            var (train, test) = dataset.Splits();
            IReadOnlyList<string> budgets = plan.Budgets;
            ChipPruning? pruning = null;
            if (plan.Prune is { } neuronBudget)
            {
                string overBudget = plan.NeuronsLine; // the unpruned network's neurons line, before plan is replaced
                // Over the chip's neurons or cores: prune hidden units of the FP32 warm start first, then plan the chip's
                // other budgets (core size P, masks, scopes) on the network that will actually be mapped.
                (warmSpec, warm, pruning) = Prune(s, neuronBudget, warmSpec, warm, backend, train, test);
                using (var probe = ModelZoo.Build(backend, warmSpec, s.Options.Seed, warm)) plan = ChipTargeting.Plan(probe, chip);
                if (plan.Refused || plan.Prune is not null)
                    throw new InvalidOperationException($"internal: {chip.Chip}'s plan for the pruned network still refuses it or asks for pruning: {string.Join("; ", plan.Budgets)}");
                budgets = [overBudget,
                    $"pruning: {pruning.Criterion}, {pruning.Rounds.Count - 1} rounds, hidden [{string.Join(", ", pruning.HiddenBefore)}] → [{string.Join(", ", pruning.HiddenAfter)}]: " +
                    $"{pruning.Budget}; FP32 accuracy {pruning.Rounds[0].Accuracy:P2} → {pruning.Rounds[^1].Accuracy:P2}",
                    .. plan.Budgets];
            }
            int batchesPerEpoch = Math.Max(1, Math.Min(dataset.TrainCount / options.BatchSize, options.MaxBatchesPerEpoch ?? int.MaxValue));
            var spec = warmSpec with { Constraint = ChipTrainingOptions.ForPlan(plan).Constraint(plan.Value, options, batchesPerEpoch) };
            spec.Validate();
            string checkpoint = Path.Combine(dir, "checkpoint.sfck");
            using var net = ModelZoo.Build(backend, spec, s.Options.Seed, warm);
            using (var trainer = new Trainer(net, s.Options, checkpoint) { DatasetSha256 = dataset.Sha256 })
                TrainProgress.Run(trainer, s.Options, t => t.Fit(train, test));
            int n = Math.Min(dataset.TestCount, s.Options.MaxTestSamples ?? int.MaxValue);
            Evaluation e;
            using (var evaluator = new Evaluator(net, s.Options.BatchSize)) e = evaluator.Evaluate(dataset.Splits().Test, n);
            var summary = ModelMetrics.Summarize(net, e.InputRates, $"{warmSpec.Net}-{Slug(profile.Name)}", e.Accuracy);
            var fit = FitChecker.Check(summary, chip);
            AtomicFile.WriteAllText(Path.Combine(dir, "mapping.md"), MappingReport.ToMarkdown(summary.Name, [fit]));

            string deployed = Path.Combine(dir, "model.sfdm");
            DeployExporter.Export(net, checkpoint).Save(deployed);
            var integer = IntegerInference.Load(deployed).Run(dataset.TestImages, n);
            int correct = 0;
            for (int i = 0; i < n; i++) if (integer.Predictions[i] == dataset.TestLabels[i]) correct++;
            result = new ChipDeployment(profile.Name, fit.Fits ? "fits one chip" : "does not fit", fit.Fits, fit.CoresNeeded, fit.ChipsNeeded,
                fit.FirstViolation, fit.Violations, e.Accuracy, (double)correct / n, n, spec.Constraint!.Describe(), budgets, [],
                chip.Warnings, checkpoint, deployed, pruning);
        }
        CommonOptions.WriteRecord(Path.Combine(dir, "deploy.json"), result);
        return result;
    }

    /// <summary>
    /// Iterative structured pruning of the FP32 warm start to <paramref name="budget"/> (<see cref="IterativePruner"/>
    /// with <see cref="PruneOptions.Budget"/>), fine-tuning in FP32 after each round on deploy's optimiser settings.
    /// Returns the pruned network's spec and weights, the new warm start of the chip training.
    /// </summary>
    private static (NetworkSpec Spec, Dictionary<string, float[]> Weights, ChipPruning Record) Prune(Settings s, NeuronBudget budget, NetworkSpec spec,
        Dictionary<string, float[]> warm, Backend backend, DataSplit train, DataSplit test)
    {
        var settings = s.Prune ?? new ChipPruneSettings(PruneCriterion.Fsc);
        var options = new PruneOptions
        {
            Criterion = settings.Criterion, Rounds = settings.Rounds, FineTuneEpochs = settings.FineTuneEpochs, ScoreBatches = settings.ScoreBatches,
            Budget = budget, FineTune = s.Options with { Epochs = 1 }, Seed = s.Options.Seed,
        };
        using var net = ModelZoo.Build(backend, spec, s.Options.Seed, warm);
        AnsiConsole.MarkupLine(Markup.Escape($"  pruning hidden [{string.Join(", ", spec.Hidden)}] by {settings.Criterion.Name} to {budget.Describe(spec.Hidden)}…"));
        var result = IterativePruner.Run(net, options, train, test, r =>
            AnsiConsole.MarkupLine(Markup.Escape($"  round {r.Round}: hidden [{string.Join(", ", r.Hidden)}], FP32 accuracy {r.Accuracy:P2} ({r.Seconds:F1} s)")));
        using var pruned = result.Network;
        var record = new ChipPruning(settings.Criterion.Name, spec.Hidden, pruned.Spec.Hidden, budget.Neurons(spec.Hidden), budget.Neurons(pruned.Spec.Hidden),
            budget.Describe(pruned.Spec.Hidden), result.Rounds);
        return (pruned.Spec, pruned.Snapshot(), record);
    }
}
