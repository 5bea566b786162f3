using SpikeFit.Experiments.Sweep;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>Merge: shards equal the unsharded sweep; different grids, missing points and conflicting duplicates.</summary>
public sealed class SweepMergeTests(ITestOutputHelper output) : SweepTestBase(output)
{
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
}
