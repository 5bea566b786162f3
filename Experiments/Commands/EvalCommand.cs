using System.CommandLine;
using System.Diagnostics;
using SpikeFit.Experiments.Cli;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Data;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit eval --deployed</c>: integer-only test accuracy of a deployed model, optionally against its float checkpoint;
/// <c>--checkpoint</c> / <c>--nir</c>: float accuracy of a checkpoint or a NIR graph (<see cref="FloatEvalRun"/>).</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var deployed = new Option<string?>("--deployed") { Description = "A deployed model (.sfdm) from spikefit export (integer-only inference)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint (.sfck): float inference" };
        var nir = new Option<string?>("--nir") { Description = "A NIR graph (.nir): float inference through the importer (see import --dt, --t)" };
        var nirDt = ImportCommand.NirDt();
        var nirT = new Option<int?>("--t") { Description = "--nir only: time steps (default: the file's time_steps metadata)" };
        var dataset = new Option<string>("--dataset") { Description = "Dataset name: fashion-mnist (default), mnist, kmnist, or any IDX folder via --data", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files (gz or raw)" };
        var maxTest = new Option<int?>("--max-test") { Description = "Evaluate on at most this many test samples (the first ones)" };
        var compare = new Option<string?>("--compare-checkpoint") { Description = "Also run this float checkpoint on the same samples and report the difference" };
        var device = CommonOptions.Device();
        var json = CommonOptions.Json();
        var cmd = new Command("eval", "Test accuracy: integer-only inference of a deployed model (no float weights, int32/int64 arithmetic), or float inference of a checkpoint or NIR graph");
        foreach (var o in new Option[] { deployed, checkpoint, nir, nirDt, nirT, dataset, data, maxTest, compare, device, json }) cmd.Options.Add(o);
        cmd.SetAction(parse => new[] { parse.GetValue(deployed), parse.GetValue(checkpoint), parse.GetValue(nir) }.Count(v => v is not null) != 1
            ? throw new ArgumentException("eval needs exactly one model: --deployed M.sfdm, --checkpoint C.sfck or --nir M.nir.")
            : parse.GetValue(nir) is null && (CommandGuard.Given(parse, nirDt) || CommandGuard.Given(parse, nirT))
            ? throw new ArgumentException("--dt and --t apply to --nir only and would be ignored here; leave them out.")
            : parse.GetValue(deployed) is null && parse.GetValue(compare) is not null
            ? throw new ArgumentException("--compare-checkpoint compares a deployed model (--deployed) with its float checkpoint; it would be ignored here.")
            : parse.GetValue(deployed) is null
            ? FloatEvalRun.Run(parse.GetValue(checkpoint), parse.GetValue(nir), new Training.Nir.NirImportOptions { Dt = parse.GetValue(nirDt), T = parse.GetValue(nirT) },
                parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(maxTest), parse.GetValue(device)!, parse.GetValue(json), Environment.GetCommandLineArgs())
            : Run(parse.GetValue(deployed)!, parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(maxTest),
            parse.GetValue(compare), parse.GetValue(device)!, parse.GetValue(json), Environment.GetCommandLineArgs()));
        return CommandGuard.Apply(cmd);
    }

    private static int Run(string deployedPath, string datasetName, string? dataDir, int? maxTest, string? comparePath, string device,
        FileInfo? json, string[] argv)
    {
        var engine = IntegerInference.Load(deployedPath); // a damaged file is refused by SpikefitApp (exit 3)
        var h = engine.Header;
        var dataset = DatasetLoader.Load(datasetName, dataDir, CommonOptions.DatasetOptions());
        AnsiConsole.MarkupLine($"[bold]data:[/] {Markup.Escape(dataset.Describe())}");
        if (dataset.Shape.Size != engine.Features || dataset.Classes != h.Classes)
            throw new ArgumentException($"{deployedPath} takes {h.InputHeight}x{h.InputWidth}x{h.InputChannels} images of {h.Classes} classes; " +
                                        $"{dataset.Name} has {dataset.Shape} images of {dataset.Classes} classes.");
        if (comparePath is not null)
        {
            // A float model of another network would print a difference that means nothing: refuse it.
            var spec = Checkpoint.ReadHeader(comparePath).Spec;
            var differs = new List<string>();
            if (spec.Net != h.Net) differs.Add($"net {spec.Net} vs {h.Net}");
            if (spec.T != h.T) differs.Add($"T {spec.T} vs {h.T}");
            if ((spec.InputHeight, spec.InputWidth, spec.InputChannels) != (h.InputHeight, h.InputWidth, h.InputChannels))
                differs.Add($"input {spec.InputHeight}x{spec.InputWidth}x{spec.InputChannels} vs {h.InputHeight}x{h.InputWidth}x{h.InputChannels}");
            if (spec.Classes != h.Classes) differs.Add($"classes {spec.Classes} vs {h.Classes}");
            if (spec.Readout != h.Readout) differs.Add($"readout {spec.Readout} vs {h.Readout}");
            if (differs.Count > 0)
                throw new ArgumentException($"--compare-checkpoint {comparePath} is not the network of {deployedPath} ({string.Join("; ", differs)}); " +
                                            "compare a deployed model with the checkpoint it was exported from.");
        }
        int n = Math.Min(dataset.TestCount, maxTest ?? int.MaxValue);
        var labels = dataset.TestLabels;
        AnsiConsole.MarkupLine($"[bold]model:[/] {Markup.Escape(deployedPath)}: {h.Net}, T = {h.T}, {h.Readout} readout, " +
                               $"membrane fraction bits {Markup.Escape(string.Join(", ", engine.MembraneFractionBits.Select(kv => $"{kv.Key} {kv.Value}")))}");

        var clock = Stopwatch.StartNew();
        var result = engine.Run(dataset.TestImages, n);
        double integerSeconds = clock.Elapsed.TotalSeconds;
        double integerAccuracy = Accuracy(result.Predictions, labels, n);
        AnsiConsole.MarkupLine($"[bold]integer-only accuracy:[/] {integerAccuracy:P2} on {n:N0} test samples ({integerSeconds:F1} s, {n / integerSeconds:F0} samples/s)");

        object? comparison = null;
        if (comparePath is not null)
        {
            var selection = CommonOptions.OpenBackend(device);
            using var backend = selection.Backend;
            using var net = Checkpoint.LoadNetwork(backend, comparePath);
            clock.Restart();
            var (floatPredictions, floatReadouts) = FloatReadout.Run(net, dataset.TestImages, n);
            double floatSeconds = clock.Elapsed.TotalSeconds;
            double floatAccuracy = Accuracy(floatPredictions, labels, n);
            int agree = 0;
            double maxReadoutDiff = 0;
            for (int i = 0; i < n; i++)
            {
                if (floatPredictions[i] == result.Predictions[i]) agree++;
                for (int c = 0; c < h.Classes; c++)
                {
                    long k = (long)i * h.Classes + c;
                    maxReadoutDiff = Math.Max(maxReadoutDiff, Math.Abs(result.Readouts[k] * result.ReadoutUnit - floatReadouts[k]));
                }
            }
            double points = 100 * (integerAccuracy - floatAccuracy);
            AnsiConsole.MarkupLine($"[bold]float accuracy:[/] {floatAccuracy:P2} ({Markup.Escape(comparePath)} on {Markup.Escape(backend.ToString())}, {floatSeconds:F1} s)");
            AnsiConsole.MarkupLine($"[bold]integer − float:[/] {points:+0.00;-0.00;0.00} points; predictions agree on {agree:N0} of {n:N0} samples ({(double)agree / n:P2}); " +
                                   $"largest readout difference {maxReadoutDiff:G3}");
            comparison = new
            {
                checkpoint = comparePath, device = backend.ToString(), floatAccuracy, differencePoints = points,
                agreement = (double)agree / n, maxReadoutDifference = maxReadoutDiff, floatSeconds,
            };
        }
        CommonOptions.WriteJson(json, new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1))),
            deployed = deployedPath,
            dataset = new { dataset.Name, dataset.Sha256, dataset.Source, dataset.Verified, samples = n },
            network = new { h.Net, h.T, h.Readout, h.Classes, membraneFractionBits = engine.MembraneFractionBits },
            integerAccuracy,
            integerSeconds,
            comparison,
        });
        return 0;
    }

    private static double Accuracy(int[] predictions, int[] labels, int n)
    {
        int correct = 0;
        for (int i = 0; i < n; i++) if (predictions[i] == labels[i]) correct++;
        return (double)correct / n;
    }
}
