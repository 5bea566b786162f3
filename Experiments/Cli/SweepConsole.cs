using System.Diagnostics;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Training.Data;
using Spectre.Console;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// Runs a sweep on the console: loads the data, opens the device, shows progress (live bars on a
/// terminal, one line per point in logs), handles Ctrl-C (finish the point, then stop; twice: abandon
/// it), and writes the grid's report when the table is complete. Used by <c>sweep</c> and
/// <c>reproduce m4</c> alike.
/// </summary>
public static class SweepConsole
{
    /// <summary>Runs the sweep with console progress; exit code 0 (done), 1 (points failed), 130 (Ctrl-C).</summary>
    internal static int Run(SweepGrid grid, SweepMethods methods, SweepOptions options, string datasetName, string? dataDir,
        string device, FileInfo? json) => RunWithReport(grid, methods, options, datasetName, dataDir, device, json).ExitCode;

    /// <summary>What <see cref="RunWithReport"/> did: the exit code, the engine's outcome, and the report files (when the grid asked for one and it is complete).</summary>
    internal sealed record SweepRun(int ExitCode, SweepOutcome Outcome, M4.M4ReportFiles? Report, string Device, Training.Data.Dataset Dataset);

    /// <summary>
    /// Runs the sweep with console progress and, when the whole grid is done in one table and the
    /// grid asks for a report (<c>"report": "m4"</c>), writes it beside the table.
    /// </summary>
    internal static SweepRun RunWithReport(SweepGrid grid, SweepMethods methods, SweepOptions options, string datasetName, string? dataDir,
        string device, FileInfo? json)
    {
        SweepEngine.Preflight(grid, options); // a wrong --out or a missing --resume fails before data and device load
        AnsiConsole.MarkupLine($"[bold]sweep:[/] {Markup.Escape(grid.Name)} — {grid.Points.Count} points (grid hash {grid.Hash})" +
                               (options.Shard is { } sh ? $", shard {sh} ({grid.PointsOf(sh).Count()} points)" : "") +
                               $" → {Markup.Escape(SweepEngine.TablePath(options.OutDir, options.Shard))}");
        var dataset = DatasetLoader.Load(datasetName, dataDir, CommonOptions.DatasetOptions());
        AnsiConsole.MarkupLine($"[bold]data:[/] {Markup.Escape(dataset.Describe())}");
        var selection = CommonOptions.OpenBackend(device);
        using var backend = selection.Backend;
        var context = new SweepContext(options.OutDir, backend, dataset);

        using var stopAfterPoint = new CancellationTokenSource();
        using var abortPoint = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // the table is always intact; finish or abandon the point, then exit cleanly
            if (!stopAfterPoint.IsCancellationRequested)
            {
                stopAfterPoint.Cancel();
                AnsiConsole.MarkupLine("[yellow]stopping after the current point (Ctrl-C again to abandon it)…[/]");
            }
            else
            {
                abortPoint.Cancel();
                AnsiConsole.MarkupLine("[yellow]abandoning the current point (it reruns on --resume)…[/]");
            }
        };
        Console.CancelKeyPress += onCancel;
        SweepOutcome outcome;
        try
        {
            if (Console.IsOutputRedirected)
                outcome = SweepEngine.Run(grid, methods, context, options, new ConsoleReporter(null), stopAfterPoint.Token, abortPoint.Token);
            else
            {
                outcome = null!;
                AnsiConsole.Progress().AutoClear(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(),
                        new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx => outcome = SweepEngine.Run(grid, methods, context, options, new ConsoleReporter(ctx), stopAfterPoint.Token, abortPoint.Token));
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        int total = outcome.ShardPoints;
        int have = outcome.AlreadyDone + outcome.Completed;
        string scope = options.Shard is { } shard ? $"shard {shard}" : "sweep";
        CommonOptions.WriteJson(json, new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))),
            grid = new { grid.Name, grid.Hash, grid.Source, points = grid.Points.Count, keys = grid.Keys },
            shard = options.Shard?.ToString(),
            table = outcome.TablePath,
            device = context.DeviceName,
            dataset = new { dataset.Name, dataset.Sha256 },
            shardPoints = total,
            outcome.AlreadyDone,
            outcome.Completed,
            failed = outcome.Failed.Select(f => new { id = f.Id, error = f.Error }).ToList(),
            outcome.Remaining,
            outcome.Interrupted,
        });
        if (outcome.Interrupted)
        {
            AnsiConsole.MarkupLine($"[yellow]stopped:[/] {scope} has {have}/{total} points in {Markup.Escape(outcome.TablePath)}; " +
                                   "continue with the same command plus --resume.");
            return new SweepRun(130, outcome, null, context.DeviceName, dataset);
        }
        if (outcome.Failed.Count > 0)
        {
            AnsiConsole.MarkupLine($"[red]{outcome.Failed.Count} point(s) failed[/] ({Markup.Escape(string.Join(", ", outcome.Failed.Select(f => f.Id)))}); " +
                                   $"{have}/{total} points in {Markup.Escape(outcome.TablePath)}. Fix the cause and rerun with --resume to retry them.");
            return new SweepRun(1, outcome, null, context.DeviceName, dataset);
        }
        AnsiConsole.MarkupLine($"[green]done:[/] {scope} complete, {have}/{total} points in {Markup.Escape(outcome.TablePath)} " +
                               $"({outcome.Completed} run now, {outcome.AlreadyDone} already there).");
        if (options.Shard is not null)
            AnsiConsole.MarkupLine($"when every shard is done: [bold]spikefit merge {Markup.Escape(options.OutDir)}[/]");
        M4.M4ReportFiles? report = null;
        if (options.Shard is null && grid.Report is not null)
        {
            report = SweepReports.WriteIfComplete(SweepSidecar.Of(grid), options.OutDir, outcome.TablePath, methods);
            if (report is not null)
                foreach (var f in report.All) AnsiConsole.MarkupLine($"[grey]wrote {Markup.Escape(f)}[/]");
        }
        return new SweepRun(0, outcome, report, context.DeviceName, dataset);
    }

    /// <summary>
    /// Sweep progress: on a terminal, a bar for the sweep (points done, ETA) and one for the current
    /// point; on redirected output (logs, Slurm) plain lines. Either way one line per finished point.
    /// </summary>
    private sealed class ConsoleReporter(ProgressContext? progress) : ISweepReporter
    {
        private readonly Stopwatch _clock = new();
        private ProgressTask? _overall, _current;
        private SweepGrid? _grid;
        private int _done, _shardTotal, _completedNow;
        private string _scope = "";

        public void Started(SweepGrid grid, string tablePath, int shardTotal, int done, int todo)
        {
            _grid = grid;
            _done = done;
            _shardTotal = shardTotal;
            _clock.Start();
            _scope = Path.GetFileName(tablePath);
            if (done > 0)
                AnsiConsole.MarkupLine($"[grey]resuming: {done} of {shardTotal} points already in {Markup.Escape(tablePath)}; {todo} to run[/]");
            if (progress is not null && todo > 0)
            {
                _overall = progress.AddTask(OverallText(), maxValue: todo);
                _current = progress.AddTask("starting…", maxValue: 1);
            }
        }

        private string OverallText() => Markup.Escape($"{_grid!.Name}: {_done}/{_shardTotal} points");

        public void Warning(string message) => AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

        public void PointStarted(SweepPoint point, int ordinal, int todo)
        {
            if (_current is null) return;
            _current.Value = 0;
            _current.Description = Markup.Escape($"{point.Id} {Describe(point)}");
        }

        public void PointProgress(double fraction, string detail)
        {
            if (_current is null) return;
            _current.Value = fraction;
            if (_overall is not null) _overall.Value = _completedNow + fraction; // a smooth ETA within long points
        }

        public void PointDone(SweepPoint point, IReadOnlyDictionary<string, string> row, double seconds, int ordinal, int todo)
        {
            _done++;
            _completedNow++;
            var results = row.Keys.Where(k => !SweepColumns.Reserved.Contains(k) && !_grid!.Keys.Contains(k)).Take(2)
                .Select(k => $"{k} {Shown(row[k])}");
            AnsiConsole.MarkupLine($"[green]✓[/] [[{_done}/{_shardTotal}]] {Markup.Escape(point.Id)} {Markup.Escape(Describe(point))}: " +
                                   $"[bold]{Markup.Escape(string.Join(", ", results))}[/] ({seconds:F1} s{Eta(ordinal, todo)})");
            if (_overall is not null)
            {
                _overall.Value = _completedNow;
                _overall.Description = OverallText();
            }
        }

        /// <summary>A result for the progress line: a number to 6 significant digits (87.94999999999999 → 87.95; the table keeps every digit), anything else as written.</summary>
        private static string Shown(string value) =>
            double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double x) && value.Length > 8
                ? x.ToString("G6", System.Globalization.CultureInfo.InvariantCulture) : value;

        public void PointFailed(SweepPoint point, Exception error, int ordinal, int todo) =>
            AnsiConsole.MarkupLine($"[red]✗[/] {Markup.Escape(point.Id)} {Markup.Escape(Describe(point))}: [red]{Markup.Escape(error.Message)}[/] (not recorded; retried on --resume)");

        private string Eta(int ordinal, int todo)
        {
            int left = todo - ordinal - 1;
            if (left <= 0 || progress is not null) return ""; // the live bar shows its own ETA
            var eta = TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / (ordinal + 1) * left);
            return $"; {left} left, ETA {(eta.TotalHours >= 1 ? $"{(int)eta.TotalHours}h{eta.Minutes:D2}m" : $"{eta.Minutes}m{eta.Seconds:D2}s")}";
        }

        // The keys a reader looks for first; a grid of many varied keys (a union of blocks, such as
        // reproduce m4's, where each net brings its own budget) shows these and a few more.
        private static readonly string[] Priority = ["method", "net", "bits", "m", "seed"];

        private string Describe(SweepPoint point)
        {
            if (_grid!.AxisKeys.Count == 0) return $"method={point.Method}";
            var keys = _grid.AxisKeys.Count <= 5 ? _grid.AxisKeys
                : _grid.AxisKeys.OrderBy(k => Array.IndexOf(Priority, k) is int i && i >= 0 ? i : Priority.Length).Take(5).ToList();
            return point.Describe(keys.Where(point.Has));
        }
    }
}
