using SpikeFit.Experiments.M4;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Experiments;

/// <summary>The M = 4 runner end to end on a tiny synthetic task: every method, counted values, resume after a kill.</summary>
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
    };

    /// <summary>Records what ran; cancels the token after <paramref name="stopAfter"/> finished rows (a simulated kill).</summary>
    private sealed class Recorder(CancellationTokenSource? cancel = null, int stopAfter = int.MaxValue) : IM4Progress
    {
        public List<string> Started { get; } = new();
        public int Finished { get; private set; }
        public void PlanStarted(int total, int alreadyDone) { }
        public void RunStarted(string description, int batches) => Started.Add(description);
        public void Batch(int done, int total, double loss) { }
        public void RunFinished(M4Row row, int done, int total)
        {
            if (++Finished >= stopAfter) cancel?.Cancel();
        }
        public void Skipped(string rowKey) { }
        public void Note(string message) { }
    }

    private List<M4Row> Run(string dir, M4Preset preset, IReadOnlyList<M4Row> existing, IM4Progress progress, CancellationToken cancel = default)
    {
        using var backend = new CpuBackend();
        var ctx = new M4RunContext(backend, Data, preset, dir, "test", backend.ToString());
        var rows = new List<M4Row>(existing);
        string path = Path.Combine(dir, RunsTable.FileName);
        try
        {
            new M4Runner(ctx, progress).Run(existing, r => { rows.Add(r); RunsTable.Write(path, rows); }, cancel);
        }
        catch (OperationCanceledException) { }
        return RunsTable.ReadIfExists(path);
    }

    private static string Comparable(M4Row r) =>
        $"{r.Method}|{r.Net}|{r.Bits}|{r.M}|{r.Seed}|{r.AccuracyPct:R}|{r.UniqueValuesPerLayer}|{r.ModelSizeKib:R}|{r.EnergyUj:R}|{r.FiringRates}|{r.HiddenUnits}";

    [Fact]
    public void Every_method_runs_and_compressed_models_hold_at_most_m_values()
    {
        var rows = Run(_dir, Tiny, Array.Empty<M4Row>(), new Recorder());
        var plan = M4Method.All(Tiny.Bits, Tiny.PruneBits);
        Assert.Equal(plan.Count, rows.Count);
        foreach (var m in plan) Assert.Contains(rows, r => r.Method == m.Key && r.Bits == m.Bits);
        foreach (var r in rows.Where(r => r.M > 0))
        {
            Assert.True(r.MaxUniqueValues <= r.M, $"{r.Method} b={r.Bits}: {r.MaxUniqueValues} values > M = {r.M}");
            Assert.InRange(r.AccuracyPct, 0, 100);
            Assert.True(r.ModelSizeKib > 0 && r.EnergyUj > 0 && r.SopsPerInference >= 0, $"{r.Method}: metrics missing"); // a silent tiny net has 0 SOPs
        }
        Assert.All(rows.Where(r => r.Method == "cat"), r => Assert.Equal(4, r.MaxUniqueValues));
        var fp = rows.Single(r => r.Method == "fp32");
        Assert.True(fp.MaxUniqueValues > 100);
        Assert.All(rows.Where(r => r.M == 4 && r.Bits != 32), r => Assert.True(r.ModelSizeKib < fp.ModelSizeKib / 8, $"{r.Method}: not smaller"));
        var pruned = rows.Where(r => r.PruneCriterion != "").ToList();
        Assert.Equal(5, pruned.Count);
        Assert.All(pruned, r => Assert.Equal(8, r.HiddenUnits));
    }

    [Fact]
    public void A_killed_run_resumed_gives_the_rows_of_an_uninterrupted_run_without_recomputing()
    {
        var preset = Tiny with { Bits = new[] { 4 } };
        var whole = Run(Path.Combine(_dir, "whole"), preset, Array.Empty<M4Row>(), new Recorder());

        string dir = Path.Combine(_dir, "killed");
        using var cancel = new CancellationTokenSource();
        var first = Run(dir, preset, Array.Empty<M4Row>(), new Recorder(cancel, stopAfter: 5), cancel.Token);
        Assert.Equal(5, first.Count);
        var again = new Recorder();
        var resumed = Run(dir, preset, first, again);
        Assert.Equal(whole.Select(Comparable), resumed.Select(Comparable));
        // The finished rows' trainings (and the cached warm start) were not redone.
        Assert.DoesNotContain(again.Started, s => s.Contains("FP32 warm start"));
        Assert.DoesNotContain(again.Started, s => s.Contains(": qat"));

        // Nothing left to do: a second resume trains nothing.
        var idle = new Recorder();
        var same = Run(dir, preset, resumed, idle);
        Assert.Empty(idle.Started);
        Assert.Equal(resumed.Count, same.Count);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
