using SpikeFit.Experiments.M4;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// The reports a grid can ask for (<c>"report": "m4"</c>), written from a complete table: by
/// <c>sweep</c> (and so <c>reproduce m4</c>) when its last point is done, and by <c>merge</c> when the
/// shards are combined. A report is a view of the table; it is rebuilt, never appended to.
/// </summary>
public static class SweepReports
{
    /// <summary>
    /// Writes the report of <paramref name="sidecar"/>'s grid into <paramref name="dir"/> from the
    /// table at <paramref name="tablePath"/>, when the grid asks for one and the table holds every point.
    /// </summary>
    /// <returns>The files written, or null when there is no report to write (none asked, or points missing).</returns>
    public static M4ReportFiles? WriteIfComplete(SweepSidecar sidecar, string dir, string tablePath, SweepMethods methods)
    {
        if (sidecar.Report != "m4") return null;
        var table = SweepTable.Open(tablePath, sidecar.Keys);
        if (sidecar.PointIds.Any(id => !table.Contains(id))) return null;
        return M4Report.Write(dir, M4Rows(table, methods));
    }

    /// <summary>
    /// Writes the report of the points <paramref name="tablePath"/> holds so far into <paramref name="outDir"/>
    /// (<c>spikefit report</c>), marked partial in summary.md when points are missing. Rows of points no longer
    /// in the grid (a replaced grid's) are left out.
    /// </summary>
    /// <exception cref="ArgumentException">The grid asks for no report.</exception>
    public static (M4ReportFiles Files, int Done, int Total) WriteSoFar(SweepSidecar sidecar, string tablePath, string outDir, SweepMethods methods)
    {
        if (sidecar.Report != "m4")
            throw new ArgumentException($"the grid of {tablePath} ({sidecar.Name}) asks for no report (its grid.json has no \"report\": \"m4\"); only reproduce m4 grids have one.");
        var table = SweepTable.Open(tablePath, sidecar.Keys);
        var ids = sidecar.PointIds.ToHashSet(StringComparer.Ordinal);
        var rows = M4Rows(table, methods, ids);
        int done = sidecar.PointIds.Count(table.Contains);
        string? partial = done == sidecar.PointIds.Count ? null
            : $"{done} of {sidecar.PointIds.Count} points finished ({tablePath}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC).";
        return (M4Report.Write(outDir, rows, partial: partial), done, sidecar.PointIds.Count);
    }

    /// <summary>
    /// The runs.csv rows of an M = 4 sweep table, ordered as the comparison reads: by net (in grid
    /// order), seed, method (in registry order) and bit-width.
    /// </summary>
    /// <param name="only">Point ids to take (null: every row).</param>
    /// <exception cref="InvalidDataException">A row was not computed by an M = 4 method.</exception>
    public static List<M4Row> M4Rows(SweepTable table, SweepMethods methods, IReadOnlySet<string>? only = null)
    {
        var rows = table.Rows
            .Where(r => only is null || only.Contains(r[SweepColumns.PointId]))
            .OrderBy(r => int.Parse(r[SweepColumns.Index], System.Globalization.CultureInfo.InvariantCulture))
            .Select(r =>
            {
                string method = r.GetValueOrDefault("method") ?? "";
                var runner = methods.Contains(method) ? methods.Get(method) as M4PointRunner : null;
                if (runner is null)
                    throw new InvalidDataException($"{table.Path}: point {r[SweepColumns.PointId]} ran method '{method}', which is not an M = 4 method; an m4 report takes only M = 4 methods.");
                return (Order: methods.Position(method), Row: M4Columns.FromSweep(r, runner.Method.RowName, table.Path));
            })
            .ToList();
        var nets = rows.Select(x => x.Row.Net).Distinct().ToList();
        return rows.OrderBy(x => nets.IndexOf(x.Row.Net)).ThenBy(x => x.Row.Seed).ThenBy(x => x.Order).ThenBy(x => x.Row.Bits)
            .Select(x => x.Row).ToList();
    }
}
