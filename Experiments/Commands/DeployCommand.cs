using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.Deploy;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit deploy --chip NAME|all --warm-start FP32.sfck</c>: chip-targeted CAT, mapping, integer export and
/// integer-only accuracy per chip (<see cref="ChipDeployRun"/>; issue 12 items 3 and 5: a network over the chip's neurons or cores is pruned first; the chip's masks, per-core budgets and TrueNorth's layout are trained).
/// </summary>
public static class DeployCommand
{
    public static Command Create()
    {
        var chip = new Option<string>("--chip") { Description = "Chip name from the catalogue (Training/Hardware/chips.json, --chips) or 'all'", Required = true };
        var warmStart = new Option<string>("--warm-start") { Description = "The full-precision checkpoint to start from (checkpoint.sfck of a train run)", Required = true };
        var net = new Option<string?>("--net") { Description = "mlp or conv: must be the warm start's (default: the warm start's)" };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/deploy/<net>-seed<seed>); one sub-folder per chip" };
        var chips = new Option<FileInfo[]>("--chips") { Description = "Extra chip profiles (same layout as Training/Hardware/chips.json)", AllowMultipleArgumentsPerToken = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset name", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files" };
        var epochs = new Option<int>("--epochs") { Description = "Fine-tuning epochs", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 128 };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3f };
        var seed = new Option<int>("--seed") { Description = "Seed", DefaultValueFactory = _ => 1 };
        var maxBatches = new Option<int?>("--max-batches") { Description = "Stop each epoch after this many batches (quick runs)" };
        var maxTest = new Option<int?>("--max-test") { Description = "Evaluate (float and integer) on at most this many test samples" };
        var pruneCriterion = new Option<string>("--prune-criterion") { Description = "Neuron ranking when the network is over the chip's neurons or cores: fsc (default), taylor, magnitude, firing-rate or random", DefaultValueFactory = _ => "fsc" };
        pruneCriterion.AcceptOnlyFromAmong(PruneCriteria.Names.ToArray());
        var pruneRounds = new Option<int>("--prune-rounds") { Description = "Prune → FP32 fine-tune rounds to reach the chip's neuron budget", DefaultValueFactory = _ => 2 };
        var pruneEpochs = new Option<int>("--prune-epochs") { Description = "FP32 fine-tuning epochs after each pruning round (0: none)", DefaultValueFactory = _ => 1 };
        var device = CommonOptions.Device();
        var json = CommonOptions.Json();
        var overwrite = OutputGuard.Overwrite("an earlier deploy in --out (moved to <out>/replaced-<UTC time>/) and the --json file");
        var cmd = new Command("deploy", "Train a warm-started network for a chip (hidden units pruned to its neurons and cores where needed, CAT or TrueNorth's layout at the chip's bits and values, fan-in and per-core input masks), map it onto the chip's cores, export it and measure its integer-only accuracy");
        foreach (var o in new Option[] { chip, warmStart, net, output, chips, dataset, data, epochs, batch, lr, seed, maxBatches, maxTest, pruneCriterion, pruneRounds, pruneEpochs, device, overwrite, json })
            cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var profiles = ChipCatalog.Load((parse.GetValue(chips) ?? []).Select(f => f.FullName).ToArray());
            string wanted = parse.GetValue(chip)!;
            var selected = wanted.Equals("all", StringComparison.OrdinalIgnoreCase)
                ? profiles
                : profiles.Where(p => p.Name.Equals(wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (selected.Count == 0)
                throw new ArgumentException($"--chip {wanted} is not in the catalogue; known: {string.Join(", ", profiles.Select(p => p.Name))}, or 'all'.");
            var options = new TrainOptions
            {
                Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr), Seed = parse.GetValue(seed),
                MaxBatchesPerEpoch = parse.GetValue(maxBatches), MaxTestSamples = parse.GetValue(maxTest),
            };
            string outDir = parse.GetValue(output) ?? CommonOptions.DefaultOut("deploy", $"{parse.GetValue(net) ?? "net"}-seed{options.Seed}");
            // Claimed before any work: a locked or unwritable --out, or an earlier deploy there, fails now.
            using var folder = RunFolder.Claim(outDir, "deploy.json", resume: false, parse.GetValue(overwrite));
            var report = ChipDeployRun.Run(new ChipDeployRun.Settings(parse.GetValue(warmStart)!, parse.GetValue(net), outDir, options,
                parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(device)!,
                new ChipPruneSettings(PruneCriteria.Parse(parse.GetValue(pruneCriterion)!), parse.GetValue(pruneRounds), parse.GetValue(pruneEpochs))), selected);
            CommonOptions.WriteJson(parse.GetValue(json), new
            {
                provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))),
                outDir,
                warmStart = report.WarmStart,
                device = report.Device,
                dataset = report.Dataset is null ? null : new { name = report.Dataset, sha256 = report.DatasetSha256 },
                chips = report.Chips,
            });
            // A single chip refused before training is an error for the caller; with 'all' the table is the answer.
            return selected.Count == 1 && report.Chips[0].Status.StartsWith("refused", StringComparison.Ordinal) ? ExitCodes.Refused : ExitCodes.Done;
        });
        return CommandGuard.Apply(cmd);
    }
}
