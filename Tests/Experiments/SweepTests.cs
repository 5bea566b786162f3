using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SpikeFit.Experiments.Commands;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using SpikeFit.Training.Data;
using SpikeFit.Tests.Hardware;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>
/// <c>spikefit sweep</c> and <c>merge</c>: grid validation, deterministic expansion and ids,
/// sharding, atomic resumable tables (interrupted by cancellation, a torn line, and a real
/// SIGINT / SIGKILL of the built CLI), merging, and the real training runner end to end.
/// Most tests use a fake runner that returns a deterministic function of the point, so they take milliseconds.
/// </summary>
public sealed class SweepTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"spikefit-sweep-{Guid.NewGuid():N}");
    private readonly ITestOutputHelper _output;

    public SweepTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>A runner whose result is a pure function of the point; hooks let tests interrupt it.</summary>
    private sealed class FakeRunner : ISweepPointRunner
    {
        public int Calls;
        public Action<int, SweepPoint>? BeforeRun;

        public IReadOnlyDictionary<string, string> Run(SweepPoint point, SweepContext context, CancellationToken cancel)
        {
            Calls++;
            BeforeRun?.Invoke(Calls, point);
            cancel.ThrowIfCancellationRequested();
            string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(point.Canonical)))[..10];
            return new Dictionary<string, string>
            {
                ["score"] = (point.GetDouble("lr", 0) * point.GetInt("seed", 1)).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                ["digest"] = digest,
                ["note"] = "a, \"quoted\"\nvalue", // exercises CSV quoting
                ["train_seconds"] = Random.Shared.NextDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        public void Validate(SweepPoint point)
        {
            if (point.GetDouble("lr", 1) <= 0) throw new ArgumentException($"lr must be positive, got {point.Text("lr")}.");
        }
    }

    private static (SweepMethods Methods, FakeRunner Runner) Fake()
    {
        var methods = new SweepMethods();
        var runner = new FakeRunner();
        methods.Register("fake", runner);
        return (methods, runner);
    }

    private const string FakeGrid = """
        {
          "name": "fake-grid",
          "base": { "method": "fake", "epochs": 1 },
          "grid": { "lr": [0.001, 0.003, 0.01], "seed": [1, 2, 3, 4] }
        }
        """;

    private string WriteGrid(string json, string name = "grid.json")
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static SweepContext Context(string dir) => new(dir, null, null, "fake-device");

    private static SweepOutcome RunFake(SweepGrid grid, SweepMethods methods, string dir, SweepShard? shard = null, bool resume = false,
        CancellationToken stop = default, CancellationToken abort = default) =>
        SweepEngine.Run(grid, methods, Context(dir), new SweepOptions { OutDir = dir, Shard = shard, Resume = resume, Commit = "test" },
            null, stop, abort);

    /// <summary>Rows by id, without the columns that differ between two runs of a point (timing, date, host).</summary>
    private static Dictionary<string, Dictionary<string, string>> Stable(string tablePath, IReadOnlyList<string> keys) =>
        SweepTable.Open(tablePath, keys).Rows.ToDictionary(r => r[SweepColumns.PointId],
            r => r.Where(kv => !SweepColumns.IsVolatile(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));

    private static void AssertSameRows(Dictionary<string, Dictionary<string, string>> expected, Dictionary<string, Dictionary<string, string>> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (id, row) in expected)
            Assert.Equal(row.OrderBy(kv => kv.Key), actual[id].OrderBy(kv => kv.Key));
    }

    // ---------------------------------------------------------------- grid parsing

    [Theory]
    [InlineData("""{"grid": {"lrr": [0.1]}}""", "grid.lrr", "did you mean 'lr'?")]
    [InlineData("""{"base": {"codebook-m": 4}}""", "base.codebook-m", "did you mean 'codebook_m'?")]
    [InlineData("""{"grid": {"t": [4]}}""", "grid.t", "did you mean 'T'?")]
    [InlineData("""{"gird": {"lr": [0.1]}}""", "gird", "did you mean 'grid'?")]
    [InlineData("""{"grid": {"T": [8, "16"]}}""", "grid.T[1]", "expected an integer")]
    [InlineData("""{"grid": {"T": [8.5]}}""", "grid.T[0]", "expected an integer")]
    [InlineData("""{"grid": {"lr": "0.1"}}""", "grid.lr", "must be a list of values")]
    [InlineData("""{"grid": {"lr": []}}""", "grid.lr", "empty list")]
    [InlineData("""{"grid": {"seed": [1, 2, 1]}}""", "grid.seed", "lists 1 twice")]
    [InlineData("""{"grid": {"lr": [0.001, 1e-3]}}""", "grid.lr", "lists 0.001 twice")]
    [InlineData("""{"grid": [1, 2]}""", "grid", "must be a JSON object")]
    [InlineData("""{"base": 3}""", "base", "must be a JSON object")]
    [InlineData("""{"grid": {"lr": [0.1], "lr": [0.2]}}""", "grid.lr", "appears twice")]
    [InlineData("""{"base": {"lr": 0.1}, "grid": {"lr": [0.2]}}""", "grid.lr", "both \"base\" and \"grid\"")]
    [InlineData("""{"base": {"lr": [0.1, 0.2]}}""", "base.lr", "move it to \"grid\"")]
    [InlineData("""{"grid": {"method": ["fp32", "ptq"]}}""", "grid.method[1]", "unknown method 'ptq'; known: fp32")]
    [InlineData("""{"base": {"schedule": "cosin"}}""", "base.schedule", "is not one of Constant, Cosine, Step")]
    [InlineData("""{"base": {"max_batches": null, "epochs": null}}""", "base.epochs", "null is not allowed")]
    [InlineData("""{"grid": {"lr": [0.001, -1]}}""", "point 0001-", "learning rate must be positive")]
    [InlineData("""{"base": {"codebook_m": 32, "codebook_bits": 4}}""", "point 0000-", "codebook_m must be in 2..16")]
    [InlineData("""{"name": "a b", "grid": {"lr": [0.1]}}""", "name", "letters, digits")]
    [InlineData("""{"description": "only this"}""", "", "neither \"base\" nor \"grid\"")]
    [InlineData("""[1, 2]""", "", "must be a JSON object")]
    [InlineData("""{"grid": {"lr": [0.1,}""", "", "not valid JSON")]
    public void MalformedGridsNameTheFileTheKeyAndTheFix(string json, string key, string fragment)
    {
        var e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse(json, "my-grid.json", SweepMethods.WithTraining()));
        Assert.StartsWith("my-grid.json: ", e.Message);
        Assert.StartsWith(key, e.Key);
        Assert.Contains(fragment, e.Message);
        Assert.IsAssignableFrom<ArgumentException>(e); // the CLI prints it as one clear line, exit 2
    }

    [Fact]
    public void MissingGridFileIsAClearError()
    {
        var e = Assert.Throws<SweepGridException>(() => SweepGrid.Load(Path.Combine(_root, "nope.json"), SweepMethods.WithTraining()));
        Assert.Contains("nope.json: file not found", e.Message);
    }

    [Fact]
    public void ExpansionIsSortedKeysValuesInFileOrderLastKeyFastest()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse("""{"base": {"method": "fake"}, "grid": {"seed": [2, 1], "lr": [0.1, 0.2], "hidden": [8, [4, 4]]}}""", "g.json", methods);
        Assert.Equal(["hidden", "lr", "seed"], grid.AxisKeys);
        Assert.Equal(["hidden", "lr", "method", "seed"], grid.Keys);
        var order = grid.Points.Select(p => $"{p.Text("hidden")}/{p.Text("lr")}/{p.Text("seed")}").ToList();
        Assert.Equal(["8/0.1/2", "8/0.1/1", "8/0.2/2", "8/0.2/1", "4-4/0.1/2", "4-4/0.1/1", "4-4/0.2/2", "4-4/0.2/1"], order);
        Assert.Equal(Enumerable.Range(0, 8), grid.Points.Select(p => p.Index));
        Assert.All(grid.Points, p => Assert.Matches(@"^\d{4}-[0-9a-f]{8}$", p.Id));
        Assert.Equal(grid.Points.Count, grid.Points.Select(p => p.Id[5..]).Distinct().Count());
        Assert.Equal([4, 4], grid.Points[4].GetIntList("hidden", []));
    }

    [Fact]
    public void IdsAndHashAreStableAcrossSpellingsButNotValues()
    {
        var (methods, _) = Fake();
        var a = SweepGrid.Parse("""{"name": "a", "base": {"method": "fake", "epochs": 2}, "grid": {"lr": [0.001, 0.01], "seed": [1, 2]}}""", "a.json", methods);
        // Other key order, other number spellings, a comment, another name: the same grid.
        var b = SweepGrid.Parse("""
            // same points
            {"grid": {"seed": [1, 2], "lr": [1e-3, 1.0E-2]}, "base": {"epochs": 2, "method": "fake"}, "name": "b",}
            """, "b.json", methods);
        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal(a.Points.Select(p => p.Id), b.Points.Select(p => p.Id));
        var c = SweepGrid.Parse("""{"base": {"method": "fake", "epochs": 3}, "grid": {"lr": [0.001, 0.01], "seed": [1, 2]}}""", "c.json", methods);
        Assert.NotEqual(a.Hash, c.Hash);
        Assert.All(a.Points.Zip(c.Points), pair => Assert.NotEqual(pair.First.Id, pair.Second.Id));
        // Value order is part of the grid: it decides the indices.
        var d = SweepGrid.Parse("""{"base": {"method": "fake", "epochs": 2}, "grid": {"lr": [0.01, 0.001], "seed": [1, 2]}}""", "d.json", methods);
        Assert.NotEqual(a.Hash, d.Hash);
    }

    [Fact]
    public void MethodDefaultsToFp32AndRunnersCanAddKeys()
    {
        var grid = SweepGrid.Parse("""{"grid": {"seed": [1]}}""", "g.json", SweepMethods.WithTraining());
        Assert.Equal("fp32", grid.Points[0].Method);
        Assert.Contains("method", grid.Keys);

        var methods = SweepMethods.WithTraining();
        methods.Register("m4-test", new FakeRunner(), new SweepKey("bits", SweepValueKind.Int, "weight bit-width"));
        var m4 = SweepGrid.Parse("""{"grid": {"method": ["fp32", "m4-test"], "bits": [2, 4]}}""", "g.json", methods);
        Assert.Equal(4, m4.Points.Count);
        Assert.Equal(new[] { "fp32", "m4-test" }, methods.Names);
        Assert.Throws<ArgumentException>(() => methods.Register("fp32", new FakeRunner()));
        Assert.Throws<ArgumentException>(() => methods.Register("x", new FakeRunner(), new SweepKey("lr", SweepValueKind.Int, "clash")));
        Assert.Throws<ArgumentException>(() => methods.Register("y", new FakeRunner(), new SweepKey("seconds", SweepValueKind.Float, "reserved")));
    }

    // ---------------------------------------------------------------- shards

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(13)]
    public void ShardsPartitionTheGrid(int n)
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        var shards = Enumerable.Range(0, n).Select(i => grid.PointsOf(new SweepShard(i, n)).Select(p => p.Id).ToList()).ToList();
        var all = shards.SelectMany(s => s).ToList();
        Assert.Equal(grid.Points.Count, all.Count); // disjoint: nothing counted twice
        Assert.Equal(grid.Points.Select(p => p.Id).Order(), all.Order()); // union = the grid
        Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1);
    }

    [Theory]
    [InlineData("3/3", "0-based and must be in 0..2")]
    [InlineData("0/0", "at least 1")]
    [InlineData("1", "write i/N")]
    [InlineData("a/4", "write i/N")]
    [InlineData("-1/4", "write i/N")]
    [InlineData("1/2/3", "write i/N")]
    public void BadShardSyntaxIsAClearError(string text, string fragment)
    {
        var e = Assert.Throws<ArgumentException>(() => SweepShard.Parse(text));
        Assert.Contains($"--shard '{text}'", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.Equal(new SweepShard(2, 4), SweepShard.Parse("2/4"));
    }

    // ---------------------------------------------------------------- tables, resume, interruption

    [Fact]
    public void CsvRoundTripsAwkwardFieldsAndFlagsATornTail()
    {
        string[] fields = ["plain", "a,b", "say \"hi\"", "two\r\nlines", " padded ", ""];
        string text = Csv.FormatRecord(fields) + Csv.FormatRecord(["x", "y", "z", "", "", ""]);
        var (records, torn) = Csv.Parse(text);
        Assert.Null(torn);
        Assert.Equal(fields, records[0]);
        var (cut, tornTail) = Csv.Parse(text + "next,\"unfinished");
        Assert.Equal(2, cut.Count);
        Assert.Equal(["next", "unfinished"], tornTail);
    }

    [Fact]
    public void InterruptedSweepResumesToTheRowsOfAnUninterruptedOne()
    {
        var (methods, runner) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string reference = Path.Combine(_root, "reference"), dir = Path.Combine(_root, "interrupted");
        var full = RunFake(grid, methods, reference);
        Assert.Equal(12, full.Completed);

        // First Ctrl-C during point 5: that point finishes and is recorded, then the sweep stops.
        runner.Calls = 0;
        using var stop = new CancellationTokenSource();
        runner.BeforeRun = (call, _) => { if (call == 5) stop.Cancel(); };
        var first = RunFake(grid, methods, dir, stop: stop.Token);
        Assert.True(first.Interrupted);
        Assert.Equal(5, first.Completed);
        Assert.Equal(5, SweepTable.Open(first.TablePath, grid.Keys).Rows.Count);

        // Second Ctrl-C during point 3 of the next run: that point is abandoned, not recorded.
        runner.Calls = 0;
        using var stop2 = new CancellationTokenSource();
        using var abort = new CancellationTokenSource();
        runner.BeforeRun = (call, _) => { if (call == 3) { stop2.Cancel(); abort.Cancel(); } };
        var second = RunFake(grid, methods, dir, resume: true, stop: stop2.Token, abort: abort.Token);
        Assert.True(second.Interrupted);
        Assert.Equal(5, second.AlreadyDone);
        Assert.Equal(2, second.Completed);

        // Resume to the end: only the 5 missing points run, never a completed one.
        runner.Calls = 0;
        var ran = new List<string>();
        runner.BeforeRun = (_, p) => ran.Add(p.Id);
        var last = RunFake(grid, methods, dir, resume: true);
        Assert.False(last.Interrupted);
        Assert.Equal(7, last.AlreadyDone);
        Assert.Equal(5, runner.Calls);
        Assert.Equal(5, ran.Distinct().Count());
        AssertSameRows(Stable(full.TablePath, grid.Keys), Stable(last.TablePath, grid.Keys));

        // A further --resume is a no-op.
        runner.Calls = 0;
        Assert.Equal(0, RunFake(grid, methods, dir, resume: true).Completed);
        Assert.Equal(0, runner.Calls);
    }

    [Fact]
    public void FailedPointsAreReportedNotRecordedAndRetriedOnResume()
    {
        var (methods, runner) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string dir = Path.Combine(_root, "fail");
        runner.BeforeRun = (_, p) => { if (p.Index == 4) throw new InvalidOperationException("device lost"); };
        var first = RunFake(grid, methods, dir);
        Assert.Equal(11, first.Completed);
        var failure = Assert.Single(first.Failed);
        Assert.Equal((grid.Points[4].Id, "device lost"), failure);
        runner.BeforeRun = null;
        var second = RunFake(grid, methods, dir, resume: true);
        Assert.Equal(1, second.Completed);
        Assert.Equal(12, SweepTable.Open(second.TablePath, grid.Keys).Rows.Count);
    }

    [Fact]
    public void ExistingTableNeedsResumeAndADifferentGridIsRefused()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string dir = Path.Combine(_root, "once");
        RunFake(grid, methods, dir);
        var e = Assert.Throws<InvalidOperationException>(() => RunFake(grid, methods, dir));
        Assert.Contains("already holds 12 completed point(s)", e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.Contains("another --out", e.Message);

        var other = SweepGrid.Parse(FakeGrid.Replace("0.01]", "0.02]"), "other.json", methods);
        var g = Assert.Throws<InvalidOperationException>(() => RunFake(other, methods, dir, resume: true));
        Assert.Contains("grid.json records grid 'fake-grid'", g.Message);
        Assert.Contains("other.json is a different grid", g.Message);
        Assert.Throws<InvalidOperationException>(() => SweepEngine.Preflight(other, new SweepOptions { OutDir = dir, Resume = true }));
    }

    [Fact]
    public void ASecondSweepOnTheSameTableIsRefused()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string dir = Path.Combine(_root, "locked");
        Directory.CreateDirectory(dir);
        using var held = new FileStream(Path.Combine(dir, ".points.csv.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var e = Assert.Throws<InvalidOperationException>(() => RunFake(grid, methods, dir));
        Assert.Contains("another sweep is writing", e.Message);
    }

    [Fact]
    public void ATornLastLineIsDroppedWithAWarningAndThePointReruns()
    {
        var (methods, runner) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string reference = Path.Combine(_root, "ref"), dir = Path.Combine(_root, "torn");
        RunFake(grid, methods, reference);
        using (var stop = new CancellationTokenSource())
        {
            runner.Calls = 0;
            runner.BeforeRun = (call, _) => { if (call == 4) stop.Cancel(); };
            RunFake(grid, methods, dir, stop: stop.Token);
            runner.BeforeRun = null;
        }
        // What a writer that died mid-line leaves: part of the next row, no line end.
        string table = Path.Combine(dir, "points.csv");
        var (records, _) = Csv.Parse(File.ReadAllText(Path.Combine(reference, "points.csv")));
        File.AppendAllText(table, Csv.FormatRecord(records[5])[..25]);
        var opened = SweepTable.Open(table, grid.Keys);
        Assert.Equal(4, opened.Rows.Count);
        Assert.Contains("incomplete last line", opened.RepairWarning);

        var warnings = new List<string>();
        var outcome = SweepEngine.Run(grid, methods, Context(dir), new SweepOptions { OutDir = dir, Resume = true, Commit = "test" },
            new Collect(warnings));
        Assert.Single(warnings);
        Assert.Equal(8, outcome.Completed);
        Assert.EndsWith("\r\n", File.ReadAllText(table));
        AssertSameRows(Stable(Path.Combine(reference, "points.csv"), grid.Keys), Stable(table, grid.Keys));

        // Damage in the middle is not silently dropped.
        var (good, _) = Csv.Parse(File.ReadAllText(table));
        good[3].RemoveAt(4);
        File.WriteAllText(table, string.Concat(good.Select(Csv.FormatRecord)));
        var e = Assert.Throws<InvalidDataException>(() => SweepTable.Open(table, grid.Keys));
        Assert.Contains("damaged in the middle", e.Message);
    }

    private sealed class Collect(List<string> warnings) : ISweepReporter
    {
        public void Warning(string message) => warnings.Add(message);
    }

    // ---------------------------------------------------------------- merge

    [Fact]
    public void MergedShardsEqualTheUnshardedSweep()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string whole = Path.Combine(_root, "whole"), sharded = Path.Combine(_root, "sharded");
        RunFake(grid, methods, whole);
        // Shards run in a scrambled order, as a job array would.
        foreach (int i in new[] { 3, 0, 4, 2, 1 })
            RunFake(grid, methods, sharded, new SweepShard(i, 5));
        Assert.Equal(5, SweepMerge.TablesIn(sharded).Count);
        var outcome = SweepMerge.Merge([sharded], null, allowIncomplete: false);
        Assert.True(outcome.Written);
        Assert.Empty(outcome.Missing);
        Assert.Equal(Path.Combine(sharded, "points.csv"), outcome.OutPath);
        AssertSameRows(Stable(Path.Combine(whole, "points.csv"), grid.Keys), Stable(outcome.OutPath, grid.Keys));
        // Ordered by point, and the merged folder is itself resumable: nothing left to run.
        var merged = SweepTable.Open(outcome.OutPath, grid.Keys);
        Assert.Equal(grid.Points.Select(p => p.Id), merged.Rows.Select(r => r[SweepColumns.PointId]));
        Assert.Equal(0, RunFake(grid, methods, sharded, resume: true).Completed);
        // Merging again (points.csv now among the inputs) finds only identical duplicates.
        var again = SweepMerge.Merge([sharded], null, allowIncomplete: false);
        Assert.Equal(12, again.Rows);
        Assert.All(again.Notes, n => Assert.Contains("same results", n));
    }

    [Fact]
    public void MergeAcrossFoldersNeedsOutAndRefusesDifferentGrids()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b"), c = Path.Combine(_root, "c");
        RunFake(grid, methods, a, new SweepShard(0, 2));
        RunFake(grid, methods, b, new SweepShard(1, 2));
        Assert.Contains("--out", Assert.Throws<InvalidOperationException>(() => SweepMerge.Merge([a, b], null, false)).Message);
        string outFile = Path.Combine(_root, "merged", "points.csv");
        Assert.Equal(12, SweepMerge.Merge([a, b], outFile, false).Rows);
        Assert.True(File.Exists(Path.Combine(_root, "merged", "grid.json")));

        var other = SweepGrid.Parse(FakeGrid.Replace("\"epochs\": 1", "\"epochs\": 2"), "g2.json", methods);
        RunFake(other, methods, c, new SweepShard(1, 2));
        var e = Assert.Throws<InvalidOperationException>(() => SweepMerge.Merge([a, c], outFile, false));
        Assert.Contains("different grids", e.Message);
        Assert.Contains(Path.Combine(a, "grid.json"), e.Message);
        Assert.Contains(Path.Combine(c, "grid.json"), e.Message);
    }

    [Fact]
    public void MergeReportsMissingPointsAndConflictingDuplicates()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string dir = Path.Combine(_root, "partial");
        RunFake(grid, methods, dir, new SweepShard(0, 3));
        RunFake(grid, methods, dir, new SweepShard(2, 3));
        var outcome = SweepMerge.Merge([dir], null, allowIncomplete: false);
        Assert.False(outcome.Written);
        Assert.False(File.Exists(outcome.OutPath));
        Assert.Equal(grid.PointsOf(new SweepShard(1, 3)).Select(p => p.Id), outcome.Missing);
        Assert.Equal(new[] { 1 }, outcome.MissingByShard[3].Keys);
        var partial = SweepMerge.Merge([dir], null, allowIncomplete: true);
        Assert.True(partial.Written);
        Assert.Equal(8, SweepTable.Open(partial.OutPath, grid.Keys).Rows.Count);

        // The same point with another result in a second table is an error naming both files.
        string shard0 = Path.Combine(dir, "points.shard-0-of-3.csv");
        string copy = Path.Combine(dir, "points.shard-0-of-1.csv");
        File.Delete(partial.OutPath);
        File.Copy(shard0, copy);
        var table = SweepTable.Open(copy, grid.Keys);
        var rows = table.Rows.Select(r => r.ToDictionary(kv => kv.Key, kv => kv.Key == "score" ? "99" : kv.Value)).ToList();
        SweepTable.WriteAtomic(copy, table.Header, rows);
        var e = Assert.Throws<InvalidOperationException>(() => SweepMerge.Merge([dir], null, true));
        Assert.Contains("different results", e.Message);
        Assert.Contains("points.shard-0-of-3.csv", e.Message);
        Assert.Contains("points.shard-0-of-1.csv", e.Message);
        Assert.Contains("score=99", e.Message);
    }

    // ---------------------------------------------------------------- CLI and Slurm

    [Fact]
    public void EmitSlurmWritesAJobArrayAndRunsNothing()
    {
        string gridPath = WriteGrid(FakeGrid);
        string outDir = Path.Combine(_root, "slurm-out"), script = Path.Combine(_root, "job.sbatch");
        var (methods, runner) = Fake();
        int rc = SweepCommand.Create(methods).Parse(["sweep", gridPath, "--emit-slurm", "--shards", "4", "--out", outDir,
            "--slurm-out", script, "--dataset", "synthetic"]).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        Assert.Equal(0, rc);
        Assert.Equal(0, runner.Calls);
        string text = File.ReadAllText(script);
        Assert.StartsWith("#!/bin/bash\n", text);
        Assert.Contains("#SBATCH --array=0-3\n", text);
        Assert.Contains("SHARDS=4\n", text);
        Assert.Contains($"sweep {gridPath} --shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\" --resume --out {outDir} --dataset synthetic --device auto", text);
        Assert.Contains($"#   $SPIKEFIT merge {outDir}", text);
        Assert.False(File.Exists(Path.Combine(outDir, "grid.json")));
    }

    [Fact]
    public void CliRefusesAnExistingTableWithoutResume()
    {
        string gridPath = WriteGrid(FakeGrid);
        string outDir = Path.Combine(_root, "cli");
        var (methods, runner) = Fake();
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = TextWriter.Null };
        string[] args = ["sweep", gridPath, "--out", outDir, "--dataset", "synthetic", "--device", "cpu", "--shard", "1/2"];
        Assert.Equal(0, SweepCommand.Create(methods).Parse(args).Invoke(config));
        Assert.Equal(6, runner.Calls);
        var e = Assert.Throws<InvalidOperationException>(() => SweepCommand.Create(methods).Parse(args).Invoke(config));
        Assert.Contains("--resume", e.Message);
        Assert.Equal(0, SweepCommand.Create(methods).Parse([.. args, "--resume"]).Invoke(config));
        Assert.Equal(6, runner.Calls);
        Assert.Throws<ArgumentException>(() => SweepCommand.Create(methods).Parse(["sweep", gridPath, "--shard", "2/2"]).Invoke(config));
    }

    // ---------------------------------------------------------------- the real runner

    private const string TinyTrainGrid = """
        {
          "name": "tiny",
          "base": { "net": "mlp", "hidden": 8, "T": 2, "batch": 32, "epochs": 1, "max_batches": 2, "max_test": 64 },
          "grid": { "lr": [0.001, 0.01], "seed": [1, 2] }
        }
        """;

    [Fact]
    public void TrainRunnerFillsTheColumnsAndIsDeterministic()
    {
        var grid = SweepGrid.Parse(TinyTrainGrid, "tiny.json", SweepMethods.WithTraining());
        using var backend = DeviceDiscovery.Open(BackendKind.Cpu).Backend;
        var dataset = Dataset.Synthetic(512, 128, seed: 1);
        string a = Path.Combine(_root, "train-a"), b = Path.Combine(_root, "train-b");
        foreach (var dir in new[] { a, b })
            SweepEngine.Run(grid, SweepMethods.WithTraining(), new SweepContext(dir, backend, dataset), new SweepOptions { OutDir = dir });
        var table = SweepTable.Open(Path.Combine(a, "points.csv"), grid.Keys);
        Assert.Equal(4, table.Rows.Count);
        Assert.Equal(["point_id", "index", "T", "batch", "epochs", "hidden", "lr", "max_batches", "max_test", "method", "net", "seed",
            "test_accuracy", "status", "train_accuracy", "test_loss", "train_loss", "epochs_completed", "parameters", "firing_rates", "train_seconds",
            "seconds", "device", "host", "dataset", "dataset_sha256", "commit", "date", "grid_hash"], File.ReadLines(table.Path).First().Split(','));
        foreach (var row in table.Rows)
        {
            Assert.Equal("ok", row["status"]);
            double acc = double.Parse(row["test_accuracy"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(acc, 0, 1);
            Assert.Equal("1", row["epochs_completed"]);
            Assert.Equal((784 * 8 + 8 + 8 * 10 + 10).ToString(), row["parameters"]);
            Assert.StartsWith("lif1:", row["firing_rates"]);
            Assert.StartsWith("cpu", row["device"]);
            Assert.Equal("synthetic", row["dataset"]);
            Assert.Equal(dataset.Sha256, row["dataset_sha256"]);
            Assert.Equal(grid.Hash, row["grid_hash"]);
        }
        // Same seed, same point → the same accuracy and losses, to the last digit.
        AssertSameRows(Stable(table.Path, grid.Keys), Stable(Path.Combine(b, "points.csv"), grid.Keys));
    }

    private const string TinyM4Grid = """
        {
          "name": "tiny-m4",
          "base": { "net": "mlp", "hidden": 16, "T": 2, "batch": 32, "warm_epochs": 1, "epochs": 1, "max_batches": 3, "max_test": 64,
                    "prune_rounds": 1, "prune_score_batches": 2 },
          "grid": { "method": ["cat", "cat-fsc", "qat", "deep-compression", "binary"], "bits": [2, 4] }
        }
        """;

    [Fact]
    public void M4MethodsRunAsSweepPointsAndShardsWithoutASharedCacheGiveTheSameRows()
    {
        var methods = SweepMethods.WithM4Methods();
        var grid = SweepGrid.Parse(TinyM4Grid, "tiny-m4.json", methods);
        using var backend = DeviceDiscovery.Open(BackendKind.Cpu).Backend;
        var dataset = Dataset.Synthetic(512, 128, seed: 1);
        // Unsharded: cat-fsc (b = 4) finds the CAT model the cat point saved. Sharded into separate
        // folders: the shard holding cat-fsc b = 4 has no cat b = 4 point, so it trains that model itself.
        string whole = Path.Combine(_root, "m4-whole");
        SweepEngine.Run(grid, methods, new SweepContext(whole, backend, dataset), new SweepOptions { OutDir = whole, Commit = "test" });
        var shardDirs = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            string dir = Path.Combine(_root, $"m4-shard{i}");
            shardDirs.Add(dir);
            SweepEngine.Run(grid, methods, new SweepContext(dir, backend, dataset),
                new SweepOptions { OutDir = dir, Shard = new SweepShard(i, 2), Commit = "test" });
        }
        var table = SweepTable.Open(Path.Combine(whole, "points.csv"), grid.Keys);
        Assert.Equal(10, table.Rows.Count);
        foreach (var row in table.Rows)
        {
            Assert.InRange(double.Parse(row["accuracy_pct"], System.Globalization.CultureInfo.InvariantCulture), 0, 100);
            int unique = int.Parse(row["max_unique_values"]);
            Assert.InRange(unique, 1, row["method"] == "binary" ? 2 : 4);
            Assert.Equal(row["method"] == "binary" ? "1" : row["method"] == "deep-compression" ? "32" : row["bits"], row["method_bits"]);
            if (row["method"] == "cat-fsc")
            {
                Assert.Equal("fsc", row["prune_criterion"]);
                Assert.Equal(0.5, double.Parse(row["pruned_fraction"], System.Globalization.CultureInfo.InvariantCulture), 1e-9);
            }
        }
        // One warm start for the whole grid (every point shares net, seed and budget).
        Assert.Single(Directory.GetDirectories(Path.Combine(whole, "m4")));

        string merged = Path.Combine(_root, "m4-merged.csv");
        SweepMerge.Merge(shardDirs, merged, allowIncomplete: false);
        AssertSameRows(Stable(table.Path, grid.Keys), Stable(merged, grid.Keys));
    }

    [Fact]
    public void M4MethodPointsAreValidatedWhenTheGridIsParsed()
    {
        var methods = SweepMethods.WithM4Methods();
        var e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""{ "base": { "method": "cat", "bits": 2, "m": 5 } }""", "g.json", methods));
        Assert.Contains("m must be in 2..4 for bits = 2", e.Message);
        e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""{ "base": { "method": "qat", "codebook_m": 4 } }""", "g.json", methods));
        Assert.Contains("codebook_m applies to method fp32", e.Message);
        e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""{ "base": { "method": "cat-fsc", "prune_keep": 1.5 } }""", "g.json", methods));
        Assert.Contains("prune_keep", e.Message);
        e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""{ "base": { "method": "cat-fcs" } }""", "g.json", methods));
        Assert.Contains("cat-fsc", e.Message);
    }

    // ---------------------------------------------------------------- a real process, really killed

    private static string SpikefitDll()
    {
        // The CLI is a project reference, so the build copies it (with its runtimeconfig) next to the tests.
        string dll = Path.Combine(AppContext.BaseDirectory, "spikefit.dll");
        Skip.IfNot(File.Exists(dll) && File.Exists(Path.Combine(AppContext.BaseDirectory, "spikefit.runtimeconfig.json")), $"{dll} not built");
        return dll;
    }

    private static Process Start(string dll, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        // Drain the pipes so the child never blocks on a full one.
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private const int SigInt = 2;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static int Rows(string table)
    {
        try { return File.Exists(table) ? Math.Max(0, File.ReadAllLines(table).Length - 1) : 0; }
        catch (IOException) { return 0; }
    }

    /// <summary>Waits until the table has at least <paramref name="rows"/> rows (or the process ends).</summary>
    private static void WaitForRows(Process p, string table, int rows)
    {
        var clock = Stopwatch.StartNew();
        while (Rows(table) < rows && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(5);
    }

    [SkippableFact]
    public void KilledCliSweepResumesToTheUninterruptedRows()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs POSIX signals");
        string dll = SpikefitDll();
        // 16 points of a few tens of milliseconds each: long enough to be caught half-way.
        string gridPath = WriteGrid(TinyTrainGrid.Replace("\"max_batches\": 2", "\"max_batches\": 12").Replace("\"seed\": [1, 2]", "\"seed\": [1, 2, 3, 4, 5, 6, 7, 8]"), "kill.json");
        string reference = Path.Combine(_root, "cli-ref"), dir = Path.Combine(_root, "cli-kill");
        string[] common = [gridPath, "--dataset", "synthetic", "--device", "cpu"];
        var grid = SweepGrid.Parse(File.ReadAllText(gridPath), gridPath, SweepMethods.WithTraining());
        string table = Path.Combine(dir, "points.csv");

        using (var whole = Start(dll, ["sweep", .. common, "--out", reference]))
        {
            Assert.True(whole.WaitForExit(120_000));
            Assert.Equal(0, whole.ExitCode);
        }
        Assert.Equal(16, Rows(Path.Combine(reference, "points.csv")));

        // SIGINT (Ctrl-C) once some rows exist: the current point finishes, exit 130, table intact.
        using (var p = Start(dll, ["sweep", .. common, "--out", dir]))
        {
            WaitForRows(p, table, 3);
            // kill(2) directly: a minimal container may have no /usr/bin/kill (procps).
            Assert.Equal(0, SendSignal(p.Id, SigInt));
            Assert.True(p.WaitForExit(60_000));
            Skip.If(p.ExitCode == 0, "the sweep finished before the signal arrived");
            Assert.Equal(130, p.ExitCode);
        }
        // On a fast machine the signal can land during the last point: 16 rows and exit 130 is right too.
        int afterInt = SweepTable.Open(table, grid.Keys).Rows.Count;
        Assert.InRange(afterInt, 3, 16);
        Skip.If(afterInt > 14, $"the sweep had {afterInt}/16 rows after SIGINT: too few left to kill it half-way");

        // SIGKILL mid-sweep: no chance to clean up; the table is the old one or old + whole rows.
        using (var p = Start(dll, ["sweep", .. common, "--out", dir, "--resume"]))
        {
            WaitForRows(p, table, afterInt + 2);
            Skip.If(p.HasExited, "the sweep finished before it could be killed");
            p.Kill();
            p.WaitForExit();
        }
        var killed = SweepTable.Open(table, grid.Keys);
        Assert.Null(killed.RepairWarning);
        Assert.All(killed.Rows, r => Assert.Equal("ok", r["status"]));
        _output.WriteLine($"rows after SIGINT: {afterInt}/16, after SIGKILL: {killed.Rows.Count}/16");
        Assert.InRange(killed.Rows.Count, afterInt + 2, 16);

        using (var p = Start(dll, ["sweep", .. common, "--out", dir, "--resume"]))
        {
            Assert.True(p.WaitForExit(120_000));
            Assert.Equal(0, p.ExitCode);
        }
        AssertSameRows(Stable(Path.Combine(reference, "points.csv"), grid.Keys), Stable(table, grid.Keys));
    }
}
