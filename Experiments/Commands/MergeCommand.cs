using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.Sweep;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit merge DIR…</c>: combines the shard tables of a sweep into one <c>points.csv</c>
/// ordered by point; refuses different grids and conflicting duplicates, reports missing points.
/// </summary>
public static class MergeCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var inputs = new Argument<string[]>("DIR") { Description = "Sweep folders (their points.csv / points.shard-i-of-N.csv and grid.json), or table files", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "The merged table (default DIR/points.csv when all tables live in one folder)" };
        var allowIncomplete = new Option<bool>("--allow-incomplete") { Description = "Write the merged table even when points are missing (exit 0)" };
        var json = CommonOptions.Json();
        var cmd = new Command("merge", "Merge sweep shard tables into one points.csv (checks grids, duplicates and missing points)");
        cmd.Arguments.Add(inputs);
        cmd.Options.Add(output);
        cmd.Options.Add(allowIncomplete);
        cmd.Options.Add(json);
        cmd.SetAction(parse =>
        {
            var outcome = SweepMerge.Merge(parse.GetValue(inputs)!, parse.GetValue(output), parse.GetValue(allowIncomplete));
            foreach (var table in outcome.Tables) AnsiConsole.MarkupLine($"[grey]read {Markup.Escape(table)}[/]");
            foreach (var note in outcome.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
            CommonOptions.WriteJson(parse.GetValue(json), new
            {
                provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))),
                output = outcome.Written ? outcome.OutPath : null,
                outcome.Tables,
                outcome.GridPoints,
                outcome.Rows,
                outcome.Missing,
                outcome.Notes,
            });
            if (outcome.Missing.Count > 0)
            {
                AnsiConsole.MarkupLine($"[{(outcome.Written ? "yellow" : "red")}]missing {outcome.Missing.Count} of {outcome.GridPoints} points:[/] " +
                                       Markup.Escape(Shorten(outcome.Missing)));
                foreach (var (n, groups) in outcome.MissingByShard)
                    foreach (var (shard, ids) in groups)
                        AnsiConsole.MarkupLine($"  shard {shard}/{n}: {ids.Count} missing — rerun it with [bold]--shard {shard}/{n} --resume[/]");
            }
            if (!outcome.Written)
            {
                AnsiConsole.MarkupLine("[red]not merged:[/] finish the missing points first, or pass --allow-incomplete to write the partial table.");
                return ExitCodes.Failed;
            }
            AnsiConsole.MarkupLine($"[green]merged[/] {outcome.Rows} of {outcome.GridPoints} points from {outcome.Tables.Count} table(s) into {Markup.Escape(outcome.OutPath)}");
            // A grid that asks for a report (reproduce m4's "report": "m4") gets it from the merged table.
            string mergedDir = Path.GetDirectoryName(Path.GetFullPath(outcome.OutPath))!;
            if (SweepSidecar.TryRead(mergedDir) is { } sidecar
                && SweepReports.WriteIfComplete(sidecar, mergedDir, outcome.OutPath, SweepMethods.Default) is { } report)
                foreach (var f in report.All) AnsiConsole.MarkupLine($"[grey]wrote {Markup.Escape(f)}[/]");
            return 0;
        });
        return CommandGuard.Apply(cmd);
    }

    private static string Shorten(IReadOnlyList<string> ids) =>
        ids.Count <= 10 ? string.Join(", ", ids) : string.Join(", ", ids.Take(10)) + $", … ({ids.Count - 10} more)";
}
