using SpikeFit.Experiments.M4;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;
using SpikeFit.Training.Models;

namespace SpikeFit.Tests.Api;

// README "Extending" → "Add an M = 4 method": this class is the example, verbatim (a test below checks the README holds it).
// --- README example: M = 4 method ---
/// <summary>Post-training: each layer's weights rounded to M evenly spaced values over [−max|w|, max|w|].</summary>
public sealed class EvenLevelsPtq : IM4Method
{
    public string Key => "even-levels-ptq";
    public string Family => "baseline";
    public string Description => "post-training rounding of each layer to M evenly spaced values";
    public bool UsesBits => false;
    public bool UsesM => true;

    public SpikingNetwork Compress(M4MethodRun run) => run.Build(run.Spec, run.SnapWeights(w =>
    {
        float max = w.Max(MathF.Abs), step = 2 * max / (run.M - 1);
        return w.Select(x => step == 0 ? 0 : -max + step * MathF.Round((x + max) / step)).ToArray();
    }));
}
// --- end of README example ---

/// <summary>The "Add an M = 4 method" example of the README: one class, one registration line, and it is a reproduce m4 row and a sweep method.</summary>
public sealed class ExtendingM4MethodExampleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "spikefit-ext-m4-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void A_registered_method_runs_in_a_preset_grid_and_holds_at_most_m_values()
    {
        var m4 = M4Methods.CreateDefault();
        m4.Register(new EvenLevelsPtq()); // the registration line (in M4Methods.CreateDefault for the CLI)
        var methods = SweepMethods.WithM4Methods(m4);
        var preset = M4Preset.Smoke with
        {
            Name = "ext", Seeds = [1], Nets = ["mlp"], MaxTest = 64, BatchSize = 32,
            Budgets = new Dictionary<string, NetBudget> { ["mlp"] = new(1, 2e-3f, 1, 1e-3f, MaxBatches: 3, Hidden: [16], T: 2) },
        };
        var grid = SweepGrid.Parse(preset.ToGridJson(m4, ["even-levels-ptq"]), "ext.json", methods);
        Assert.Equal(new[] { "even-levels-ptq", "warm-start" }, grid.Points.Select(p => p.Method).Order());
        using var backend = new CpuBackend();
        SweepEngine.Run(grid, methods, new SweepContext(_dir, backend, Dataset.Synthetic(256, 64, seed: 2)),
            new SweepOptions { OutDir = _dir, Commit = "test" });
        var rows = SweepReports.M4Rows(SweepTable.Open(Path.Combine(_dir, "points.csv"), grid.Keys), methods);
        var row = rows.Single(r => r.Method == "even-levels-ptq");
        Assert.Equal("baseline", row.Family);
        Assert.InRange(row.MaxUniqueValues, 2, 4);
    }

    [Fact]
    public void The_readme_shows_the_example_verbatim()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "SpikeFit.Gpu.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        string source = File.ReadAllText(Path.Combine(root, "Tests", "Api", "ExtendingM4MethodExample.cs")).Replace("\r\n", "\n");
        const string begin = "// --- README example: M = 4 method ---\n", end = "// --- end of README example ---";
        int start = source.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        string example = source[start..source.IndexOf(end, StringComparison.Ordinal)].Trim();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).Replace("\r\n", "\n");
        Assert.True(readme.Contains(example, StringComparison.Ordinal), "README.md's \"Add an M = 4 method\" must show the EvenLevelsPtq class of Tests/Api/ExtendingM4MethodExample.cs verbatim.");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
