using System.CommandLine;
using SpikeFit.Experiments.Commands;
using SpikeFit.Experiments.M4;
using SpikeFit.Experiments.Sweep;

namespace SpikeFit.Tests.Experiments;

/// <summary><c>spikefit reproduce m4</c> as a user runs it: the preset's grid, the report, shards and Slurm, refusals.</summary>
public sealed class ReproduceM4CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "spikefit-m4cli-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly InvocationConfiguration Config = new() { EnableDefaultExceptionHandler = false, Output = TextWriter.Null };

    private static int Invoke(params string[] args) => ReproduceM4Command.Create().Parse(args).Invoke(Config);

    [Fact]
    public void A_run_writes_the_grid_the_table_and_the_report_and_a_rerun_needs_resume()
    {
        string[] args = ["m4", "--preset", "smoke", "--dataset", "synthetic", "--device", "cpu", "--methods", "ptq-kmeans", "--seeds", "1", "--out", _dir];
        Assert.Equal(0, Invoke(args));
        foreach (var f in new[] { "m4-smoke.grid.json", "grid.json", "points.csv", "runs.csv", "summary.csv", "summary.md", "provenance.json", "accuracy_by_method.png" })
            Assert.True(File.Exists(Path.Combine(_dir, f)), $"{f} was not written");
        Assert.Equal(["fp32", "ptq-kmeans"], RunsTable.Read(Path.Combine(_dir, "runs.csv")).Select(r => r.Method));

        var e = Assert.Throws<InvalidOperationException>(() => Invoke(args));
        Assert.Contains("--resume", e.Message);
        Assert.Equal(0, Invoke([.. args, "--resume"]));
        // Another selection that drops a finished point is refused in the same folder, never mixed into its table.
        e = Assert.Throws<InvalidOperationException>(() => Invoke(["m4", "--preset", "smoke", "--dataset", "synthetic", "--device", "cpu",
            "--methods", "binary", "--seeds", "1", "--out", _dir, "--resume"]));
        Assert.Contains("is no point of the new grid", e.Message);
        Assert.Contains("method=ptq-kmeans", e.Message);
        // One that adds a method keeps every finished row and runs only the new one.
        string before = File.ReadAllText(Path.Combine(_dir, "points.csv"));
        Assert.Equal(0, Invoke(["m4", "--preset", "smoke", "--dataset", "synthetic", "--device", "cpu",
            "--methods", "ptq-kmeans", "binary", "--seeds", "1", "--out", _dir, "--resume"]));
        Assert.Equal(["fp32", "ptq-kmeans", "binary"], RunsTable.Read(Path.Combine(_dir, "runs.csv")).Select(r => r.Method));
        Assert.Equal(before, File.ReadAllText(Directory.GetFiles(_dir, "points.replaced-*.csv").Single()));
    }

    [Fact]
    public void Report_writes_the_summary_of_the_points_so_far_marked_partial_into_its_own_folder()
    {
        Assert.Equal(0, Invoke(["m4", "--preset", "smoke", "--dataset", "synthetic", "--device", "cpu", "--methods", "ptq-kmeans", "binary",
            "--seeds", "1", "--out", _dir]));
        // An unfinished run: its table without the last point (the run's own report files are not what report reads).
        string table = Path.Combine(_dir, "points.csv");
        var lines = File.ReadAllLines(table);
        File.WriteAllLines(table, lines[..^1]);
        string outDir = Path.Combine(_dir, "partial-report");
        Assert.Equal(0, ReportCommand.Create().Parse([_dir]).Invoke(Config));
        string md = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.Contains("**Partial report** of an unfinished run: 2 of 3 points finished", md);
        Assert.Equal(["fp32", "ptq-kmeans"], RunsTable.Read(Path.Combine(outDir, "runs.csv")).Select(r => r.Method));
        var record = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json"))).RootElement;
        Assert.Equal((2, 3, false), (record.GetProperty("pointsDone").GetInt32(), record.GetProperty("pointsTotal").GetInt32(), record.GetProperty("complete").GetBoolean()));

        // Finished: the same command rewrites its own folder, no longer partial.
        File.WriteAllLines(table, lines);
        Assert.Equal(0, ReportCommand.Create().Parse([_dir]).Invoke(Config));
        Assert.DoesNotContain("Partial report", File.ReadAllText(Path.Combine(outDir, "summary.md")));
        Assert.Equal(["fp32", "ptq-kmeans", "binary"], RunsTable.Read(Path.Combine(outDir, "runs.csv")).Select(r => r.Method));

        // Never into the run folder itself, nor over a folder it did not write.
        Assert.Contains("is the run folder", Assert.Throws<ArgumentException>(() => ReportCommand.Write(_dir, _dir)).Message);
        string foreign = Path.Combine(_dir, "mine");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "keep");
        Assert.Contains("no earlier spikefit report wrote", Assert.Throws<ArgumentException>(() => ReportCommand.Write(_dir, foreign)).Message);
        Assert.Equal("keep", File.ReadAllText(Path.Combine(foreign, "notes.txt")));
        Assert.Contains("has no grid.json", Assert.Throws<ArgumentException>(() => ReportCommand.Write(foreign, Path.Combine(_dir, "x"))).Message);
    }

    [Fact]
    public void Emit_slurm_writes_the_grid_and_a_job_array_over_it_and_runs_nothing()
    {
        Assert.Equal(0, Invoke("m4", "--preset", "full", "--emit-slurm", "--shards", "6", "--out", _dir, "--device", "cuda"));
        string grid = Path.Combine(_dir, "m4-full.grid.json");
        string script = File.ReadAllText(Path.Combine(_dir, "m4-full.sbatch"));
        Assert.Contains("#SBATCH --array=0-5\n", script);
        Assert.Contains($"sweep {grid} --shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\" --resume --out {_dir}", script);
        Assert.Contains("#SBATCH --gres=gpu:1", script);
        var parsed = SweepGrid.Load(grid, SweepMethods.Default);
        Assert.Equal(ReproduceM4Command.Plan("full", "fashion-mnist", _dir, null, null, null).Grid.Hash, parsed.Hash);
        Assert.Equal("m4", parsed.Report);
        Assert.False(File.Exists(Path.Combine(_dir, "points.csv")));
    }

    [Theory]
    [InlineData(new[] { "--seeds", "1", "1" }, "listed twice")]
    [InlineData(new[] { "--nets", "mlp", "mlp" }, "names a net twice")]
    [InlineData(new[] { "--nets", "resnet" }, "unknown net 'resnet'")]
    [InlineData(new[] { "--methods", "cat-fcs" }, "unknown method 'cat-fcs'")]
    [InlineData(new[] { "--shards", "3" }, "--shards goes with --emit-slurm")]
    [InlineData(new[] { "--shard", "4/4" }, "0-based")]
    public void Bad_options_are_refused_before_any_work(string[] extra, string fragment)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Invoke(["m4", "--preset", "smoke", "--dataset", "synthetic", "--out", _dir, .. extra]));
        Assert.Contains(fragment, e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "points.csv")));
    }

    [Fact]
    public void The_default_output_is_under_runs_not_the_committed_results()
    {
        var plan = ReproduceM4Command.Plan("quick", "fashion-mnist", null, null, null, null);
        Assert.Equal(Path.GetFullPath(Path.Combine("runs", "m4", "fashion-mnist", "quick")), plan.Dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
