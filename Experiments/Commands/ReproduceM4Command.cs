using System.CommandLine;
using System.Diagnostics;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.M4;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit reproduce m4</c>: the M = 4 comparison of DESIGN §5/§7 — every quantize-then-cluster
/// baseline and SpikeFit (CAT, CAT + FSC) for the MLP and conv nets, written as runs.csv,
/// summary.csv, summary.md and plots. Resumable: finished rows are never recomputed.
/// </summary>
public static class ReproduceM4Command
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "smoke (CI: tiny MLP, 2 seeds, ~1 min) | quick (MLP + conv, 1 seed, short training: minutes on a 2-core CPU) | full (3 seeds, whole epochs)",
            DefaultValueFactory = _ => "quick",
        };
        preset.AcceptOnlyFromAmong("smoke", "quick", "full");
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist (default), mnist, kmnist, or any IDX folder via --data", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files (gz or raw)" };
        var device = CommonOptions.Device();
        var outDir = new Option<string?>("--out") { Description = "Output folder (default results/m4/<dataset> for full, results/m4/<dataset>/<preset> otherwise)" };
        var resume = new Option<bool>("--resume") { Description = "Keep the rows already in runs.csv and run only the missing ones" };
        var methods = new Option<string[]?>("--methods") { Description = "Run only these methods (fp32 always runs), e.g. --methods cat qat", AllowMultipleArgumentsPerToken = true };
        var nets = new Option<string[]?>("--nets") { Description = "Override the preset's nets (mlp, conv)", AllowMultipleArgumentsPerToken = true };
        var seeds = new Option<int[]?>("--seeds") { Description = "Override the preset's seeds", AllowMultipleArgumentsPerToken = true };
        var json = CommonOptions.Json();
        var cmd = new Command("m4", "The M = 4 comparison: quantize-then-cluster baselines vs SpikeFit CAT (+ FSC), into CSV tables, a summary and plots");
        foreach (var o in new Option[] { preset, dataset, data, device, outDir, resume, methods, nets, seeds, json }) cmd.Options.Add(o);
        cmd.SetAction(parse => Run(parse.GetValue(preset)!, parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(device)!,
            parse.GetValue(outDir), parse.GetValue(resume), parse.GetValue(methods), parse.GetValue(nets), parse.GetValue(seeds),
            parse.GetValue(json), Environment.GetCommandLineArgs()));
        return cmd;
    }

    private static int Run(string presetName, string datasetName, string? dataDir, string device, string? outDir, bool resume,
        string[]? methods, string[]? nets, int[]? seeds, FileInfo? json, string[] argv)
    {
        var total = Stopwatch.StartNew();
        var preset = M4Preset.ByName(presetName);
        if (nets is { Length: > 0 })
        {
            var bad = nets.FirstOrDefault(n => !preset.Budgets.ContainsKey(n));
            if (bad is not null) throw new ArgumentException($"--nets: unknown net '{bad}'; use mlp or conv.");
            preset = preset with { Nets = nets };
        }
        if (seeds is { Length: > 0 }) preset = preset with { Seeds = seeds };
        if (methods is { Length: > 0 })
        {
            var known = M4Method.All(preset.Bits, preset.PruneBits).Select(m => m.Key).Distinct().ToList();
            var bad = methods.FirstOrDefault(m => !known.Contains(m));
            if (bad is not null) throw new ArgumentException($"--methods: unknown method '{bad}'; known: {string.Join(", ", known)}.");
        }
        string dir = Path.GetFullPath(outDir ?? (preset.Name == "full"
            ? Path.Combine("results", "m4", datasetName)
            : Path.Combine("results", "m4", datasetName, preset.Name)));
        Directory.CreateDirectory(dir);
        string runsPath = Path.Combine(dir, "runs.csv");

        string presetLine = preset.Name switch
        {
            "quick" => "[yellow]quick preset[/]: 1 seed and short training (fewer batches, 2,000 test images) — for a first look; the paper-table setting is [bold]--preset full[/].",
            "smoke" => "[yellow]smoke preset[/]: a tiny MLP and a few batches, to check the pipeline end to end (CI); the figures mean nothing.",
            _ => "[bold]full preset[/]: seeds " + string.Join(", ", preset.Seeds) + ", whole epochs, the full test set.",
        };
        AnsiConsole.MarkupLine(presetLine);
        var data = TrainCommand.LoadDataset(datasetName, dataDir);
        AnsiConsole.MarkupLine($"[bold]data:[/] {Markup.Escape(data.Describe())}");
        var selection = CommonOptions.OpenBackend(device);
        using var backend = selection.Backend;

        var existing = new List<M4Row>();
        if (File.Exists(runsPath))
        {
            if (resume) existing = RunsTable.Read(runsPath).Where(r => r.Preset == preset.Name && r.DatasetSha256 == data.Sha256).ToList();
            else
            {
                string previous = Path.Combine(dir, "runs.previous.csv");
                File.Move(runsPath, previous, overwrite: true);
                AnsiConsole.MarkupLine($"[yellow]note:[/] starting afresh; the earlier table was moved to {Markup.Escape(previous)} (use --resume to continue it).");
            }
        }
        var context = new M4RunContext(backend, data, preset, dir, CommonOptions.GitCommit(), backend.ToString(),
            methods is { Length: > 0 } ? methods : null);
        var rows = new List<M4Row>(existing);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
            AnsiConsole.MarkupLine("[yellow]stopping after this batch; finished rows are kept (rerun with --resume)…[/]");
        };
        Console.CancelKeyPress += onCancel;
        bool cancelled = false;
        void Append(M4Row row)
        {
            rows.Add(row);
            RunsTable.Write(runsPath, rows); // whole table to a temp file, then an atomic rename
        }
        try
        {
            void Body(ProgressContext? live)
            {
                var runner = new M4Runner(context, new ConsoleM4Progress(live));
                AnsiConsole.MarkupLine($"[bold]plan:[/] {runner.Plan().Count} runs: nets {string.Join(", ", preset.Nets)}; seeds {string.Join(", ", preset.Seeds)}; b ∈ {{{string.Join(", ", preset.Bits)}}}; M = {M4Preset.M}; output {Markup.Escape(dir)}");
                runner.Run(existing, Append, cancel.Token);
            }
            if (Console.IsOutputRedirected) Body(null);
            else
                AnsiConsole.Progress().AutoClear(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx => Body(ctx));
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (rows.Count == 0)
        {
            AnsiConsole.MarkupLine("[yellow]no rows yet; nothing to summarise.[/]");
            return cancelled ? 130 : 1;
        }
        var provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1)));
        var report = M4Report.Write(dir, rows, new M4Provenance(preset.Name, data.Name, data.Sha256, backend.ToString(), context.Commit,
            DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ")));
        var files = report.All.ToList();
        CommonOptions.WriteJson(new FileInfo(Path.Combine(dir, "provenance.json")), new
        {
            provenance, preset, dataset = new { data.Name, data.Sha256, data.Source }, device = backend.ToString(), deviceChoice = selection.Why,
            rows = rows.Count, seconds = total.Elapsed.TotalSeconds, cancelled,
        });
        CommonOptions.WriteJson(json, new { provenance, rows, files });
        foreach (var f in files) AnsiConsole.MarkupLine($"[grey]wrote {Markup.Escape(f)}[/]");
        if (cancelled)
        {
            AnsiConsole.MarkupLine($"[yellow]stopped early with {rows.Count} rows; rerun the same command with --resume to finish.[/]");
            return 130;
        }
        AnsiConsole.MarkupLine($"[green]done:[/] {rows.Count} rows in {total.Elapsed:hh\\:mm\\:ss} ({presetName} preset) → {Markup.Escape(dir)}");
        return 0;
    }
}
