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
    /// The runs.csv rows of an M = 4 sweep table, ordered as the comparison reads: by net (in grid
    /// order), seed, method (in registry order) and bit-width.
    /// </summary>
    /// <exception cref="InvalidDataException">A row was not computed by an M = 4 method.</exception>
    public static List<M4Row> M4Rows(SweepTable table, SweepMethods methods)
    {
        var rows = table.Rows
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
