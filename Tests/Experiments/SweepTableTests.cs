using SpikeFit.Experiments.Sweep;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>The atomic, resumable table: CSV round trips, interruption and resume, failed points, locks, torn lines.</summary>
public sealed class SweepTableTests(ITestOutputHelper output) : SweepTestBase(output)
{
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
        var plain = Assert.Throws<InvalidOperationException>(() => RunFake(other, methods, dir));
        Assert.Contains("grid.json records grid 'fake-grid'", plain.Message);
        Assert.Contains("other.json is a different grid", plain.Message);
        // With --resume a changed grid is carried over only when every row is still a point: lr = 0.01 is not.
        var g = Assert.Throws<InvalidOperationException>(() => RunFake(other, methods, dir, resume: true));
        Assert.Contains("grid.json records grid 'fake-grid'", g.Message);
        Assert.Contains("is no point of the new grid", g.Message);
        Assert.Contains("lr=0.01", g.Message);
        Assert.Throws<InvalidOperationException>(() => SweepEngine.Preflight(other, new SweepOptions { OutDir = dir, Resume = true }));
        Assert.Equal(12, SweepTable.Open(Path.Combine(dir, "points.csv"), grid.Keys).Rows.Count); // nothing was touched
    }

    [Fact]
    public void ResumeCarriesRowsIntoAGridThatAddsPointsAndRunsOnlyTheNewOnes()
    {
        var (methods, runner) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string dir = Path.Combine(_root, "grow");
        RunFake(grid, methods, dir);
        Assert.Equal(12, runner.Calls);
        string before = File.ReadAllText(Path.Combine(dir, "points.csv"));

        // A new lr in the middle (indices move) and a new seed: 3 × 4 old points inside 4 × 5.
        var bigger = SweepGrid.Parse(FakeGrid.Replace("0.003, 0.01]", "0.003, 0.005, 0.01]").Replace("4]", "4, 5]"), "bigger.json", methods);
        Assert.Throws<InvalidOperationException>(() => RunFake(bigger, methods, dir)); // without --resume: refused as before
        SweepEngine.Preflight(bigger, new SweepOptions { OutDir = dir, Resume = true });
        var warnings = new List<string>();
        var outcome = SweepEngine.Run(bigger, methods, Context(dir), new SweepOptions { OutDir = dir, Resume = true, Commit = "test" }, new Notes(warnings));
        Assert.Equal(20, outcome.ShardPoints);
        Assert.Equal(12, outcome.AlreadyDone);
        Assert.Equal(8, outcome.Completed);
        Assert.Equal(20, runner.Calls);
        Assert.Contains(warnings, w => w.Contains("12 completed point(s) carried over, 8 new point(s) to run"));
        // The earlier table and grid record are kept byte for byte.
        var kept = Directory.GetFiles(dir, "points.replaced-*.csv");
        Assert.Single(kept);
        Assert.Equal(before, File.ReadAllText(kept[0]));
        Assert.Single(Directory.GetFiles(dir, "grid.replaced-*.json"));

        // The carried table equals a fresh run of the bigger grid in every stable column, and resumes as that grid.
        string fresh = Path.Combine(_root, "fresh");
        RunFake(bigger, methods, fresh);
        AssertSameRows(Stable(Path.Combine(fresh, "points.csv"), bigger.Keys), Stable(Path.Combine(dir, "points.csv"), bigger.Keys));
        Assert.Equal(0, RunFake(bigger, methods, dir, resume: true).Completed);

        // A shard cannot be carried over (indices moved): merge first.
        var biggest = SweepGrid.Parse(FakeGrid.Replace("4]", "4, 5, 6]"), "biggest.json", methods);
        var e = Assert.Throws<InvalidOperationException>(() => RunFake(biggest, methods, dir, shard: SweepShard.Parse("0/2"), resume: true));
        Assert.Contains("merge the shards first", e.Message);
    }

    private sealed class Notes(List<string> warnings) : ISweepReporter
    {
        public void Warning(string message) => warnings.Add(message);
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

    [Theory]
    [InlineData("lr", "0.5", "has lr = ")]
    [InlineData("index", "7", "is number")]
    [InlineData("seconds", "soon", "not a duration")]
    public void ResumeRefusesARowThatContradictsItsPoint(string column, string value, string fragment)
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse(FakeGrid, "g.json", methods);
        string dir = Path.Combine(_root, "edited-" + column);
        RunFake(grid, methods, dir);
        string path = Path.Combine(dir, "points.csv");
        var table = SweepTable.Open(path, grid.Keys);
        var rows = table.Rows.Select(r => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(r)).ToList();
        ((Dictionary<string, string>)rows[2])[column] = value;
        SweepTable.WriteAtomic(path, table.Header, rows);
        var e = Assert.Throws<InvalidDataException>(() => RunFake(grid, methods, dir, resume: true));
        Assert.Contains(path, e.Message);
        Assert.Contains(rows[2][SweepColumns.PointId], e.Message);
        Assert.Contains(fragment, e.Message);
        // merge has only the grid's record, so it checks the position and the numbers the sweep writes.
        if (column != "lr")
        {
            var m = Assert.Throws<InvalidDataException>(() => SweepMerge.Merge([dir], Path.Combine(_root, "m-" + column + ".csv"), allowIncomplete: false));
            Assert.Contains(fragment, m.Message);
        }
    }
}
