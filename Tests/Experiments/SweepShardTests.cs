using SpikeFit.Experiments.Sweep;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>Shards: a partition of the grid, and their syntax.</summary>
public sealed class SweepShardTests(ITestOutputHelper output) : SweepTestBase(output)
{
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
}
