using System.CommandLine;
using System.Diagnostics;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.Sweep;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit sweep GRID.json</c>: runs a hyperparameter grid point by point into a resumable,
/// shardable table (see Experiments/Sweep/SWEEP.md); <c>--emit-slurm</c> writes a job-array script instead.
/// </summary>
public static class SweepCommand
{
    /// <summary>The command, using <see cref="SweepMethods.Default"/>.</summary>
    public static Command Create() => Create(SweepMethods.Default);

    /// <summary>The command with a given method registry (tests pass one with fake runners).</summary>
    public static Command Create(SweepMethods methods)
    {
        var gridArg = new Argument<string>("GRID") { Description = "Grid file: {\"name\", \"base\": {key: value}, \"grid\": {key: [values]}}, e.g. Experiments/examples/sweep-lr-mlp.json" };
        var shard = new Option<string?>("--shard") { Description = "Run only shard i of N (0-based): the points k with k mod N = i, e.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" };
        var resume = new Option<bool>("--resume") { Description = "Continue the table in --out: skip the points it already holds" };
        var output = new Option<string?>("--out") { Description = "Output folder for grid.json and the table (default results/sweep/<grid name>)" };
        var device = CommonOptions.Device();
        var dataset = new Option<string>("--dataset") { Description = "Dataset: fashion-mnist (default), mnist, kmnist, synthetic (tiny built-in), or any IDX folder via --data", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files (gz or raw)" };
        var json = CommonOptions.Json();
        var list = new Option<bool>("--list") { Description = "Print the expanded points (ids, shards) and exit without running" };
        var emit = new Option<bool>("--emit-slurm") { Description = "Write a Slurm job-array script for the sweep (one task per shard) and exit without running" };
        var shards = new Option<int?>("--shards") { Description = "With --emit-slurm or --list: the number of shards (default: one per point, at most 1000)" };
        var slurmOut = new Option<string?>("--slurm-out") { Description = "With --emit-slurm: the script's path (default <out>/<grid name>.sbatch)" };
        var cmd = new Command("sweep", "Run a hyperparameter grid: resumable (--resume), shardable (--shard i/N, --emit-slurm), one CSV row per point");
        cmd.Arguments.Add(gridArg);
        foreach (var o in new Option[] { shard, resume, output, device, dataset, data, json, list, emit, shards, slurmOut })
            cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var shardSpec = parse.GetValue(shard) is { } s ? SweepShard.Parse(s) : (SweepShard?)null;
            var grid = SweepGrid.Load(parse.GetValue(gridArg)!, methods);
            string outDir = parse.GetValue(output) ?? Path.Combine("results", "sweep", grid.Name);
            string datasetName = parse.GetValue(dataset)!;
            string? dataDir = parse.GetValue(data);
            string deviceName = parse.GetValue(device)!;
            if (parse.GetValue(shards) is < 1)
                throw new ArgumentException($"--shards must be at least 1, got {parse.GetValue(shards)}.");
            if (parse.GetValue(list))
                return List(grid, shardSpec?.Count ?? parse.GetValue(shards));
            if (parse.GetValue(emit))
            {
                if (shardSpec is not null) throw new ArgumentException("--emit-slurm writes the script for every shard; leave out --shard (use --shards N for the count).");
                return EmitSlurm(grid, grid.Source, outDir, parse.GetValue(shards), datasetName, dataDir, deviceName, parse.GetValue(slurmOut));
            }
            if (parse.GetValue(shards) is not null)
                throw new ArgumentException("--shards goes with --emit-slurm or --list; to run one shard use --shard i/N.");
            return Run(grid, methods, new SweepOptions { OutDir = outDir, Shard = shardSpec, Resume = parse.GetValue(resume) },
                datasetName, dataDir, deviceName, parse.GetValue(json));
        });
        return cmd;
    }

    /// <summary>Writes the Slurm job-array script that runs <paramref name="gridPath"/> shard by shard into <paramref name="outDir"/>.</summary>
    internal static int EmitSlurm(SweepGrid grid, string gridPath, string outDir, int? shards, string datasetName, string? dataDir,
        string deviceName, string? slurmOut)
    {
        var args = new List<string> { "--dataset", datasetName, "--device", deviceName };
        if (dataDir is not null) args.AddRange(["--data", Path.GetFullPath(dataDir)]);
        int n = shards ?? SlurmScript.DefaultShards(grid);
        string script = SlurmScript.Build(grid, gridPath, outDir, n, args, CommonOptions.GitCommit());
        string path = slurmOut ?? Path.Combine(outDir, grid.Name + ".sbatch");
        Directory.CreateDirectory(outDir); // Slurm does not create the folder of --output; the logs go there
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, script);
        AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(path)}: a job array of {n} task(s) over {grid.Points.Count} points (grid hash {grid.Hash}).");
        AnsiConsole.MarkupLine($"submit with: [bold]sbatch {Markup.Escape(path)}[/]; afterwards: [bold]spikefit merge {Markup.Escape(outDir)}[/]");
        return 0;
    }

    internal static int List(SweepGrid grid, int? shards)
    {
        AnsiConsole.MarkupLine($"[bold]grid:[/] {Markup.Escape(grid.Name)} — {grid.Points.Count} points, hash {grid.Hash}" +
                               (grid.AxisKeys.Count > 0 ? $", varying {Markup.Escape(string.Join(", ", grid.AxisKeys))}" : ""));
        var table = new Table().Border(TableBorder.Rounded).AddColumn("point_id");
        if (shards is int n) table.AddColumn($"shard (of {n})");
        foreach (var k in grid.Keys) table.AddColumn(Markup.Escape(k));
        foreach (var p in grid.Points)
        {
            var cells = new List<string> { p.Id };
            if (shards is int count) cells.Add((p.Index % count).ToString());
            cells.AddRange(grid.Keys.Select(k => Markup.Escape(p.Text(k))));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
        return 0;
    }

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
        var dataset = TrainCommand.LoadDataset(datasetName, dataDir);
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
                .Select(k => $"{k} {row[k]}");
            AnsiConsole.MarkupLine($"[green]✓[/] [[{_done}/{_shardTotal}]] {Markup.Escape(point.Id)} {Markup.Escape(Describe(point))}: " +
                                   $"[bold]{Markup.Escape(string.Join(", ", results))}[/] ({seconds:F1} s{Eta(ordinal, todo)})");
            if (_overall is not null)
            {
                _overall.Value = _completedNow;
                _overall.Description = OverallText();
            }
        }

        public void PointFailed(SweepPoint point, Exception error, int ordinal, int todo) =>
            AnsiConsole.MarkupLine($"[red]✗[/] {Markup.Escape(point.Id)} {Markup.Escape(Describe(point))}: [red]{Markup.Escape(error.Message)}[/] (not recorded; retried on --resume)");

        private string Eta(int ordinal, int todo)
        {
            int left = todo - ordinal - 1;
            if (left <= 0 || progress is not null) return ""; // the live bar shows its own ETA
            var eta = TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / (ordinal + 1) * left);
            return $"; {left} left, ETA {(eta.TotalHours >= 1 ? $"{(int)eta.TotalHours}h{eta.Minutes:D2}m" : $"{eta.Minutes}m{eta.Seconds:D2}s")}";
        }

        private string Describe(SweepPoint point) =>
            _grid!.AxisKeys.Count > 0 ? point.Describe(_grid.AxisKeys) : $"method={point.Method}";
    }
}
