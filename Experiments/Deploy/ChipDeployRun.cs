using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Data;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.IO;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Deploy;

/// <summary>The outcome for one chip, as written to its <c>deploy.json</c>.</summary>
public sealed record ChipDeployment(string Chip, string Status, bool Fits, long Cores, long ChipsNeeded, string? FirstViolation,
    IReadOnlyList<string> Violations, double? FloatAccuracy, double? IntegerAccuracy, int TestSamples, string? Constraint,
    IReadOnlyList<string> Budgets, IReadOnlyList<string> Refusal, IReadOnlyList<string> ProfileWarnings, string? Checkpoint, string? Deployed);

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
    public sealed record Settings(string WarmStart, string? Net, string OutDir, TrainOptions Options, string DatasetName, string? DataDir, string Device);

    public static IReadOnlyList<ChipDeployment> Run(Settings s, IReadOnlyList<ChipProfile> chips)
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
        CommonOptions.WriteRecord(Path.Combine(s.OutDir, "deploy.json"), new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))),
            warmStart = s.WarmStart,
            device = selection?.Backend.ToString(),
            dataset = dataset is null ? null : new { dataset.Name, dataset.Sha256 },
            chips = results,
        });
        selection?.Backend.Dispose();
        return results;
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
            int batchesPerEpoch = Math.Max(1, Math.Min(dataset.TrainCount / options.BatchSize, options.MaxBatchesPerEpoch ?? int.MaxValue));
            var spec = warmSpec with { Constraint = ChipTrainingOptions.ForPlan(plan).Constraint(plan.Value, options, batchesPerEpoch) };
            spec.Validate();
            string checkpoint = Path.Combine(dir, "checkpoint.sfck");
            using var net = ModelZoo.Build(backend, spec, s.Options.Seed, warm);
            using (var trainer = new Trainer(net, s.Options, checkpoint) { DatasetSha256 = dataset.Sha256 })
            {
                var (train, test) = dataset.Splits();
                TrainProgress.Run(trainer, s.Options, t => t.Fit(train, test));
            }
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
                fit.FirstViolation, fit.Violations, e.Accuracy, (double)correct / n, n, spec.Constraint!.Describe(), plan.Budgets, [],
                chip.Warnings, checkpoint, deployed);
        }
        CommonOptions.WriteRecord(Path.Combine(dir, "deploy.json"), result);
        return result;
    }
}
