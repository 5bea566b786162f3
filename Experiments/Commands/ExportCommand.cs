using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit export</c>: a CAT checkpoint → a deployed model (.sfdm) of packed indices, integer levels and scales;
/// or, when --out ends in .nir, any checkpoint → a NIR graph (<see cref="NirExportRun"/>).</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A CAT checkpoint (train --codebook-m …)", Required = true };
        var output = new Option<string>("--out") { Description = "The file to write: a deployed model (.sfdm) or a NIR graph (.nir, any checkpoint)", Required = true };
        var dt = new Option<double>("--dt") { Description = "NIR only: the step dt of τ = dt/(1 − β), r = 1/(1 − β) (default 1e-4, snnTorch's)", DefaultValueFactory = _ => Training.Nir.NirLif.DefaultDt };
        var json = CommonOptions.Json();
        var overwrite = OutputGuard.Overwrite("the file named by --out (and by --json)");
        var cmd = new Command("export", "Export a CAT-trained network as a deployed model for integer-only inference (format: Training/Deploy/DEPLOY.md)");
        foreach (var o in new Option[] { checkpoint, output, dt, overwrite, json }) cmd.Options.Add(o);
        cmd.SetAction(parse => Claim(parse.GetValue(checkpoint)!, parse.GetValue(output)!, parse.GetValue(overwrite), CommandGuard.Given(parse, dt))
            ? NirExportRun.Run(parse.GetValue(checkpoint)!, parse.GetValue(output)!, parse.GetValue(dt), parse.GetValue(json), Environment.GetCommandLineArgs())
            : Run(parse.GetValue(checkpoint)!, parse.GetValue(output)!, parse.GetValue(json), Environment.GetCommandLineArgs()));
        return CommandGuard.Apply(cmd);
    }

    /// <summary>Checks --out before any work (writable, not the input, no earlier file unless --overwrite); true for a NIR file.</summary>
    private static bool Claim(string checkpointPath, string outPath, bool overwrite, bool dtGiven)
    {
        bool nir = outPath.EndsWith(".nir", StringComparison.OrdinalIgnoreCase);
        if (dtGiven && !nir)
            throw new ArgumentException($"--dt applies to NIR exports only and would be ignored for {outPath}; leave it out, or write a .nir file.");
        if (string.Equals(Path.GetFullPath(checkpointPath), Path.GetFullPath(outPath), StringComparison.Ordinal))
            throw new ArgumentException($"--out {outPath} is the --checkpoint itself; write the export to another file.");
        OutputFile.Claim(outPath, overwrite, "--out");
        return nir;
    }

    private static int Run(string checkpointPath, string outPath, FileInfo? json, string[] argv)
    {
        using var backend = new CpuBackend();
        using var net = Checkpoint.LoadNetwork(backend, checkpointPath);
        var model = DeployExporter.Export(net, checkpointPath);
        OutputFile.BeforeWrite(outPath);
        model.Save(outPath);
        // Report from the file as written: the counts describe the exported tensors, not the training network.
        var written = DeployedModel.Load(outPath);
        var layers = written.Summarize();
        var table = new Table().AddColumns("layer", "kind", "weights", "M", "b", "Δ", "distinct values", "bits/synapse", "bytes");
        foreach (var l in layers)
            table.AddRow(l.Name, l.Op.ToString(), $"{l.Rows}×{l.FanIn}", l.M.ToString(), l.Bits.ToString(), l.Scale.ToString("G6"),
                l.DistinctValues.ToString(), l.IndexBits.ToString(), l.Bytes.ToString("N0"));
        AnsiConsole.Write(table);
        long fileBytes = new FileInfo(outPath).Length;
        long weights = layers.Sum(l => l.Weights);
        AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(outPath)}: {fileBytes:N0} bytes for {weights:N0} synapses " +
                               $"({8.0 * fileBytes / weights:F3} bits per synapse with header, biases and codebooks; float32 would be {4 * weights:N0} bytes)");
        CommonOptions.WriteJson(json, new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1))),
            checkpoint = checkpointPath,
            output = outPath,
            fileBytes,
            synapses = weights,
            network = written.Header with { Layers = new List<DeployedLayer>() },
            layers,
        });
        return 0;
    }
}
