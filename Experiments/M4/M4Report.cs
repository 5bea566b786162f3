namespace SpikeFit.Experiments.M4;

/// <summary>The files <see cref="M4Report.Write"/> wrote.</summary>
/// <param name="Runs">runs.csv.</param>
/// <param name="Summary">summary.csv.</param>
/// <param name="Markdown">summary.md.</param>
/// <param name="Plots">The PNG figures (none when there are no rows).</param>
/// <param name="SummaryRows">The rows of summary.csv, for printing.</param>
/// <param name="ChipCoverage">chip_coverage.csv (null when no row recorded a coverage: a table from before the column).</param>
/// <param name="CoverageRows">Its rows (every model × chip), for --json.</param>
public sealed record M4ReportFiles(string Runs, string Summary, string Markdown, IReadOnlyList<string> Plots,
                                   IReadOnlyList<SummaryRow> SummaryRows, string? ChipCoverage = null, IReadOnlyList<ChipCoverageRow>? CoverageRows = null)
{
    /// <summary>Every file, tables first.</summary>
    public IEnumerable<string> All => new[] { Runs, Summary }.Concat(ChipCoverage is null ? [] : [ChipCoverage]).Append(Markdown).Concat(Plots);
}

/// <summary>The whole output of reproduce m4 from its per-model rows: tables, Markdown summary and plots.</summary>
public static class M4Report
{
    /// <summary>
    /// Writes runs.csv, summary.csv, summary.md and the PNG figures into <paramref name="folder"/> (created if
    /// needed). Each file is written to a temp file and renamed, so a crash never leaves a half-written one.
    /// <paramref name="provenance"/> defaults to what the rows carry (<see cref="M4Provenance.FromRows"/>).
    /// </summary>
    /// <param name="partial">For a report of an unfinished table: what is missing, stated under summary.md's header.</param>
    public static M4ReportFiles Write(string folder, IReadOnlyList<M4Row> rows, M4Provenance? provenance = null, string? partial = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(rows);
        Directory.CreateDirectory(folder);
        provenance ??= M4Provenance.FromRows(rows);
        string runs = Path.Combine(folder, RunsTable.FileName);
        RunsTable.Write(runs, rows);
        // Chip variants (grid key chip) are trained for one chip at the chip's own b and M: they enter only the
        // coverage table, not the M = 4 comparison (its statistics, verdicts and plots).
        var summary = SummaryTable.Build(rows.Where(r => r.Chip.Length == 0).ToList());
        string summaryCsv = Path.Combine(folder, SummaryTable.FileName);
        SummaryTable.Write(summaryCsv, summary);
        string md = Path.Combine(folder, SummaryMarkdown.FileName);
        var coverage = ChipCoverageTable.Build(rows);
        string? coverageCsv = null;
        if (coverage.Count > 0)
        {
            coverageCsv = Path.Combine(folder, ChipCoverageTable.FileName);
            ChipCoverageTable.Write(coverageCsv, coverage);
        }
        string section = ChipCoverageTable.Markdown(coverage, rows.Count(r => r.ChipCoverage.Length == 0));
        WriteText(md, SummaryMarkdown.Render(summary, provenance, partial) + (section.Length > 0 ? Environment.NewLine + section : ""));
        var plots = M4Plots.Write(folder, summary);
        return new M4ReportFiles(runs, summaryCsv, md, plots, summary, coverageCsv, coverage);
    }

    /// <summary>Rebuilds summary.csv, summary.md and the plots from an existing runs.csv (e.g. after a resumed run).</summary>
    public static M4ReportFiles Rebuild(string folder, M4Provenance? provenance = null) =>
        Write(folder, RunsTable.Read(Path.Combine(folder, RunsTable.FileName)), provenance);

    private static void WriteText(string path, string text)
    {
        Training.IO.AtomicFile.WriteAllText(path, text);
    }
}
