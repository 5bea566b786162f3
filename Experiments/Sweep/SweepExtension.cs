using SpikeFit.Experiments.Cli;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// <c>--resume</c> into a folder whose grid has changed: when every completed row is, setting for
/// setting, a point of the new grid (same canonical key values: a method or a seed was added, not a
/// budget changed), the rows are carried into the new grid (new index, point id and grid hash) and only
/// the new points run. The earlier table and grid record are kept beside them
/// (<c>points.replaced-&lt;UTC&gt;.csv</c>, <c>grid.replaced-&lt;UTC&gt;.json</c>). A row that matches no new
/// point means a setting changed, and is refused: mixing it in would compare two settings in one table.
/// </summary>
public static class SweepExtension
{
    /// <summary>What a carry-over would do.</summary>
    /// <param name="Rows">The completed rows re-keyed to the new grid.</param>
    /// <param name="NewPoints">Points of the new grid that no completed row covers.</param>
    public sealed record Plan(SweepSidecar Earlier, IReadOnlyList<Dictionary<string, string>> Rows, int NewPoints);

    /// <summary>
    /// The carry-over of the folder's completed rows into <paramref name="grid"/>, without writing.
    /// </summary>
    /// <exception cref="InvalidOperationException">A shard, other shard tables in the folder, or a completed row that is no point of the new grid.</exception>
    public static Plan Check(SweepGrid grid, SweepSidecar earlier, string dir, SweepShard? shard)
    {
        string what = $"{Path.Combine(dir, SweepSidecar.FileName)} records grid '{earlier.Name}' (hash {earlier.GridHash}), but {grid.Source} is grid {grid.Hash}";
        // Point indices (and so shard membership) move when a grid gains points: carry over one whole table only.
        if (shard is not null)
            throw new InvalidOperationException($"{what}. A changed grid is carried over only without --shard: merge the shards first (spikefit merge), then --resume the merged folder.");
        var shardTables = SweepMerge.TablesIn(dir).Where(f => Path.GetFileName(f) != "points.csv").ToList();
        if (shardTables.Count > 0)
            throw new InvalidOperationException($"{what}, and the folder holds shard tables ({Path.GetFileName(shardTables[0])}…). Merge them first (spikefit merge), then --resume the merged folder.");
        var table = SweepTable.Open(SweepEngine.TablePath(dir, null), earlier.Keys);
        var byHash = grid.Points.ToDictionary(p => HashOf(p.Id), StringComparer.Ordinal);
        var rows = new List<Dictionary<string, string>>();
        foreach (var row in table.Rows)
        {
            string id = row[SweepColumns.PointId];
            if (!byHash.TryGetValue(HashOf(id), out var point))
            {
                string settings = string.Join(", ", earlier.Keys.Where(k => row.GetValueOrDefault(k) is { Length: > 0 }).Select(k => $"{k}={row[k]}"));
                throw new InvalidOperationException(
                    $"{what}, and completed point {id} ({settings}) is no point of the new grid: a setting it ran with changed, so its row cannot be carried over. " +
                    "Use another --out for the new grid, or run the original grid file again.");
            }
            var carried = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SweepColumns.PointId] = point.Id,
                [SweepColumns.Index] = point.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            foreach (var key in grid.Keys) carried[key] = point.Text(key);
            foreach (var column in table.ResultColumns.Where(c => !grid.Keys.Contains(c))) carried[column] = row[column];
            foreach (var column in SweepColumns.Trail) carried[column] = row.GetValueOrDefault(column) ?? "";
            carried[SweepColumns.GridHash] = grid.Hash;
            rows.Add(carried);
        }
        return new Plan(earlier, rows, grid.Points.Count - rows.Count);
    }

    /// <summary>Writes the carried table and the new grid record, keeping the earlier ones beside them; returns a line for the user.</summary>
    public static string Apply(SweepGrid grid, Plan plan, string dir)
    {
        string tablePath = SweepEngine.TablePath(dir, null);
        var resultColumns = plan.Rows.SelectMany(r => r.Keys)
            .Where(c => !SweepColumns.Reserved.Contains(c) && !grid.Keys.Contains(c)).Distinct().ToList();
        string keptTable = File.Exists(tablePath) ? OutputFile.MoveAside(tablePath) : "(no table yet)";
        string keptGrid = OutputFile.MoveAside(Path.Combine(dir, SweepSidecar.FileName));
        var ordered = plan.Rows.OrderBy(r => int.Parse(r[SweepColumns.Index], System.Globalization.CultureInfo.InvariantCulture))
            .Select(r => resultColumns.Aggregate(r, (acc, c) => { acc.TryAdd(c, ""); return acc; }));
        SweepTable.WriteAtomic(tablePath, SweepColumns.Header(grid.Keys, resultColumns), ordered);
        SweepSidecar.Of(grid).Write(dir);
        return $"the grid changed ('{plan.Earlier.Name}' {plan.Earlier.GridHash} → '{grid.Name}' {grid.Hash}): {plan.Rows.Count} completed point(s) carried over, " +
               $"{plan.NewPoints} new point(s) to run; the earlier table and grid record are kept as {Path.GetFileName(keptTable)} and {Path.GetFileName(keptGrid)}.";
    }

    /// <summary>The settings hash of a point id (<c>0007-3fa9c2d1</c> → <c>3fa9c2d1</c>): what stays when points are added.</summary>
    private static string HashOf(string id) => id[(id.IndexOf('-') + 1)..];
}
