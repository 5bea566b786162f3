using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Nir;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit import model.nir --out model.sfck</c>: a NIR graph (snnTorch, Norse, …, or our own export) → a checkpoint.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("nir") { Description = "The NIR file (.nir, HDF5) to import" };
        var output = new Option<string>("--out") { Description = "The checkpoint to write (.sfck)", Required = true };
        var dt = NirDt();
        var t = new Option<int?>("--t") { Description = "Time steps (default: the file's time_steps metadata, else 16 for an MLP, 8 for a conv net)" };
        var inputShape = new Option<string?>("--input-shape") { Description = "HxWxC image shape a flat Input [N] stands for, e.g. 28x28x1 (default 1x1xN)" };
        var json = CommonOptions.Json();
        var overwrite = OutputGuard.Overwrite("the checkpoint named by --out (and the --json file)");
        var cmd = new Command("import", "Import a NIR graph as a SpikingNetwork checkpoint (train --warm-start, eval, export and prune it like any other)");
        cmd.Arguments.Add(input);
        foreach (var o in new Option[] { output, dt, t, inputShape, overwrite, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            OutputFile.Claim(parse.GetValue(output)!, parse.GetValue(overwrite), "--out"); // before the import's work
            return Run(parse.GetValue(input)!, parse.GetValue(output)!,
                new NirImportOptions { Dt = parse.GetValue(dt), T = parse.GetValue(t), InputShape = ParseShape(parse.GetValue(inputShape)) },
                parse.GetValue(json), Environment.GetCommandLineArgs());
        });
        return CommandGuard.Apply(cmd);
    }

    private static FeatureShape? ParseShape(string? text)
    {
        if (text is null) return null;
        var parts = text.Split('x', 'X', '×');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, out int v) && v > 0))
            throw new ArgumentException($"--input-shape '{text}': expected HxWxC, e.g. 28x28x1.");
        return new FeatureShape(int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]));
    }

    /// <summary>The --dt option of import and eval --nir.</summary>
    internal static Option<double?> NirDt() => new("--dt")
    {
        Description = $"Step dt for β = 1 − dt/τ (default: the file's dt metadata, else {NirLif.DefaultDt:G3}, snnTorch's; Norse's default is 1e-3)",
    };

    private static int Run(string nirPath, string outPath, NirImportOptions options, FileInfo? json, string[] argv)
    {
        using var backend = new CpuBackend();
        var (net, import) = NirImporter.Load(backend, nirPath, options);
        using (net)
        {
            OutputFile.BeforeWrite(outPath);
            Checkpoint.Save(outPath, net, new TrainOptions { Seed = 0 }, epochsCompleted: 0, adamStep: 0, history: new());
            AnsiConsole.MarkupLine($"[bold]network:[/] {Markup.Escape(import.Spec.ToString())}, {net.ParameterCount:N0} parameters");
            foreach (var note in import.Notes) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
            AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(outPath)}");
            CommonOptions.WriteJson(json, new
            {
                provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1))),
                nir = nirPath,
                checkpoint = outPath,
                dt = import.Dt,
                network = import.Spec,
                parameters = net.ParameterCount,
                notes = import.Notes,
            });
        }
        return 0;
    }
}
