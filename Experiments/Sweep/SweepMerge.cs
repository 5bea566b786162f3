using System.Globalization;
using System.Text.RegularExpressions;

namespace SpikeFit.Experiments.Sweep;

/// <summary>The outcome of <see cref="SweepMerge.Merge"/>.</summary>
/// <param name="OutPath">The merged table's path.</param>
/// <param name="Tables">The tables read.</param>
/// <param name="GridPoints">Points in the grid.</param>
/// <param name="Rows">Distinct points found.</param>
/// <param name="Missing">Ids of grid points no table holds, in grid order.</param>
/// <param name="MissingByShard">For each shard count N seen in shard file names: shard index → its missing ids.</param>
/// <param name="Notes">Repaired torn lines, identical duplicates and the like.</param>
/// <param name="Written">Whether the merged table was written (not when points are missing and that is not allowed).</param>
public sealed record MergeOutcome(string OutPath, IReadOnlyList<string> Tables, int GridPoints, int Rows,
    IReadOnlyList<string> Missing, IReadOnlyDictionary<int, SortedDictionary<int, List<string>>> MissingByShard,
    IReadOnlyList<string> Notes, bool Written);

/// <summary>
/// Combines sweep tables (shards, or runs on several machines) into one <c>points.csv</c> ordered by
/// point index. Refuses tables of different grids, and duplicate points whose results differ;
/// reports missing points. The merged folder gets the grid's <c>grid.json</c>, so it is itself a
/// sweep folder: <c>sweep GRID --resume --out</c> there runs only the missing points.
/// </summary>
public static partial class SweepMerge
{
    [GeneratedRegex(@"^points\.shard-(\d+)-of-(\d+)\.csv$")]
    private static partial Regex ShardName();

    /// <summary>The tables of a sweep folder: <c>points.csv</c> and every <c>points.shard-i-of-N.csv</c>.</summary>
    public static IReadOnlyList<string> TablesIn(string dir) =>
        Directory.EnumerateFiles(dir, "points*.csv")
            .Where(f => Path.GetFileName(f) == "points.csv" || ShardName().IsMatch(Path.GetFileName(f)))
            .OrderBy(f => ShardName().Match(Path.GetFileName(f)) is { Success: true } m
                ? (int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                : (0, 0))
            .ToList();

    /// <summary>
    /// Merges the tables of <paramref name="inputs"/> (sweep folders, or table files whose folder
    /// holds the grid.json) into <paramref name="outPath"/> (default: points.csv of the one folder
    /// they all live in).
    /// </summary>
    /// <exception cref="InvalidOperationException">Mismatched grids or datasets, conflicting duplicates, no tables, or no --out for several folders.</exception>
    public static MergeOutcome Merge(IReadOnlyList<string> inputs, string? outPath, bool allowIncomplete)
    {
        if (inputs.Count == 0) throw new ArgumentException("merge: give at least one sweep folder.");
        var tables = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                var found = TablesIn(input);
                if (found.Count == 0)
                    throw new InvalidOperationException($"{input} holds no points.csv or points.shard-i-of-N.csv; is it a sweep --out folder?");
                tables.AddRange(found);
            }
            else if (File.Exists(input)) tables.Add(input);
            else throw new InvalidOperationException($"{input} does not exist.");
        }
        tables = tables.Select(Path.GetFullPath).Distinct().ToList();

        // Every table's folder must record the same grid.
        SweepSidecar? grid = null;
        string gridFile = "";
        foreach (var dir in tables.Select(t => Path.GetDirectoryName(t)!).Distinct())
        {
            var sidecar = SweepSidecar.TryRead(dir)
                ?? throw new InvalidOperationException($"{dir} has no {SweepSidecar.FileName}; merge needs it to know the grid's points (spikefit sweep writes it into --out).");
            string file = Path.Combine(dir, SweepSidecar.FileName);
            if (grid is null) { grid = sidecar; gridFile = file; }
            else if (sidecar.GridHash != grid.GridHash)
                throw new InvalidOperationException($"different grids: {gridFile} is grid '{grid.Name}' (hash {grid.GridHash}) but {file} is grid '{sidecar.Name}' " +
                                                    $"(hash {sidecar.GridHash}). Merge only the shards of one grid.");
        }
        if (grid is null) throw new InvalidOperationException("merge: no tables found.");

        string outFull;
        if (outPath is not null) outFull = Path.GetFullPath(outPath);
        else
        {
            var dirs = tables.Select(t => Path.GetDirectoryName(t)!).Distinct().ToList();
            if (dirs.Count > 1)
                throw new InvalidOperationException($"the tables live in {dirs.Count} folders ({string.Join(", ", dirs)}); say where the merged table goes with --out FILE.");
            outFull = Path.Combine(dirs[0], "points.csv");
        }

        var notes = new List<string>();
        var index = grid.PointIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var merged = new Dictionary<string, (IReadOnlyDictionary<string, string> Row, string Table)>(StringComparer.Ordinal);
        var resultColumns = new List<string>();
        string? datasetSha = null, datasetTable = null;
        foreach (var path in tables)
        {
            var table = SweepTable.Open(path, grid.Keys);
            if (table.RepairWarning is not null) notes.Add(table.RepairWarning);
            foreach (var c in table.ResultColumns)
                if (!resultColumns.Contains(c)) resultColumns.Add(c);
            foreach (var row in table.Rows)
            {
                string id = row[SweepColumns.PointId];
                if (row.GetValueOrDefault(SweepColumns.GridHash) is { } hash && hash != grid.GridHash)
                    throw new InvalidOperationException($"{path}: point {id} belongs to grid {hash}, not to grid {grid.GridHash} of {gridFile}. Merge only the shards of one grid.");
                if (!index.ContainsKey(id))
                    throw new InvalidOperationException($"{path}: point {id} is not a point of grid '{grid.Name}' ({gridFile}).");
                SweepRowCheck.Validate(row, path, index[id], null, grid.Keys);
                string sha = row.GetValueOrDefault("dataset_sha256") ?? "";
                if (sha.Length > 0)
                {
                    if (datasetSha is null) { datasetSha = sha; datasetTable = path; }
                    else if (sha != datasetSha)
                        throw new InvalidOperationException($"different datasets: {datasetTable} has rows computed on dataset sha256 {datasetSha[..12]}…, {path} on {sha[..Math.Min(12, sha.Length)]}…. Merge only shards run on the same data.");
                }
                if (merged.TryGetValue(id, out var first))
                {
                    string? conflict = FirstDifference(first.Row, row);
                    if (conflict is not null)
                        throw new InvalidOperationException($"point {id} has different results in {first.Table} ({conflict}={first.Row.GetValueOrDefault(conflict)}) " +
                                                            $"and {path} ({conflict}={row.GetValueOrDefault(conflict)}). Delete the wrong row, then merge again.");
                    notes.Add($"point {id} is in both {first.Table} and {path} with the same results; kept the first.");
                    continue;
                }
                merged[id] = (row, path);
            }
        }

        var missing = grid.PointIds.Where(id => !merged.ContainsKey(id)).ToList();
        var byShard = new Dictionary<int, SortedDictionary<int, List<string>>>();
        foreach (var n in tables.Select(t => ShardName().Match(Path.GetFileName(t))).Where(m => m.Success)
                     .Select(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).Distinct())
        {
            var groups = new SortedDictionary<int, List<string>>();
            foreach (var id in missing)
            {
                int shard = index[id] % n;
                if (!groups.TryGetValue(shard, out var list)) groups[shard] = list = new List<string>();
                list.Add(id);
            }
            byShard[n] = groups;
        }

        bool write = missing.Count == 0 || allowIncomplete;
        if (write)
        {
            var outDir = Path.GetDirectoryName(outFull)!;
            var existing = SweepSidecar.TryRead(outDir);
            if (existing is not null && existing.GridHash != grid.GridHash)
                throw new InvalidOperationException($"{Path.Combine(outDir, SweepSidecar.FileName)} records another grid (hash {existing.GridHash}); choose another --out.");
            var header = SweepColumns.Header(grid.Keys, resultColumns);
            SweepTable.WriteAtomic(outFull, header, merged.Values.Select(v => v.Row).OrderBy(r => index[r[SweepColumns.PointId]]));
            if (existing is null) grid.Write(outDir);
        }
        return new MergeOutcome(outFull, tables, grid.PointIds.Count, merged.Count, missing, byShard, notes, write);
    }

    /// <summary>The first non-volatile column on which two rows of one point differ, or null.</summary>
    public static string? FirstDifference(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Keys.Union(b.Keys).Where(c => !SweepColumns.IsVolatile(c)).Order(StringComparer.Ordinal)
            .FirstOrDefault(c => (a.GetValueOrDefault(c) ?? "") != (b.GetValueOrDefault(c) ?? ""));
}
