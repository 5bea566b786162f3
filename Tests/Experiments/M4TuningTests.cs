using SpikeFit.Experiments.M4;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Experiments;

/// <summary>reproduce m4 --tune: the same validation-split grid for every method, recorded in runs.csv.</summary>
public sealed class M4TuningTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "spikefit-m4tune-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly Dataset Data = Dataset.Synthetic(400, 120, seed: 5);

    private static readonly M4Preset Tiny = M4Preset.Smoke with
    {
        Name = "test", Seeds = new[] { 1 }, Nets = new[] { "mlp" }, Bits = new[] { 2 }, MaxTest = 120, BatchSize = 32,
        Budgets = new Dictionary<string, NetBudget> { ["mlp"] = new(1, 2e-3f, 1, 1e-3f, MaxBatches: 3, Hidden: new[] { 16 }, T: 2) },
        Tune = true,
        ChipMethods = [], // no chip variants here (ChipCoverageTests)
    };

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Grid_states_the_same_learning_rates_for_every_method_and_temperatures_for_dkm()
    {
        var grid = SweepGrid.Parse(Tiny.ToGridJson(M4Methods.Default, new[] { "cat", "dkm", "lsq" }), "t.grid.json", SweepMethods.Default);
        Assert.All(grid.Points, p => Assert.Equal("0.0005;0.001;0.002", p.GetString("tune_lr", "")));
        Assert.All(grid.Points, p => Assert.Equal("0.05;0.1;0.2", p.GetString("tune_tau", "")));
        Assert.All(grid.Points, p => Assert.Equal(0.1, p.GetDouble("val_fraction", 0)));
        // Without --tune the keys are absent, so the grid (and its hash) is the one earlier tables were written with.
        var plain = SweepGrid.Parse((Tiny with { Tune = false }).ToGridJson(M4Methods.Default, new[] { "cat" }), "p.grid.json", SweepMethods.Default);
        Assert.All(plain.Points, p => Assert.Equal("", p.GetString("tune_lr", "")));
    }

    [Fact]
    public void Tuned_rows_record_the_chosen_candidate_from_the_grid()
    {
        var grid = SweepGrid.Parse(Tiny.ToGridJson(M4Methods.Default, new[] { "cat", "dkm" }), "t.grid.json", SweepMethods.Default);
        using var backend = new CpuBackend();
        var outcome = SweepEngine.Run(grid, SweepMethods.Default, new SweepContext(_dir, backend, Data),
            new SweepOptions { OutDir = _dir, Commit = "test" }, null, default);
        var rows = SweepReports.M4Rows(SweepTable.Open(outcome.TablePath, grid.Keys), SweepMethods.Default);
        var cat = rows.Single(r => r.Method == "cat");
        var dkm = rows.Single(r => r.Method == "dkm");
        foreach (var r in new[] { cat, dkm })
        {
            Assert.Contains(r.TunedLr!.Value, new[] { 0.0005, 0.001, 0.002 });
            Assert.InRange(r.ValAccuracyPct!.Value, 0, 100);
        }
        Assert.Null(cat.TunedTau);
        Assert.Contains(dkm.TunedTau!.Value, new[] { 0.05, 0.1, 0.2 });
        var fp32 = rows.Single(r => r.Method == "fp32");
        Assert.Null(fp32.TunedLr); // the reference does not train: nothing to tune
    }

    [Fact]
    public void Every_seed_uses_the_choice_tuned_once_on_the_tuning_seed()
    {
        var twoSeeds = Tiny with { Seeds = new[] { 1, 2 } };
        var grid = SweepGrid.Parse(twoSeeds.ToGridJson(M4Methods.Default, new[] { "cat" }), "t.grid.json", SweepMethods.Default);
        Assert.All(grid.Points, p => Assert.Equal(M4Tuning.DefaultSeed, p.GetInt("tune_seed", 0)));
        using var backend = new CpuBackend();
        var outcome = SweepEngine.Run(grid, SweepMethods.Default, new SweepContext(_dir, backend, Data),
            new SweepOptions { OutDir = _dir, Commit = "test" }, null, default);
        var cats = SweepReports.M4Rows(SweepTable.Open(outcome.TablePath, grid.Keys), SweepMethods.Default).Where(r => r.Method == "cat").ToList();
        Assert.Equal(new[] { 1, 2 }, cats.Select(r => r.Seed).Order());
        // One choice, one validation score: seed 2 read seed 1's record instead of tuning on its own warm start.
        Assert.Single(cats.Select(r => (r.TunedLr, r.ValAccuracyPct)).Distinct());
        var records = Directory.GetFiles(_dir, "tuning-mlp-cat-b2-*.json", SearchOption.AllDirectories);
        Assert.Single(records);
        // …and seed 1's warm start is trained once, in seed 1's folder, not again for seed 2's tuning.
        Assert.Single(Directory.GetFiles(_dir, "mlp-seed1-fp32.sfck", SearchOption.AllDirectories));
        Assert.Equal(Path.GetDirectoryName(records[0]), Path.GetDirectoryName(Directory.GetFiles(_dir, "mlp-seed1-fp32.sfck", SearchOption.AllDirectories)[0]));

        // The record names what it tuned; a record of another tuning (here: another description) is not read back.
        string text = File.ReadAllText(records[0]);
        Assert.Contains("\"lr\"", text);
        Assert.Contains("tuned", text);
    }

    [Theory]
    [InlineData("0.1;x", "'x' is not a positive number")]
    [InlineData("0.1;-2", "'-2' is not a positive number")]
    public void Bad_tuning_lists_are_refused_naming_the_key(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => M4Tuning.ParseList(text, "tune_lr"));
        Assert.Contains("tune_lr", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Validation_part_is_the_stated_fraction_and_never_empty()
    {
        var t = new M4Tuning(new[] { 1e-3 }, Array.Empty<double>(), 0.1);
        Assert.Equal(6000, t.ValCount(60000));
        Assert.Equal(1, t.ValCount(5));
        Assert.Throws<ArgumentException>(() => (t with { ValFraction = 1 }).Validate(100));
        Assert.Throws<ArgumentException>(() => (t with { LearningRates = Array.Empty<double>() }).Validate(100));
    }
}
