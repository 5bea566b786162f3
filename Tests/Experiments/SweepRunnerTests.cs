using System.CommandLine;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using SpikeFit.Training.Data;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>The real runners (training and the M = 4 methods) as sweep points.</summary>
public sealed class SweepRunnerTests(ITestOutputHelper output) : SweepTestBase(output)
{
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
}
