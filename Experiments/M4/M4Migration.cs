using System.Globalization;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Experiments.Sweep;

namespace SpikeFit.Experiments.M4;

/// <summary>What <see cref="M4Migration.Import"/> did.</summary>
/// <param name="Imported">runs.csv rows now in the sweep table as points of the grid.</param>
/// <param name="Unmatched">Rows of runs.csv that are no point of the grid (another preset, net, seed or bit-width), with the reason.</param>
/// <param name="Missing">Points of the grid that runs.csv did not hold (they run on --resume).</param>
public sealed record M4MigrationOutcome(int Imported, IReadOnlyList<string> Unmatched, int Missing);

/// <summary>
/// Moves a <c>runs.csv</c> written before the one engine (reproduce m4 kept only runs.csv) into the
/// sweep table of the preset's grid, so <c>reproduce m4 --resume</c> continues it: each row becomes the
/// point with the same method, net, seed, bit-width and preset, its cells unchanged. Rows that match no
/// point are listed and left out; nothing is recomputed and runs.csv itself is not touched.
/// </summary>
public static class M4Migration
{
    /// <summary>Writes <c>points.csv</c> and <c>grid.json</c> into <paramref name="dir"/> from its runs.csv.</summary>
    /// <exception cref="InvalidOperationException">No runs.csv, or the folder already has a sweep table.</exception>
    public static M4MigrationOutcome Import(SweepGrid grid, string dir, M4Methods methods)
    {
        string runs = Path.Combine(dir, RunsTable.FileName);
        string table = SweepEngine.TablePath(dir, null);
        if (!File.Exists(runs)) throw new InvalidOperationException($"{runs} does not exist: there is nothing to migrate.");
        if (File.Exists(table) || SweepSidecar.TryRead(dir) is not null)
            throw new InvalidOperationException($"{dir} already holds a sweep table or grid.json: it was migrated or written by this version. Use --resume to continue it.");
        var rows = RunsTable.Read(runs);
        var byKey = grid.Points.ToDictionary(p => PointKey(p, methods), p => p);
        var sweep = SweepTable.Empty(table, grid.Keys);
        var unmatched = new List<string>();
        foreach (var row in rows)
        {
            string key = $"{row.Method}|{row.Net}|{row.Seed}|{row.Bits}|{row.Preset}";
            if (!byKey.TryGetValue(key, out var point))
            {
                unmatched.Add($"{row.Method} {row.Net} seed {row.Seed} b={row.Bits} preset {row.Preset}: no such point in {grid.Name}");
                continue;
            }
            if (sweep.Contains(point.Id))
            {
                unmatched.Add($"{row.Method} {row.Net} seed {row.Seed} b={row.Bits}: a second row for one point (the first is kept)");
                continue;
            }
            var cells = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SweepColumns.PointId] = point.Id,
                [SweepColumns.Index] = point.Index.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var k in grid.Keys) cells[k] = point.Text(k);
            foreach (var (k, v) in M4Columns.ToSweep(row)) cells[k] = v;
            cells["seconds"] = row.TrainSeconds.ToString("F3", CultureInfo.InvariantCulture);
            cells["device"] = row.Device;
            cells["host"] = "";
            cells["dataset"] = row.Dataset;
            cells["dataset_sha256"] = row.DatasetSha256;
            cells["commit"] = row.Commit;
            cells["date"] = row.Date;
            cells[SweepColumns.GridHash] = grid.Hash;
            sweep.Add(cells);
        }
        SweepSidecar.Of(grid).Write(dir);
        sweep.Save();
        return new M4MigrationOutcome(rows.Count - unmatched.Count, unmatched, grid.Points.Count(p => !sweep.Contains(p.Id)));
    }

    /// <summary>method row name | net | seed | bits as recorded in runs.csv | preset.</summary>
    private static string PointKey(SweepPoint point, M4Methods methods)
    {
        var method = methods.Get(point.Method);
        int bits = method.UsesBits ? point.GetInt("bits", 4) : method.FixedBits;
        return $"{method.RowName}|{point.GetString("net", "mlp")}|{point.GetInt("seed", 1)}|{bits}|{point.GetString("preset", "sweep")}";
    }
}
