using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.Sweep;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit report DIR</c>: the <c>reproduce m4</c> report (runs.csv, summary.csv, summary.md with its
/// statistics, chip_coverage.csv, plots) of the points a run folder holds so far, into its own folder, while
/// the run goes on or after it stopped. A long run writes its report only when its last point is done; this
/// is how to read it on the way, marked partial. It only reads the run's table, so it is safe beside a running sweep.
/// </summary>
public static class ReportCommand
{
    /// <summary>The record in the output folder that marks it as a report folder this command may rewrite.</summary>
    public const string RecordName = "report.json";

    public static Command Create()
    {
        var dir = new Argument<string>("DIR") { Description = "A reproduce m4 (or m4 sweep) run folder: its grid.json and points.csv" };
        var output = new Option<string?>("--out") { Description = "Where to write the report (default DIR/partial-report); rewritten on each call" };
        var json = CommonOptions.Json();
        var cmd = new Command("report", "Write the M = 4 report of the points a run folder holds so far (summary with statistics, chip coverage, plots), marked partial until the run is complete");
        cmd.Arguments.Add(dir);
        cmd.Options.Add(output);
        cmd.Options.Add(json);
        cmd.SetAction(parse =>
        {
            string runDir = parse.GetValue(dir)!;
            string outDir = parse.GetValue(output) ?? Path.Combine(runDir, "partial-report");
            var record = Write(runDir, outDir);
            CommonOptions.WriteJson(parse.GetValue(json), record);
            return ExitCodes.Done;
        });
        return CommandGuard.Apply(cmd);
    }

    /// <summary>The report of <paramref name="runDir"/>'s finished points into <paramref name="outDir"/>; returns what <c>report.json</c> holds.</summary>
    /// <exception cref="ArgumentException">Not a run folder, a grid without a report, or an output folder this command did not write.</exception>
    public static object Write(string runDir, string outDir)
    {
        if (!Directory.Exists(runDir)) throw new DirectoryNotFoundException($"DIR {runDir} does not exist.");
        var sidecar = SweepSidecar.TryRead(runDir)
                      ?? throw new ArgumentException($"DIR {runDir} has no {SweepSidecar.FileName}: give the --out folder of a reproduce m4 or sweep run.");
        string table = Path.Combine(runDir, "points.csv");
        if (!File.Exists(table))
            throw new ArgumentException($"{table} does not exist: the run has finished no point yet (a sharded run: merge its shards with spikefit merge --allow-incomplete first).");
        string full = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar);
        if (full == Path.GetFullPath(runDir).TrimEnd(Path.DirectorySeparatorChar))
            throw new ArgumentException($"--out {outDir} is the run folder, where the run writes its own report when it finishes; choose another folder (default DIR/partial-report).");
        // A folder with files but without our record is someone else's: never write over it.
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !File.Exists(Path.Combine(outDir, RecordName)))
            throw new ArgumentException($"--out {outDir} holds files that no earlier spikefit report wrote (no {RecordName}); choose an empty or new folder.");

        var (files, done, total) = SweepReports.WriteSoFar(sidecar, table, outDir, SweepMethods.Default);
        var record = new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))),
            run = Path.GetFullPath(runDir),
            grid = sidecar.Name,
            gridHash = sidecar.GridHash,
            pointsDone = done,
            pointsTotal = total,
            complete = done == total,
            files = files.All.Select(Path.GetFileName).ToList(),
        };
        CommonOptions.WriteRecord(Path.Combine(outDir, RecordName), record);
        AnsiConsole.MarkupLine($"{(done == total ? "[green]complete[/]" : "[yellow]partial[/]")}: {done} of {total} points of {Markup.Escape(sidecar.Name)}");
        foreach (var f in files.All) AnsiConsole.MarkupLine($"[grey]wrote {Markup.Escape(f)}[/]");
        return record;
    }
}
