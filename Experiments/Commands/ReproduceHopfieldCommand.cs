using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.Hopfield;
using SpikeFit.Kernels.Hopfield;
using SpikeFit.Training.Hopfield;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit reproduce hopfield</c>: the Hopfield model with weighted patterns (DESIGN §8) — simulated
/// retrieval from every stored pattern against the replica-symmetric theory, for equal, geometric and
/// uniform weights, with a summary table, per-pattern CSV, online-learning table and plots.
/// </summary>
public static class ReproduceHopfieldCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "quick (N ∈ {500, 1000}, well under a minute on a 2-core CPU) | full (N ∈ {1000, 2000, 4000})",
            DefaultValueFactory = _ => "quick",
        };
        preset.AcceptOnlyFromAmong("quick", "full");
        var device = CommonOptions.Device();
        var seed = new Option<uint>("--seed") { Description = "Seed of the patterns and of uniform weights", DefaultValueFactory = _ => 1u };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Output folder (default runs/hopfield/<preset>; the committed results/hopfield/ records are written only when --out names them)" };
        var weights = new Option<FileInfo?>("--weights")
        {
            Description = "Use this list of weights (numbers separated by spaces, commas or newlines) instead of the " +
                          "built-in distributions; M = its length, N from the preset",
        };
        var dynamics = new Option<string>("--dynamics")
        {
            Description = "async (neurons one at a time in a fixed order; the model's dynamics) | sync (s ← sgn(J·s), with 2-cycle detection)",
            DefaultValueFactory = _ => "async",
        };
        dynamics.AcceptOnlyFromAmong("async", "sync");
        var sizes = new Option<string?>("--sizes") { Description = "Override the preset's N values, e.g. 1000,2000" };
        var json = CommonOptions.Json();
        var overwrite = OutputGuard.Overwrite("an earlier run in --out (moved to <out>/replaced-<UTC time>/) and the --json file");
        var cmd = new Command("hopfield", "Hopfield model with weighted patterns: simulation on the accelerator vs replica-symmetric theory");
        foreach (var o in new Option[] { preset, device, seed, outDir, overwrite, weights, dynamics, sizes, json }) cmd.Options.Add(o);
        cmd.SetAction(parse => Run(parse.GetValue(preset)!, parse.GetValue(device)!, parse.GetValue(seed), new DirectoryInfo(OutDir(parse)),
            parse.GetValue(weights), parse.GetValue(dynamics)!, parse.GetValue(sizes), parse.GetValue(overwrite), parse.GetValue(json)));
        return CommandGuard.Apply(cmd);
    }

    /// <summary>Where a run writes when no <c>--out</c> is given: <c>runs/hopfield/&lt;preset&gt;</c>, under the git-ignored <see cref="CommonOptions.RunsFolder"/>.</summary>
    public static string DefaultOutDir(string preset) => CommonOptions.DefaultOut("hopfield", preset);

    /// <summary>The output folder of a parsed <c>reproduce hopfield</c> command line: <c>--out</c>, else <see cref="DefaultOutDir"/>.</summary>
    public static string OutDir(ParseResult parse) =>
        parse.GetValue<DirectoryInfo?>("--out")?.FullName ?? DefaultOutDir(parse.GetValue<string>("--preset")!);

    private static int Run(string preset, string device, uint seed, DirectoryInfo outDir, FileInfo? weightsFile,
        string dynamicsName, string? sizesText, bool overwrite, FileInfo? json)
    {
        var total = Stopwatch.StartNew();
        var sizes = sizesText is not null
            ? sizesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n
                    : throw new ArgumentException($"--sizes: '{s}' is not a whole number; give N values like 1000,2000.")).ToArray()
            : preset == "full" ? new[] { 1000, 2000, 4000 } : new[] { 500, 1000 };
        if (sizes.Any(n => n < 4)) throw new ArgumentException("Every N must be at least 4.");
        var custom = weightsFile is null ? null : WeightDistribution.FromFile(weightsFile.FullName);
        var dyn = dynamicsName == "sync" ? HopfieldDynamics.Sync : HopfieldDynamics.Async;
        string dir = outDir.FullName;
        using var folder = RunFolder.Claim(dir, "provenance.json", resume: false, overwrite);

        if (preset == "quick")
            AnsiConsole.MarkupLine("[yellow]quick preset[/]: N ∈ {" + string.Join(", ", sizes) + "} — a smoke run; the issue's grid is [bold]--preset full[/].");
        else
            AnsiConsole.MarkupLine("[bold]full preset[/]: N ∈ {" + string.Join(", ", sizes) + "}, M ∈ {N/2, N}.");
        var selection = CommonOptions.OpenBackend(device);
        using var backend = selection.Backend;

        var (alphaC, mC) = HopfieldTheory.CriticalLoadEqualWeights();
        AnsiConsole.MarkupLine($"theory, equal weights: α_c = {alphaC:F5} (m = {mC:F4} at α_c)");

        var grid = HopfieldReproduction.Grid(sizes, custom);
        var results = new List<HopfieldConfigResult>();
        string patternsCsv = Path.Combine(dir, "patterns.csv"), summaryCsv = Path.Combine(dir, "summary.csv"), onlineCsv = Path.Combine(dir, "online.csv");

        void RunOne(HopfieldConfig config)
        {
            var r = HopfieldReproduction.Run(backend, config, seed, dyn);
            results.Add(r);
            // Rewrite the tables after every configuration, atomically: an interrupted run leaves complete tables.
            HopfieldReproduction.WriteCsv(patternsCsv, results.SelectMany(x => x.Patterns));
            HopfieldReproduction.WriteCsv(summaryCsv, results.Select(x => x.Summary));
        }

        if (Console.IsOutputRedirected)
        {
            for (int i = 0; i < grid.Count; i++)
            {
                RunOne(grid[i]);
                var s = results[^1].Summary;
                Console.WriteLine($"[{i + 1}/{grid.Count}] {grid[i]}: retrieved sim {s.RetrievedSim}, theory {s.RetrievedTheory}; " +
                                  $"sim {s.TimeSimS:F1} s, theory {s.TimeTheoryS:F1} s");
            }
        }
        else
        {
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("hopfield", maxValue: grid.Count);
                    foreach (var config in grid)
                    {
                        task.Description = Markup.Escape(config.ToString());
                        RunOne(config);
                        task.Increment(1);
                    }
                    task.Description = "done";
                });
        }

        var online = HopfieldReproduction.Online(results);
        if (online.Count > 0) HopfieldReproduction.WriteCsv(onlineCsv, online);
        var plots = HopfieldPlots.Write(dir, results);

        string command = "spikefit reproduce hopfield --preset " + preset + (sizesText is null ? "" : " --sizes " + sizesText) +
                         $" --device {device} --seed {seed} --dynamics {dynamicsName}" + (weightsFile is null ? "" : " --weights " + weightsFile.Name);
        var provenance = new
        {
            provenance = CommonOptions.Provenance(command),
            preset,
            device = backend.ToString(),
            deviceChoice = selection.Why,
            gemm = backend.Dense.GemmImplementation,
            seed,
            dynamics = dynamicsName,
            sizes,
            retrievedThreshold = HopfieldReproduction.RetrievedThreshold,
            maxSweeps = HopfieldReproduction.MaxSweeps,
            alphaC,
            overlapAtAlphaC = mC,
            wallSeconds = total.Elapsed.TotalSeconds,
            files = new[] { "patterns.csv", "summary.csv", "online.csv" }.Concat(plots.Select(Path.GetFileName)).ToArray(),
        };
        CommonOptions.WriteRecord(Path.Combine(dir, "provenance.json"), provenance);
        CommonOptions.WriteJson(json, new { provenance, summary = results.Select(r => r.Summary), online });

        PrintSummary(results, online);
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(dir)}: patterns.csv, summary.csv{(online.Count > 0 ? ", online.csv" : "")}, {plots.Count} plots, provenance.json " +
                               $"({total.Elapsed.TotalSeconds:F0} s{(preset == "quick" ? ", quick preset" : "")})");
        return 0;
    }

    private static void PrintSummary(List<HopfieldConfigResult> results, List<HopfieldOnlineRow> online)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("N", "M", "weights", "retrieved sim", "retrieved theory", "disagree", "1st failure sim", "1st failure theory", "r_c", "mean |Δm|", "time s");
        foreach (var r in results)
        {
            var s = r.Summary;
            table.AddRow(s.N.ToString(), s.M.ToString(), Markup.Escape(r.Config.Distribution.Label), s.RetrievedSim.ToString(), s.RetrievedTheory.ToString(),
                s.Disagree.ToString(), s.FirstFailureSim?.ToString() ?? "-", s.FirstFailureTheory?.ToString() ?? "-", s.RC.ToString("G4"),
                s.MeanAbsDm?.ToString("F4") ?? "-", (s.TimeSimS + s.TimeTheoryS).ToString("F1"));
        }
        AnsiConsole.Write(table);
        if (online.Count == 0) return;
        var t2 = new Table().Border(TableBorder.Rounded).Title("online learning: geometric weights, M = N/2 → M = N")
            .AddColumns("N", "λ", "sim M=N/2", "sim M=N", "theory M=N/2", "theory M=N", "sim ratio", "sim kept");
        foreach (var o in online)
            t2.AddRow(o.N.ToString(), o.Lambda.ToString("G4"), o.SimHalf.ToString(), o.SimFull.ToString(), o.TheoryHalf.ToString(),
                o.TheoryFull.ToString(), o.SimRatio?.ToString("F3") ?? "-", o.SimKept?.ToString("P0") ?? "-");
        AnsiConsole.Write(t2);
    }
}
