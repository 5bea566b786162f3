using System.Diagnostics;
using System.Security.Cryptography;
using SpikeFit.Experiments.Cli;
using SpikeFit.Training.Data;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Models;
using SpikeFit.Training.Nir;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit eval --checkpoint C.sfck</c> or <c>--nir M.nir</c>: float test accuracy of a checkpoint, or of a NIR graph through the importer.</summary>
internal static class FloatEvalRun
{
    public static int Run(string? checkpointPath, string? nirPath, NirImportOptions nirOptions, string datasetName, string? dataDir, int? maxTest,
        string device, FileInfo? json, string[] argv)
    {
        var selection = CommonOptions.OpenBackend(device);
        using var backend = selection.Backend;
        string path = checkpointPath ?? nirPath!;
        SpikingNetwork net;
        IReadOnlyList<string> notes = Array.Empty<string>();
        if (checkpointPath is not null) net = Checkpoint.LoadNetwork(backend, checkpointPath);
        else
        {
            var (loaded, import) = NirImporter.Load(backend, nirPath!, nirOptions);
            net = loaded;
            notes = import.Notes;
        }
        using (net)
        {
            var spec = net.Spec;
            var dataset = DatasetLoader.Load(datasetName, dataDir, CommonOptions.DatasetOptions());
            AnsiConsole.MarkupLine($"[bold]data:[/] {Markup.Escape(dataset.Describe())}");
            if (dataset.Shape.Size != net.InputShape.Size || dataset.Classes != spec.Classes)
                throw new ArgumentException($"{path} takes inputs of {net.InputShape.Size} values ({net.InputShape}) and {spec.Classes} classes; " +
                                            $"{dataset.Name} has {dataset.Shape} images of {dataset.Classes} classes.");
            int count = Math.Min(dataset.TestCount, maxTest ?? int.MaxValue);
            AnsiConsole.MarkupLine($"[bold]model:[/] {Markup.Escape(path)}: {Markup.Escape(spec.ToString())}");
            foreach (var note in notes) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
            var clock = Stopwatch.StartNew();
            var (predictions, _) = FloatReadout.Run(net, dataset.TestImages, count);
            double seconds = clock.Elapsed.TotalSeconds;
            int correct = 0;
            for (int i = 0; i < count; i++) if (predictions[i] == dataset.TestLabels[i]) correct++;
            double accuracy = (double)correct / count;
            // A digest of every prediction, so two evaluations can be shown to agree sample by sample.
            var digest = Convert.ToHexString(SHA256.HashData(predictions.SelectMany(BitConverter.GetBytes).ToArray())).ToLowerInvariant();
            AnsiConsole.MarkupLine($"[bold]float accuracy:[/] {accuracy:P2} on {count:N0} test samples ({seconds:F1} s on {Markup.Escape(backend.ToString())}); predictions SHA-256 {digest[..16]}…");
            CommonOptions.WriteJson(json, new
            {
                provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1))),
                checkpoint = checkpointPath,
                nir = nirPath,
                dataset = new { dataset.Name, dataset.Sha256, dataset.Source, dataset.Verified, samples = count },
                network = spec,
                device = backend.ToString(),
                floatAccuracy = accuracy,
                predictionsSha256 = digest,
                seconds,
                importNotes = notes,
            });
        }
        return 0;
    }
}
