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
        var output = new Option<string?>("--out") { Description = "Output folder for grid.json and the table (default runs/sweep/<grid name>)" };
        var device = CommonOptions.Device();
        var dataset = new Option<string>("--dataset") { Description = "Dataset: fashion-mnist (default), mnist, kmnist, synthetic (tiny built-in), or any IDX folder via --data", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files (gz or raw)" };
        var json = CommonOptions.Json();
        var overwrite = OutputGuard.Overwrite("the table in --out (and the --json file): start afresh");
        var list = new Option<bool>("--list") { Description = "Print the expanded points (ids, shards) and exit without running" };
        var emit = new Option<bool>("--emit-slurm") { Description = "Write a Slurm job-array script for the sweep (one task per shard) and exit without running" };
        var shards = new Option<int?>("--shards") { Description = "With --emit-slurm or --list: the number of shards (default: one per point, at most 1000)" };
        var slurmOut = new Option<string?>("--slurm-out") { Description = "With --emit-slurm: the script's path (default <out>/<grid name>.sbatch)" };
        var cmd = new Command("sweep", "Run a hyperparameter grid: resumable (--resume), shardable (--shard i/N, --emit-slurm), one CSV row per point");
        cmd.Arguments.Add(gridArg);
        foreach (var o in new Option[] { shard, resume, overwrite, output, device, dataset, data, json, list, emit, shards, slurmOut })
            cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var shardSpec = parse.GetValue(shard) is { } s ? SweepShard.Parse(s) : (SweepShard?)null;
            var grid = SweepGrid.Load(parse.GetValue(gridArg)!, methods);
            string outDir = parse.GetValue(output) ?? CommonOptions.DefaultOut("sweep", grid.Name);
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
            return SweepConsole.Run(grid, methods, new SweepOptions { OutDir = outDir, Shard = shardSpec, Resume = parse.GetValue(resume), Overwrite = parse.GetValue(overwrite) },
                datasetName, dataDir, deviceName, parse.GetValue(json));
        });
        return CommandGuard.Apply(cmd);
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
        Training.IO.AtomicFile.WriteAllText(path, script);
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
}
