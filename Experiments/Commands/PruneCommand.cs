using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Training.Models;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;
using SpikeFit.Training.Data;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit prune</c>: iterative structured pruning of a trained checkpoint (FSC or a comparison
/// criterion) with fine-tuning after every round; saves the smaller network as a checkpoint.
/// </summary>
public static class PruneCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Trained model to prune (checkpoint.sfck of a train run)", Required = true };
        var criterion = new Option<string>("--criterion") { Description = "Neuron ranking: fsc (default), taylor, magnitude, firing-rate or random", DefaultValueFactory = _ => "fsc" };
        criterion.AcceptOnlyFromAmong(PruneCriteria.Names.ToArray());
        var keep = new Option<double>("--keep") { Description = "Fraction of the hidden neurons (conv: channels) kept at the end", DefaultValueFactory = _ => 0.5 };
        var rounds = new Option<int>("--rounds") { Description = "Prune → fine-tune rounds to reach the budget", DefaultValueFactory = _ => 3 };
        var schedule = new Option<PruneScheduleKind>("--schedule") { Description = "Geometric (same share of what is left each round, default) or Linear (same number each round)", DefaultValueFactory = _ => PruneScheduleKind.Geometric };
        var scope = new Option<PruneScope>("--scope") { Description = "Layer (each layer keeps the same fraction, default) or Global (one ranking, scores divided by each layer's mean)", DefaultValueFactory = _ => PruneScope.Layer };
        var finetune = new Option<int>("--finetune-epochs") { Description = "Fine-tuning epochs after each round (0: none)", DefaultValueFactory = _ => 1 };
        var maxBatches = new Option<int?>("--max-batches") { Description = "Stop each fine-tuning epoch after this many batches" };
        var scoreBatches = new Option<int>("--score-batches") { Description = "Training batches the data-driven criteria (fsc, taylor, firing-rate) are measured on per round", DefaultValueFactory = _ => 16 };
        var batch = new Option<int?>("--batch") { Description = "Batch size for scoring and fine-tuning (default: the checkpoint's)" };
        var lr = new Option<float?>("--lr") { Description = "Fine-tuning learning rate (default: the checkpoint's)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random criterion, the scoring samples and the fine-tuning shuffles", DefaultValueFactory = _ => 1 };
        var maxTest = new Option<int?>("--max-test") { Description = "Evaluate on at most this many test samples" };
        var dataset = new Option<string>("--dataset") { Description = "Dataset name (fashion-mnist default, mnist, kmnist, synthetic)", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files; overrides SPIKEFIT_DATA and the other sources" };
        var device = CommonOptions.Device();
        var output = new Option<string?>("--out") { Description = "Output folder for the pruned checkpoint and prune.json (default runs/prune/<criterion>-keep<keep>-seed<seed>)" };
        var json = CommonOptions.Json();
        var overwrite = OutputGuard.Overwrite("an earlier prune in --out (moved to <out>/replaced-<UTC time>/) and the --json file");
        var cmd = new Command("prune", "Structured pruning of a trained SNN: remove whole neurons by FSC (or taylor, magnitude, firing-rate, random), fine-tuning between rounds");
        foreach (var o in new Option[] { checkpoint, criterion, keep, rounds, schedule, scope, finetune, maxBatches, scoreBatches, batch, lr, seed,
                     maxTest, dataset, data, device, output, overwrite, json })
            cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var c = PruneCriteria.Parse(parse.GetValue(criterion)!);
            string outDir = OutDir(parse);
            return Run(parse.GetValue(checkpoint)!, c, parse.GetValue(keep), parse.GetValue(rounds), parse.GetValue(schedule), parse.GetValue(scope),
                parse.GetValue(finetune), parse.GetValue(maxBatches), parse.GetValue(scoreBatches), parse.GetValue(batch), parse.GetValue(lr),
                parse.GetValue(seed), parse.GetValue(maxTest), parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(device)!, outDir,
                parse.GetValue(overwrite), parse.GetValue(json), Environment.GetCommandLineArgs());
        });
        return CommandGuard.Apply(cmd);
    }

    /// <summary>
    /// Where a prune writes when no <c>--out</c> is given: <c>runs/prune/&lt;criterion&gt;-keep&lt;keep&gt;-seed&lt;seed&gt;</c>,
    /// under the git-ignored <see cref="CommonOptions.RunsFolder"/>.
    /// </summary>
    public static string DefaultOutDir(string criterion, double keep, int seed) =>
        CommonOptions.DefaultOut("prune", $"{criterion}-keep{keep:0.###}-seed{seed}");

    /// <summary>The output folder of a parsed <c>prune</c> command line: <c>--out</c>, else <see cref="DefaultOutDir"/>.</summary>
    public static string OutDir(ParseResult parse) =>
        parse.GetValue<string?>("--out")
        ?? DefaultOutDir(parse.GetValue<string>("--criterion")!, parse.GetValue<double>("--keep"), parse.GetValue<int>("--seed"));

    private static int Run(string checkpointPath, PruneCriterion criterion, double keep, int rounds, PruneScheduleKind schedule, PruneScope scope,
        int finetuneEpochs, int? maxBatches, int scoreBatches, int? batch, float? lr, int seed, int? maxTest, string datasetName, string? dataDir,
        string device, string outDir, bool overwrite, FileInfo? json, string[] argv)
    {
        if (!File.Exists(checkpointPath)) throw new FileNotFoundException($"--checkpoint: {checkpointPath} does not exist.");
        if (string.Equals(Path.GetDirectoryName(Path.GetFullPath(checkpointPath)), Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            throw new ArgumentException($"--out {outDir} is the folder of --checkpoint {checkpointPath}; the pruned model goes into its own folder (leave out --out for runs/prune/…).");
        var header = Checkpoint.ReadHeader(checkpointPath);
        var fineTune = header.Options with
        {
            Epochs = Math.Max(1, finetuneEpochs), BatchSize = batch ?? header.Options.BatchSize, LearningRate = lr ?? header.Options.LearningRate,
            MaxBatchesPerEpoch = maxBatches, MaxTestSamples = maxTest, Seed = seed,
        };
        var options = new PruneOptions
        {
            Criterion = criterion, Keep = keep, Rounds = rounds, Schedule = schedule, Scope = scope, ScoreBatches = scoreBatches,
            FineTuneEpochs = finetuneEpochs, FineTune = fineTune, Seed = seed,
        };
        options.Validate();
        // Claimed before any work: a locked or unwritable --out, or an earlier prune there, fails now, not after the rounds.
        using var folder = RunFolder.Claim(outDir, "checkpoint.sfck", resume: false, overwrite);

        var dataset = DatasetLoader.Load(datasetName, dataDir, CommonOptions.DatasetOptions());
        AnsiConsole.MarkupLine($"[bold]data:[/] {Markup.Escape(dataset.Describe())}");
        var spec = header.Spec;
        var selection = CommonOptions.OpenBackend(device);
        using var backend = selection.Backend;
        // Checks the dataset's image shape and classes against the checkpoint before building.
        using var network = Checkpoint.LoadNetwork(backend, checkpointPath, dataset);
        AnsiConsole.MarkupLine($"[bold]model:[/] {Markup.Escape(checkpointPath)} — {Markup.Escape(spec.ToString())}, {network.ParameterCount:N0} parameters");
        AnsiConsole.MarkupLine($"[bold]pruning:[/] {criterion.CliName()}, keep {keep:P0} of the hidden neurons in {rounds} {schedule.ToString().ToLowerInvariant()} round(s), " +
                               $"{scope.ToString().ToLowerInvariant()} scope, {finetuneEpochs} fine-tune epoch(s) per round" +
                               (maxBatches is int mb ? $" of at most {mb} batches" : "") + $", scores on {scoreBatches} batches of {fineTune.BatchSize}, seed {seed}");

        var (train, test) = dataset.Splits();
        var (pruned, history) = IterativePruner.Run(network, options, train, test, r =>
            AnsiConsole.MarkupLine(r.Round == 0
                ? $"round 0 (trained model): hidden {Markup.Escape($"[{string.Join(", ", r.Hidden)}]")} = {r.Neurons} neurons, {r.Parameters:N0} parameters, [bold]test acc {r.Accuracy:P2}[/]"
                : $"round {r.Round}/{rounds}: hidden {Markup.Escape($"[{string.Join(", ", r.Hidden)}]")} = {r.Neurons} neurons, {r.Parameters:N0} parameters; " +
                  (finetuneEpochs > 0
                      ? $"test acc {r.AccuracyBeforeFineTune:P2} after removal, [bold]{r.Accuracy:P2}[/] after fine-tuning, {r.Seconds:F1} s"
                      : $"[bold]test acc {r.Accuracy:P2}[/] (no fine-tuning), {r.Seconds:F1} s")));
        using (pruned)
        {
            Directory.CreateDirectory(outDir);
            string saved = Path.Combine(outDir, "checkpoint.sfck");
            // The pruned weights came from fine-tuning with these options; a later train --warm-start reads only the spec and values.
            Checkpoint.Save(saved, pruned, fineTune, epochsCompleted: finetuneEpochs, adamStep: 0, history: new List<EpochReport>());
            var record = new
            {
                provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1))),
                device = backend.ToString(),
                dataset = new { dataset.Name, dataset.Sha256, train = dataset.TrainCount, test = dataset.TestCount },
                source = checkpointPath,
                criterion = criterion.CliName(),
                options = new { keep, rounds, schedule, scope, scoreBatches, finetuneEpochs, maxBatches, seed, fineTune },
                originalSpec = spec,
                prunedSpec = pruned.Spec,
                originalParameters = network.ParameterCount,
                prunedParameters = pruned.ParameterCount,
                accuracyBefore = history[0].Accuracy,
                accuracyAfter = history[^1].Accuracy,
                rounds = history,
                checkpoint = saved,
            };
            CommonOptions.WriteRecord(Path.Combine(outDir, "prune.json"), record);
            CommonOptions.WriteJson(json, record);
            AnsiConsole.MarkupLine($"[green]done:[/] {history[0].Neurons} → {history[^1].Neurons} hidden neurons, test accuracy {history[0].Accuracy:P2} → {history[^1].Accuracy:P2}; saved {Markup.Escape(saved)}");
        }
        return 0;
    }
}
