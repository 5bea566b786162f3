using System.Diagnostics;
using SpikeFit.Experiments.Cli;

namespace SpikeFit.Experiments.Sweep;

/// <summary>Where and how a sweep runs.</summary>
public sealed record SweepOptions
{
    /// <summary>Output folder: <c>grid.json</c> and the table.</summary>
    public required string OutDir { get; init; }
    /// <summary>Run only this shard's points, into its own table; null = every point, into <c>points.csv</c>.</summary>
    public SweepShard? Shard { get; init; }
    /// <summary>Continue a table that already has rows (skipping them); without it such a table is an error.</summary>
    public bool Resume { get; init; }
    /// <summary>
    /// Start the table afresh: an earlier table (with its rows) is renamed <c>&lt;table&gt;.replaced-&lt;UTC time&gt;.csv</c>
    /// beside it, never deleted. Excludes <see cref="Resume"/>.
    /// </summary>
    public bool Overwrite { get; init; }
    /// <summary>The <c>commit</c> column (default: <c>git rev-parse</c>).</summary>
    public string? Commit { get; init; }
}

/// <summary>What the sweep tells its display.</summary>
public interface ISweepReporter
{
    /// <summary>The sweep is about to run <paramref name="todo"/> points; <paramref name="done"/> of the shard's <paramref name="shardTotal"/> are already in the table.</summary>
    void Started(SweepGrid grid, string tablePath, int shardTotal, int done, int todo) { }
    /// <summary>A note (a repaired table, …).</summary>
    void Warning(string message) { }
    /// <summary>A point starts.</summary>
    void PointStarted(SweepPoint point, int ordinal, int todo) { }
    /// <summary>The running point reports progress (fraction 0..1).</summary>
    void PointProgress(double fraction, string detail) { }
    /// <summary>A point finished and its row is in the table.</summary>
    void PointDone(SweepPoint point, IReadOnlyDictionary<string, string> row, double seconds, int ordinal, int todo) { }
    /// <summary>A point's runner threw; it is not recorded and reruns on --resume.</summary>
    void PointFailed(SweepPoint point, Exception error, int ordinal, int todo) { }
}

/// <summary>The outcome of <see cref="SweepEngine.Run"/>.</summary>
/// <param name="TablePath">The table written.</param>
/// <param name="ShardPoints">Points this run is responsible for (the shard's, or all).</param>
/// <param name="AlreadyDone">Points found in the table at the start (skipped).</param>
/// <param name="Completed">Points run and recorded now.</param>
/// <param name="Failed">Points whose runner threw: (id, message).</param>
/// <param name="Interrupted">Stopped early by Ctrl-C.</param>
public sealed record SweepOutcome(string TablePath, int ShardPoints, int AlreadyDone, int Completed,
    IReadOnlyList<(string Id, string Error)> Failed, bool Interrupted)
{
    /// <summary>Points of the shard still without a row.</summary>
    public int Remaining => ShardPoints - AlreadyDone - Completed;
}

/// <summary>
/// Runs the points of a grid (or of one shard) that its table does not hold yet, appending one
/// row per point atomically (<see cref="SweepTable"/>). Completed rows are never recomputed or lost:
/// a rerun with --resume skips them. A different grid in the same folder is refused, except that --resume
/// carries completed rows into a grid that still holds each of them unchanged (<see cref="SweepExtension"/>).
/// </summary>
public static class SweepEngine
{
    /// <summary>The table path of a sweep folder and shard.</summary>
    public static string TablePath(string outDir, SweepShard? shard) => Path.Combine(outDir, shard?.TableName ?? "points.csv");

    /// <summary>
    /// Runs the sweep. <paramref name="stopAfterPoint"/> (first Ctrl-C) lets the current point finish
    /// and record, then stops; <paramref name="abortPoint"/> (second Ctrl-C) is passed to the runner to
    /// abandon the current point, which then is not recorded.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder holds another grid, or rows without --resume, or another sweep is writing the table.</exception>
    public static SweepOutcome Run(SweepGrid grid, SweepMethods methods, SweepContext context, SweepOptions options,
        ISweepReporter? reporter = null, CancellationToken stopAfterPoint = default, CancellationToken abortPoint = default)
    {
        reporter ??= new SilentReporter();
        string dir = options.OutDir;
        Directory.CreateDirectory(dir);
        string tablePath = TablePath(dir, options.Shard);

        // One writer per table: a second sweep on the same shard would rewrite the table from its own
        // copy and drop the first one's rows. The OS releases the lock when the process dies (even kill -9).
        string lockPath = Path.Combine(dir, "." + Path.GetFileName(tablePath) + ".lock"); // hidden: an empty file that only carries the lock
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InvalidOperationException($"another sweep is writing {tablePath} (it holds {lockPath}). Wait for it, or use another --out or --shard.");
        }
        using var _ = lockFile;

        // Temporary files of a writer that was killed before its rename; we hold the lock, so none is live.
        foreach (var stale in Directory.EnumerateFiles(dir, Path.GetFileName(tablePath) + ".*.tmp")) File.Delete(stale);
        if (options.Overwrite && File.Exists(tablePath))
        {
            // We hold the table's lock, so no other sweep is writing it while it moves.
            reporter.Warning($"--overwrite: the earlier table is kept as {OutputFile.MoveAside(tablePath)}");
        }
        if (Changed(grid, dir, options) is { } earlier)
            reporter.Warning(SweepExtension.Apply(grid, SweepExtension.Check(grid, earlier, dir, options.Shard), dir));
        var existingSidecar = CheckSidecar(grid, dir);
        var table = OpenTable(grid, options, tablePath, context.DatasetName, context.DatasetSha256);
        if (existingSidecar is null) SweepSidecar.Of(grid).Write(dir);
        if (table.RepairWarning is not null)
        {
            reporter.Warning(table.RepairWarning);
            table.Save();
        }

        var mine = grid.PointsOf(options.Shard).ToList();
        var todo = mine.Where(p => !table.Contains(p.Id)).ToList();
        int done = mine.Count - todo.Count;
        if (!File.Exists(tablePath)) table.Save(); // an empty shard still leaves a table, so merge sees it ran
        reporter.Started(grid, tablePath, mine.Count, done, todo.Count);

        string commit = options.Commit ?? CommonOptions.GitCommit();
        var reserved = new HashSet<string>(SweepColumns.Reserved.Concat(grid.Keys), StringComparer.Ordinal);
        var failed = new List<(string, string)>();
        int completed = 0;
        bool interrupted = false;
        for (int n = 0; n < todo.Count; n++)
        {
            if (stopAfterPoint.IsCancellationRequested || abortPoint.IsCancellationRequested) { interrupted = true; break; }
            var point = todo[n];
            var runner = methods.Get(point.Method);
            reporter.PointStarted(point, n, todo.Count);
            context.ProgressSink = reporter.PointProgress;
            var clock = Stopwatch.StartNew();
            IReadOnlyDictionary<string, string> results;
            try
            {
                results = runner.Run(point, context, abortPoint);
            }
            catch (OperationCanceledException) when (abortPoint.IsCancellationRequested)
            {
                interrupted = true;
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException || e is InsufficientMemoryException)
            {
                // One bad point (a batch larger than the data, a network too big for the device, a driver
                // error) should not cost the rest of the sweep; it stays out of the table so --resume
                // retries it. A managed OutOfMemoryException means the process itself is in trouble: let it end.
                failed.Add((point.Id, e.Message));
                reporter.PointFailed(point, e, n, todo.Count);
                continue;
            }
            finally
            {
                context.ProgressSink = null;
            }
            double seconds = clock.Elapsed.TotalSeconds;

            var row = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SweepColumns.PointId] = point.Id,
                [SweepColumns.Index] = point.Index.ToString(),
            };
            foreach (var key in grid.Keys) row[key] = point.Text(key);
            foreach (var (column, value) in results)
            {
                if (reserved.Contains(column) || !SweepColumns.IsValidName(column, allowDash: false))
                    throw new InvalidOperationException($"the '{point.Method}' runner returned column '{column}', which is " +
                        (reserved.Contains(column) ? "a grid key or a column the sweep writes itself" : "not a snake_case column name") + "; rename it in the runner.");
                row[column] = value ?? "";
            }
            row["seconds"] = seconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
            row["device"] = context.DeviceName;
            row["host"] = Environment.MachineName;
            row["dataset"] = context.DatasetName;
            row["dataset_sha256"] = context.DatasetSha256;
            row["commit"] = commit;
            row["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");
            row[SweepColumns.GridHash] = grid.Hash;
            table.Append(row);
            completed++;
            reporter.PointDone(point, row, seconds, n, todo.Count);
        }
        return new SweepOutcome(tablePath, mine.Count, done, completed, failed, interrupted);
    }

    /// <summary>
    /// The checks <see cref="Run"/> makes before it runs anything, without writing: call it before
    /// loading data or opening a device so a wrong --out or a missing --resume fails at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">As <see cref="Run"/>.</exception>
    public static void Preflight(SweepGrid grid, SweepOptions options)
    {
        if (options.Resume && options.Overwrite)
            throw new ArgumentException("--resume continues the table and --overwrite starts it afresh; give one of them.");
        if (!Directory.Exists(options.OutDir)) return;
        if (Changed(grid, options.OutDir, options) is { } earlier)
        {
            SweepExtension.Check(grid, earlier, options.OutDir, options.Shard);
            return;
        }
        CheckSidecar(grid, options.OutDir);
        OpenTable(grid, options, TablePath(options.OutDir, options.Shard), "", "");
    }

    private static SweepTable OpenTable(SweepGrid grid, SweepOptions options, string tablePath, string datasetName, string datasetSha)
    {
        var table = SweepTable.Open(tablePath, grid.Keys);
        if (options.Overwrite) return table; // Preflight only: Run moves it aside before opening
        if (table.Rows.Count > 0 && !options.Resume)
            throw new InvalidOperationException($"{tablePath} already holds {table.Rows.Count} completed point(s). " +
                                                "Add --resume to continue it (completed points are skipped, never rerun), --overwrite to start afresh " +
                                                "(the table is kept as a replaced-<UTC time> copy beside it), or choose another --out.");
        var points = grid.Points.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            string id = row[SweepColumns.PointId];
            if (row.GetValueOrDefault(SweepColumns.GridHash) is { } hash && hash != grid.Hash)
                throw new InvalidOperationException($"{tablePath}: point {id} was computed for grid {hash}, but {grid.Source} is grid {grid.Hash}. Use another --out for a different grid.");
            if (!points.TryGetValue(id, out var point))
                throw new InvalidOperationException($"{tablePath}: point {id} is not a point of {grid.Source}. Use another --out for a different grid.");
            SweepRowCheck.Validate(row, tablePath, point.Index, point, grid.Keys);
            if (options.Shard is { } shard && !shard.Contains(int.Parse(row[SweepColumns.Index], System.Globalization.CultureInfo.InvariantCulture)))
                throw new InvalidOperationException($"{tablePath}: point {id} does not belong to shard {shard}; the table is damaged or was renamed.");
            string sha = row.GetValueOrDefault("dataset_sha256") ?? "";
            if (sha.Length > 0 && datasetSha.Length > 0 && sha != datasetSha)
                throw new InvalidOperationException($"{tablePath}: point {id} was computed on dataset {row.GetValueOrDefault("dataset")} (sha256 {sha[..Math.Min(12, sha.Length)]}…), " +
                                                    $"this run uses {datasetName} (sha256 {datasetSha[..Math.Min(12, datasetSha.Length)]}…). Use the same --dataset/--data, or another --out.");
        }
        return table;
    }

    /// <summary>With --resume, the folder's earlier grid record when it is another grid (a carry-over, <see cref="SweepExtension"/>); else null.</summary>
    private static SweepSidecar? Changed(SweepGrid grid, string dir, SweepOptions options) =>
        options.Resume && SweepSidecar.TryRead(dir) is { } existing && existing.GridHash != grid.Hash ? existing : null;

    /// <summary>The folder's recorded grid (null when it has none yet); throws when it is another grid.</summary>
    private static SweepSidecar? CheckSidecar(SweepGrid grid, string dir)
    {
        var existing = SweepSidecar.TryRead(dir);
        if (existing is not null && existing.GridHash != grid.Hash)
            throw new InvalidOperationException(
                $"{Path.Combine(dir, SweepSidecar.FileName)} records grid '{existing.Name}' (hash {existing.GridHash}, from {existing.Source}), " +
                $"but {grid.Source} is a different grid (hash {grid.Hash}). Resuming would mix two grids in one table: " +
                "use another --out for the new grid, or run the original grid file again " +
                "(or add --resume: rows whose settings are unchanged points of the new grid are carried over).");
        return existing;
    }

    private sealed class SilentReporter : ISweepReporter;
}
