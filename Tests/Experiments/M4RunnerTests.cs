using SpikeFit.Experiments.M4;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Experiments;

/// <summary>
/// reproduce m4 end to end on a tiny synthetic task through the one engine: the preset's grid, the
/// sweep engine, the report — every method, counted values, resume after a stop, shards merged.
/// </summary>
public sealed class M4RunnerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "spikefit-m4-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly Dataset Data = Dataset.Synthetic(400, 120, seed: 3);

    private static readonly M4Preset Tiny = M4Preset.Smoke with
    {
        Name = "test", Seeds = new[] { 1 }, Bits = new[] { 2, 4 }, MaxTest = 120, BatchSize = 32, PruneScoreBatches = 2,
        Budgets = new Dictionary<string, NetBudget>
        {
            ["mlp"] = new(1, 2e-3f, 1, 1e-3f, MaxBatches: 4, Hidden: new[] { 16 }, T: 2),
            ["conv"] = new(1, 2e-3f, 1, 1e-3f, MaxBatches: 2, Hidden: new[] { 2, 4 }, T: 2),
        },
        ChipMethods = [], // the chip variants have their own tests (ChipCoverageTests)
    };

    /// <summary>Records the stages that trained; stops the sweep after <paramref name="stopAfter"/> finished points (a Ctrl-C).</summary>
    private sealed class Recorder(CancellationTokenSource? stop = null, int stopAfter = int.MaxValue) : ISweepReporter
    {
        public List<string> Stages { get; } = new();
        public int Finished { get; private set; }
        public void PointProgress(double fraction, string detail)
        {
            string stage = detail.Split(": loss")[0];
            if (Stages.Count == 0 || Stages[^1] != stage) Stages.Add(stage);
        }
        public void PointDone(SweepPoint point, IReadOnlyDictionary<string, string> row, double seconds, int ordinal, int todo)
        {
            if (++Finished >= stopAfter) stop?.Cancel();
        }
    }

    private static SweepGrid Grid(M4Preset preset) =>
        SweepGrid.Parse(preset.ToGridJson(M4Methods.Default), $"m4-{preset.Name}.grid.json", SweepMethods.Default);

    /// <summary>Runs (or resumes) the preset in <paramref name="dir"/>; returns the report's rows when the table is complete.</summary>
    private static List<M4Row> Run(string dir, M4Preset preset, ISweepReporter reporter, bool resume = false,
        CancellationToken stop = default, SweepShard? shard = null)
    {
        var grid = Grid(preset);
        using var backend = new CpuBackend();
        var outcome = SweepEngine.Run(grid, SweepMethods.Default, new SweepContext(dir, backend, Data),
            new SweepOptions { OutDir = dir, Resume = resume, Commit = "test", Shard = shard }, reporter, stop);
        var table = SweepTable.Open(outcome.TablePath, grid.Keys);
        return SweepReports.M4Rows(table, SweepMethods.Default);
    }

    private static string Comparable(M4Row r) =>
        $"{r.Method}|{r.Net}|{r.Bits}|{r.M}|{r.Seed}|{r.AccuracyPct:R}|{r.UniqueValuesPerLayer}|{r.ModelSizeKib:R}|{r.EnergyUj:R}|{r.FiringRates}|{r.HiddenUnits}";

    [Fact]
    public void Every_method_runs_and_compressed_models_hold_at_most_m_values()
    {
        var rows = Run(_dir, Tiny, new Recorder());
        var methods = M4Methods.Default.All;
        Assert.Equal(methods.Sum(m => m.UsesBits && !m.Prunes ? Tiny.Bits.Length : 1), rows.Count);
        foreach (var m in methods) Assert.Contains(rows, r => r.Method == m.RowName);
        foreach (var r in rows.Where(r => r.M > 0))
        {
            Assert.True(r.MaxUniqueValues <= r.M, $"{r.Method} b={r.Bits}: {r.MaxUniqueValues} values > M = {r.M}");
            Assert.InRange(r.AccuracyPct, 0, 100);
            Assert.True(r.ModelSizeKib > 0 && r.EnergyUj > 0 && r.SopsPerInference >= 0, $"{r.Method}: metrics missing"); // a silent tiny net has 0 SOPs
        }
        Assert.All(rows.Where(r => r.Method == "cat"), r => Assert.Equal(4, r.MaxUniqueValues));
        var fp = rows.Single(r => r.Method == "fp32");
        Assert.True(fp.MaxUniqueValues > 100);
        Assert.Equal("reference", fp.Family);
        Assert.All(rows.Where(r => r.M == 4 && r.Bits != 32), r => Assert.True(r.ModelSizeKib < fp.ModelSizeKib / 8, $"{r.Method}: not smaller"));
        var pruned = rows.Where(r => r.PruneCriterion != "").ToList();
        // One row per registered criterion (tests may register more than the five built in, e.g. the README's example).
        Assert.Equal(methods.Count(m => m.Prunes), pruned.Count);
        Assert.True(pruned.Count >= 5);
        Assert.All(pruned, r => Assert.Equal(8, r.HiddenUnits));
        Assert.All(pruned, r => Assert.Equal(Tiny.PruneBits, r.Bits));
        Assert.All(rows, r => Assert.Equal("test", r.Preset));
        Assert.All(rows, r => Assert.Equal(Data.Sha256, r.DatasetSha256));

        // The complete table becomes the report.
        var files = SweepReports.WriteIfComplete(SweepSidecar.Of(Grid(Tiny)), _dir, Path.Combine(_dir, "points.csv"), SweepMethods.Default);
        Assert.NotNull(files);
        Assert.Equal(rows.Select(Comparable), RunsTable.Read(files!.Runs).Select(Comparable));
    }

    [Fact]
    public void A_stopped_run_resumed_gives_the_rows_of_an_uninterrupted_run_without_recomputing()
    {
        var preset = Tiny with { Bits = new[] { 4 } };
        var whole = Run(Path.Combine(_dir, "whole"), preset, new Recorder());

        string dir = Path.Combine(_dir, "stopped");
        using var stop = new CancellationTokenSource();
        var first = Run(dir, preset, new Recorder(stop, stopAfter: 5), stop: stop.Token);
        Assert.Equal(5, first.Count);
        var again = new Recorder();
        var resumed = Run(dir, preset, again, resume: true);
        Assert.Equal(whole.Select(Comparable), resumed.Select(Comparable));
        // The cached warm start was not retrained, and the finished rows' trainings were not redone.
        Assert.DoesNotContain(again.Stages, s => s.Contains("FP32 warm start"));
        Assert.DoesNotContain(again.Stages, s => s.Contains(": binary") || s.Contains(": ternary"));
        Assert.Contains(again.Stages, s => s.Contains(": qat b=4")); // not finished before the stop

        // Nothing left to do: a second resume trains nothing.
        var idle = new Recorder();
        var same = Run(dir, preset, idle, resume: true);
        Assert.Empty(idle.Stages);
        Assert.Equal(resumed.Count, same.Count);
    }

    [Fact]
    public void Merged_shards_give_the_rows_and_report_of_the_unsharded_run()
    {
        var preset = Tiny with { Bits = new[] { 4 }, Budgets = new Dictionary<string, NetBudget> { ["mlp"] = Tiny.Budgets["mlp"] } };
        var whole = Run(Path.Combine(_dir, "whole"), preset, new Recorder());
        string sharded = Path.Combine(_dir, "sharded");
        for (int i = 0; i < 3; i++) Run(sharded, preset, new Recorder(), shard: new SweepShard(i, 3));
        var merged = SweepMerge.Merge([sharded], null, allowIncomplete: false);
        Assert.True(merged.Written);
        var files = SweepReports.WriteIfComplete(SweepSidecar.TryRead(sharded)!, sharded, merged.OutPath, SweepMethods.Default);
        Assert.NotNull(files);
        Assert.Equal(whole.Select(Comparable), RunsTable.Read(files!.Runs).Select(Comparable));
    }

    [Theory]
    [InlineData("smoke", 6)]  // cat, lsq × TrueNorth, DYNAP-SE, Tianjic (mlp) × seed 1
    [InlineData("quick", 10)] // cat, lsq × the same 3 chips for the mlp, TrueNorth and Tianjic for conv (DYNAP-SE cannot hold the conv net: 5 cores > 4) × seed 1
    [InlineData("full", 90)]  // 6 methods with chip variants × those 5 (net, chip) pairs × seeds 1–3
    public void Every_preset_is_a_valid_grid_with_the_rows_of_the_comparison(string name, int chipPoints)
    {
        var preset = M4Preset.ByName(name);
        var grid = Grid(preset);
        Assert.Equal("m4", grid.Report);
        var methods = M4Methods.Default.All;
        int perNetSeed = methods.Sum(m => m.UsesBits && !m.Prunes ? preset.Bits.Length : 1);
        Assert.Equal(perNetSeed * preset.Nets.Length * preset.Seeds.Length + chipPoints, grid.Points.Count);
        Assert.Equal(chipPoints, grid.Points.Count(p => p.Text("chip").Length > 0));
        // The chip block comes last, so the plain points keep the indices they had before it.
        Assert.All(grid.Points.Skip(grid.Points.Count - chipPoints), p => Assert.NotEqual("", p.Text("chip")));
        // Every point states its budget, so no point depends on a default.
        foreach (var key in new[] { "warm_epochs", "warm_lr", "epochs", "lr", "batch", "max_batches", "max_test", "preset", "net", "seed" })
            Assert.All(grid.Points, p => Assert.True(p.Has(key), $"{p.Id} lacks {key}"));
        // The same preset is the same grid (ids are stable), and --methods keeps the reference.
        Assert.Equal(grid.Hash, Grid(preset).Hash);
        var only = SweepGrid.Parse(preset.ToGridJson(M4Methods.Default, ["cat"]), "g.json", SweepMethods.Default);
        Assert.Equal(new[] { "cat", "warm-start" }, only.Points.Select(p => p.Method).Distinct().Order());
    }

    [Fact]
    public void Runs_csv_rows_survive_the_sweep_table_unchanged()
    {
        var row = new M4Row
        {
            Method = "cat-fsc", Family = "spikefit", Net = "conv", Bits = 4, M = 4, Seed = 3, AccuracyPct = 88.123456789,
            MaxUniqueValues = 4, UniqueValuesPerLayer = "conv1:4;fc:4", BitsPerSynapse = 4.01, ModelSizeKib = 12.5, Neurons = 1234,
            HiddenUnits = 24, NonZeroSynapses = 5678, FiringRates = "lif1:0.1000;lif2:0.0500", SopsPerInference = 1e6, EnergyUj = 0.9,
            EnergyTrueNorthUj = 0.02, EnergyLoihiUj = 0.03, FitsChips = "Loihi;Loihi 2", PruneCriterion = "fsc", PrunedFraction = 0.5,
            TrainSeconds = 12.25, Device = "cpu (test)", Commit = "abc", Preset = "full", Dataset = "fashion-mnist", DatasetSha256 = "ff00",
            Date = "2026-12-01T00:00:00Z",
        };
        var cells = M4Columns.ToSweep(row);
        Assert.Equal("88.123456789", cells["accuracy_pct"]);
        Assert.Equal("4", cells["method_bits"]);
        Assert.False(cells.ContainsKey("method") || cells.ContainsKey("device") || cells.ContainsKey("bits"));
        var sweepRow = new Dictionary<string, string>(cells)
        {
            ["point_id"] = "0001-abcdef12", ["method"] = "cat-fsc", ["net"] = "conv", ["seed"] = "3", ["preset"] = "full",
            ["device"] = row.Device, ["commit"] = row.Commit, ["dataset"] = row.Dataset, ["dataset_sha256"] = row.DatasetSha256, ["date"] = row.Date,
        };
        var back = M4Columns.FromSweep(sweepRow, "cat-fsc", "points.csv");
        Assert.Equal(string.Join(",", M4Columns.ToSweep(row).Values), string.Join(",", M4Columns.ToSweep(back).Values));
        Assert.Equal((row.Device, row.Commit, row.Preset, row.DatasetSha256, row.Date), (back.Device, back.Commit, back.Preset, back.DatasetSha256, back.Date));

        sweepRow.Remove("accuracy_pct");
        var e = Assert.Throws<InvalidDataException>(() => M4Columns.FromSweep(sweepRow, "cat-fsc", "points.csv"));
        Assert.Contains("accuracy_pct", e.Message);
    }

    [Fact]
    public void The_m4_report_refuses_points_of_other_methods()
    {
        var e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse(
            """{ "report": "m4", "grid": { "method": ["cat", "fp32"] } }""", "g.json", SweepMethods.Default));
        Assert.Contains("only M = 4 methods", e.Message);
    }

    [Fact]
    public void A_runs_csv_of_the_earlier_engine_is_migrated_and_resumed_without_recomputing()
    {
        var preset = Tiny with { Bits = new[] { 4 }, Budgets = new Dictionary<string, NetBudget> { ["mlp"] = Tiny.Budgets["mlp"] } };
        string dir = Path.Combine(_dir, "old");
        var rows = Run(dir, preset, new Recorder());
        // What an earlier version left: runs.csv (one row short, as after a crash) and the model cache; no sweep table.
        RunsTable.Write(Path.Combine(dir, RunsTable.FileName), rows.Where(r => r.Method != "cat-prune-random").ToList());
        File.Delete(Path.Combine(dir, "points.csv"));
        File.Delete(Path.Combine(dir, SweepSidecar.FileName));

        var outcome = M4Migration.Import(Grid(preset), dir, M4Methods.Default);
        Assert.Equal(rows.Count - 1, outcome.Imported);
        Assert.Empty(outcome.Unmatched);
        Assert.Equal(1, outcome.Missing);
        var again = new Recorder();
        var resumed = Run(dir, preset, again, resume: true);
        Assert.Equal(rows.Select(Comparable), resumed.Select(Comparable));
        Assert.DoesNotContain(again.Stages, s => s.Contains("FP32 warm start") || s.Contains(": qat"));
        // A migrated folder is not migrated twice.
        Assert.Throws<InvalidOperationException>(() => M4Migration.Import(Grid(preset), dir, M4Methods.Default));
        // Rows of another preset are listed, not imported.
        string other = Path.Combine(_dir, "other");
        Directory.CreateDirectory(other);
        RunsTable.Write(Path.Combine(other, RunsTable.FileName), rows.Take(2).Select(r => { r = Clone(r); return r; }).ToList());
        var foreign = M4Migration.Import(Grid(preset with { Name = "other" }), other, M4Methods.Default);
        Assert.Equal(0, foreign.Imported);
        Assert.Equal(2, foreign.Unmatched.Count);
    }

    private static M4Row Clone(M4Row r) => M4Columns.FromSweep(new Dictionary<string, string>(M4Columns.ToSweep(r))
    {
        ["method"] = r.Method, ["net"] = r.Net, ["seed"] = r.Seed.ToString(), ["preset"] = r.Preset, ["device"] = r.Device,
        ["commit"] = r.Commit, ["dataset"] = r.Dataset, ["dataset_sha256"] = r.DatasetSha256, ["date"] = r.Date,
    }, r.Method, "test");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
