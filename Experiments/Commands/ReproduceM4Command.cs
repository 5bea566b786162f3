using System.CommandLine;
using System.Diagnostics;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.M4;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Experiments.Sweep;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit reproduce m4</c>: the M = 4 comparison of DESIGN §5/§7 — every registered M = 4
/// method (<see cref="M4Methods"/>) for the preset's nets, bit-widths and seeds. The preset becomes a
/// sweep grid (<see cref="M4Preset.ToGridJson"/>, written beside the table), the sweep engine runs it
/// (resume, shards, Slurm as for any sweep), and the complete table becomes runs.csv, summary.csv,
/// summary.md and the plots (<see cref="SweepReports"/>).
/// </summary>
public static class ReproduceM4Command
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "smoke (CI: tiny MLP, 2 seeds, ~1 min) | quick (MLP + conv, 1 seed, short training: minutes on a 2-core CPU) | full (5 seeds, whole epochs)",
            DefaultValueFactory = _ => "quick",
        };
        preset.AcceptOnlyFromAmong("smoke", "quick", "full");
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist (default), mnist, kmnist, or any IDX folder via --data", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files (gz or raw)" };
        var device = CommonOptions.Device();
        var outDir = new Option<string?>("--out") { Description = "Output folder (default runs/m4/<dataset>/<preset>; the committed tables were written with --out results/m4/<dataset>[/<preset>])" };
        var resume = new Option<bool>("--resume") { Description = "Continue the table in --out: points already there are kept, not recomputed" };
        var methods = new Option<string[]?>("--methods") { Description = "Run only these methods (the fp32 reference always runs), e.g. --methods cat qat", AllowMultipleArgumentsPerToken = true };
        var nets = new Option<string[]?>("--nets") { Description = "Override the preset's nets (mlp, conv)", AllowMultipleArgumentsPerToken = true };
        var seeds = new Option<int[]?>("--seeds") { Description = "Override the preset's seeds (distinct)", AllowMultipleArgumentsPerToken = true };
        var shard = new Option<string?>("--shard") { Description = "Run only shard i of N (0-based) into its own table; combine with spikefit merge OUT" };
        var emit = new Option<bool>("--emit-slurm") { Description = "Write the preset's grid and a Slurm job-array script (one task per shard) into --out, and exit" };
        var shards = new Option<int?>("--shards") { Description = "With --emit-slurm or --list: the number of shards (default: one per point, at most 1000)" };
        var slurmOut = new Option<string?>("--slurm-out") { Description = "With --emit-slurm: the script's path (default <out>/m4-<preset>.sbatch)" };
        var list = new Option<bool>("--list") { Description = "Print the preset's points (ids, methods, shards) and exit" };
        var migrate = new Option<bool>("--migrate") { Description = "Move the runs.csv of --out written by an earlier version into this version's table (points.csv + grid.json), then exit; continue with --resume" };
        var tune = new Option<bool>("--tune")
        {
            Description = "Tune every method the same way before it is measured: fine-tune lr × {0.5, 1, 2} of the preset's (and DKM's τ ∈ {0.05, 0.1, 0.2}), " +
                          "each scored on the last 10 % of the training set held out; the best is retrained on the whole training set (several times the cost)",
        };
        var json = CommonOptions.Json();
        var overwrite = OutputGuard.Overwrite("the table in --out (and the --json file): start afresh");
        var cmd = new Command("m4", "The M = 4 comparison: quantize-then-cluster baselines vs SpikeFit CAT (+ FSC), into CSV tables, a summary and plots");
        foreach (var o in new Option[] { preset, dataset, data, device, outDir, resume, overwrite, methods, nets, seeds, shard, emit, shards, slurmOut, list, migrate, tune, json })
            cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var plan = Plan(parse.GetValue(preset)!, parse.GetValue(dataset)!, parse.GetValue(outDir), parse.GetValue(methods),
                parse.GetValue(nets), parse.GetValue(seeds), parse.GetValue(tune));
            var shardSpec = parse.GetValue(shard) is { } s ? SweepShard.Parse(s) : (SweepShard?)null;
            if (parse.GetValue(shards) is < 1) throw new ArgumentException($"--shards must be at least 1, got {parse.GetValue(shards)}.");
            if (parse.GetValue(list)) return SweepCommand.List(plan.Grid, shardSpec?.Count ?? parse.GetValue(shards));
            if (parse.GetValue(migrate))
            {
                WriteGrid(plan);
                var outcome = M4Migration.Import(plan.Grid, plan.Dir, M4Methods.Default);
                foreach (var u in outcome.Unmatched) AnsiConsole.MarkupLine($"[yellow]not imported:[/] {Markup.Escape(u)}");
                AnsiConsole.MarkupLine($"[green]migrated[/] {outcome.Imported} row(s) of runs.csv into {Markup.Escape(SweepEngine.TablePath(plan.Dir, null))}; " +
                                       $"{outcome.Missing} of {plan.Grid.Points.Count} points are still to run: add [bold]--resume[/] to the same command.");
                return 0;
            }
            if (parse.GetValue(emit))
            {
                if (shardSpec is not null) throw new ArgumentException("--emit-slurm writes the script for every shard; leave out --shard (use --shards N for the count).");
                SweepEngine.Preflight(plan.Grid, new SweepOptions { OutDir = plan.Dir, Resume = true });
                WriteGrid(plan);
                return SweepCommand.EmitSlurm(plan.Grid, plan.GridPath, plan.Dir, parse.GetValue(shards), parse.GetValue(dataset)!,
                    parse.GetValue(data), parse.GetValue(device)!, parse.GetValue(slurmOut));
            }
            if (parse.GetValue(shards) is not null)
                throw new ArgumentException("--shards goes with --emit-slurm or --list; to run one shard use --shard i/N.");
            return Run(plan, shardSpec, parse.GetValue(resume), parse.GetValue(overwrite), parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(device)!,
                parse.GetValue(json));
        });
        return CommandGuard.Apply(cmd);
    }

    /// <summary>The preset (with its overrides), its grid and where it goes.</summary>
    /// <param name="GridPath">DIR/m4-&lt;preset&gt;.grid.json: the grid file, so the run can also be sharded as a plain sweep.</param>
    public sealed record M4Plan(M4Preset Preset, SweepGrid Grid, string Dir, string GridPath, string GridJson);

    /// <summary>Checks the options and builds the preset's grid (nothing is written).</summary>
    public static M4Plan Plan(string presetName, string datasetName, string? outDir, string[]? methods, string[]? nets, int[]? seeds,
        bool tune = false)
    {
        var preset = M4Preset.ByName(presetName) with { Tune = tune };
        if (nets is { Length: > 0 })
        {
            var bad = nets.FirstOrDefault(n => !preset.Budgets.ContainsKey(n));
            if (bad is not null) throw new ArgumentException($"--nets: unknown net '{bad}'; use mlp or conv.");
            if (nets.Distinct().Count() != nets.Length) throw new ArgumentException($"--nets: {string.Join(" ", nets)} names a net twice; list each once.");
            preset = preset with { Nets = nets };
        }
        if (seeds is { Length: > 0 })
        {
            // Repeated seeds would be the same rows twice, and Welch's test would take them for replicates.
            var twice = seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null) throw new ArgumentException($"--seeds: seed {twice.Key} is listed twice; seeds must be distinct (each seed is one replicate).");
            preset = preset with { Seeds = seeds };
        }
        var registry = M4Methods.Default;
        if (methods is { Length: > 0 })
        {
            var bad = methods.FirstOrDefault(m => !registry.All.Any(x => x.Key == m || x.RowName == m));
            if (bad is not null) throw new ArgumentException($"--methods: unknown method '{bad}'; known: {string.Join(", ", registry.RowNames)}.");
        }
        string dir = Path.GetFullPath(outDir ?? CommonOptions.DefaultOut("m4", datasetName, preset.Name + (tune ? "-tuned" : "")));
        string gridPath = Path.Combine(dir, $"m4-{preset.Name}.grid.json");
        string gridJson = preset.ToGridJson(registry, methods);
        var grid = SweepGrid.Parse(gridJson, gridPath, SweepMethods.Default);
        return new M4Plan(preset, grid, dir, gridPath, gridJson);
    }

    private static void WriteGrid(M4Plan plan)
    {
        Directory.CreateDirectory(plan.Dir);
        Training.IO.AtomicFile.WriteAllText(plan.GridPath, plan.GridJson);
    }

    private static int Run(M4Plan plan, SweepShard? shard, bool resume, bool overwrite, string datasetName, string? dataDir, string device, FileInfo? json)
    {
        var total = Stopwatch.StartNew();
        var preset = plan.Preset;
        var options = new SweepOptions { OutDir = plan.Dir, Shard = shard, Resume = resume, Overwrite = overwrite };
        SweepEngine.Preflight(plan.Grid, options); // another grid in --out, or rows without --resume: fail before any work
        string presetLine = preset.Name switch
        {
            "quick" => "[yellow]quick preset[/]: 1 seed and short training (fewer batches, 2,000 test images) — for a first look; the paper-table setting is [bold]--preset full[/].",
            "smoke" => "[yellow]smoke preset[/]: a tiny MLP and a few batches, to check the pipeline end to end (CI); the figures mean nothing.",
            _ => "[bold]full preset[/]: seeds " + string.Join(", ", preset.Seeds) + ", whole epochs, the full test set.",
        };
        AnsiConsole.MarkupLine(presetLine);
        AnsiConsole.MarkupLine($"[bold]plan:[/] {plan.Grid.Points.Count} rows: nets {string.Join(", ", preset.Nets)}; seeds {string.Join(", ", preset.Seeds)}; " +
                               $"b ∈ {{{string.Join(", ", preset.Bits)}}}; M = {M4Preset.M}; grid {Markup.Escape(plan.GridPath)}");
        var chipPoints = plan.Grid.Points.Where(p => p.Text("chip").Length > 0).ToList();
        if (chipPoints.Count > 0)
            AnsiConsole.MarkupLine($"[bold]chip variants:[/] {chipPoints.Count} of those rows train for one chip " +
                                   $"({Markup.Escape(string.Join(", ", chipPoints.Select(p => $"{p.Text("net")} {p.Text("chip")}").Distinct()))}; " +
                                   $"seeds {string.Join(", ", preset.ChipSeedsToRun())}); every row is mapped onto every chip → chip_coverage.csv");
        WriteGrid(plan);
        var run = SweepConsole.RunWithReport(plan.Grid, SweepMethods.Default, options, datasetName, dataDir, device, null);
        var provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
        var summary = new
        {
            provenance,
            preset = preset.Name,
            grid = new { plan.Grid.Name, plan.Grid.Hash, path = plan.GridPath, points = plan.Grid.Points.Count },
            shard = shard?.ToString(),
            table = run.Outcome.TablePath,
            dataset = new { run.Dataset.Name, run.Dataset.Sha256, run.Dataset.Source },
            device = run.Device,
            run.Outcome.AlreadyDone,
            run.Outcome.Completed,
            run.Outcome.Remaining,
            failed = run.Outcome.Failed.Select(f => new { id = f.Id, error = f.Error }).ToList(),
            files = run.Report?.All.ToList() ?? new List<string>(),
            chipCoverage = run.Report?.CoverageRows,
            seconds = total.Elapsed.TotalSeconds,
        };
        if (run.Report is not null)
        {
            CommonOptions.WriteRecord(Path.Combine(plan.Dir, "provenance.json"), summary);
            AnsiConsole.MarkupLine($"[green]done:[/] {plan.Grid.Points.Count} rows in {total.Elapsed:hh\\:mm\\:ss} ({preset.Name} preset) → {Markup.Escape(plan.Dir)}");
        }
        CommonOptions.WriteJson(json, summary);
        return run.ExitCode;
    }
}
