using System.Diagnostics;
using System.Globalization;
using CsvHelper;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Hopfield;
using SpikeFit.Training.Hopfield;
using SpikeFit.Training.IO;

namespace SpikeFit.Experiments.Hopfield;

/// <summary>One configuration of the grid.</summary>
public sealed record HopfieldConfig(int N, int M, WeightDistribution Distribution)
{
    public override string ToString() => $"N={N} M={M} {Distribution.Label}";
}

/// <summary>Result of one configuration.</summary>
public sealed record HopfieldConfigResult(HopfieldConfig Config, HopfieldSummaryRow Summary, IReadOnlyList<HopfieldPatternRow> Patterns);

/// <summary>
/// The Hopfield reproduction (DESIGN §8): for each configuration, simulate retrieval from every stored
/// pattern on the accelerator, solve the replica-symmetric equation for every pattern, and tabulate both.
/// </summary>
public static class HopfieldReproduction
{
    /// <summary>A trial counts as retrieved in simulation when its final overlap is at least this
    /// (theory's overlaps at the cut-off are ≈ 0.97, spurious end states sit far lower).</summary>
    public const double RetrievedThreshold = 0.9;

    public const int MaxSweeps = 200;

    public static IReadOnlyList<double> Lambdas { get; } = new[] { 4.0, 8.45, 15.0 };

    /// <summary>The grid: for each N, M ∈ {N/2, N} × {equal, geometric λ ∈ {4, 8.45, 15}, uniform}, or the custom list.</summary>
    public static List<HopfieldConfig> Grid(IReadOnlyList<int> sizes, WeightDistribution? custom)
    {
        var grid = new List<HopfieldConfig>();
        foreach (int n in sizes)
        {
            if (custom is not null)
            {
                grid.Add(new HopfieldConfig(n, custom.Values!.Length, custom));
                continue;
            }
            foreach (int m in new[] { n / 2, n })
            {
                grid.Add(new HopfieldConfig(n, m, WeightDistribution.Equal));
                foreach (var l in Lambdas) grid.Add(new HopfieldConfig(n, m, WeightDistribution.Geometric(l)));
                grid.Add(new HopfieldConfig(n, m, WeightDistribution.Uniform));
            }
        }
        return grid;
    }

    public static HopfieldConfigResult Run(Backend backend, HopfieldConfig config, uint seed, HopfieldDynamics dynamics)
    {
        int n = config.N, m = config.M;
        var weights = config.Distribution.Weights(m, n, seed);
        // Pattern μ depends only on (seed, μ, i): the M = N/2 patterns are the first half of the M = N ones.
        var patterns = HopfieldPatterns.Generate(seed, m, n);

        var sw = Stopwatch.StartNew();
        HopfieldRetrieval sim;
        using (var net = new HopfieldNetwork(backend, patterns, Array.ConvertAll(weights, w => (float)w), n))
            sim = net.Retrieve(dynamics, 0, m, MaxSweeps);
        double simSeconds = sw.Elapsed.TotalSeconds;

        sw.Restart();
        var theory = HopfieldTheory.PredictAll(weights, n);
        double rc = HopfieldTheory.CriticalWeight(weights, n);
        double theorySeconds = sw.Elapsed.TotalSeconds;

        // Rank by decreasing weight; a stable sort keeps pattern order among equal weights.
        var order = Enumerable.Range(0, m).OrderByDescending(i => weights[i]).ToArray();
        double? lambda = config.Distribution.Kind == WeightKind.Geometric ? config.Distribution.Lambda : null;
        var rows = new List<HopfieldPatternRow>(m);
        for (int rank = 0; rank < m; rank++)
        {
            int k = order[rank];
            rows.Add(new HopfieldPatternRow
            {
                N = n, M = m, Distribution = config.Distribution.Name, Lambda = lambda,
                Rank = rank + 1, Pattern = k + 1, Weight = weights[k],
                OverlapSim = sim.Overlaps[k],
                OverlapTheory = theory[k].Retrieved ? theory[k].Overlap : null,
                RetrievedSim = sim.Overlaps[k] >= RetrievedThreshold,
                RetrievedTheory = theory[k].Retrieved,
                Sweeps = sim.Steps[k],
            });
        }
        var retrievedTheory = rows.Where(r => r.RetrievedTheory).ToList();
        // Overlap accuracy is measured where both agree the pattern is retrieved; verdict disagreements are counted apart.
        var both = retrievedTheory.Where(r => r.RetrievedSim).ToList();
        var summary = new HopfieldSummaryRow
        {
            N = n, M = m, Alpha = (double)m / n, Distribution = config.Distribution.Name, Lambda = lambda,
            RetrievedSim = rows.Count(r => r.RetrievedSim),
            RetrievedTheory = retrievedTheory.Count,
            Disagree = rows.Count(r => r.RetrievedSim != r.RetrievedTheory),
            FirstFailureSim = rows.FirstOrDefault(r => !r.RetrievedSim)?.Rank,
            FirstFailureTheory = rows.FirstOrDefault(r => !r.RetrievedTheory)?.Rank,
            RC = rc,
            CountAboveRC = weights.Count(w => w > rc),
            MeanAbsDm = both.Count > 0 ? both.Average(r => Math.Abs(r.OverlapSim - r.OverlapTheory!.Value)) : null,
            MeanOverlapSim = both.Count > 0 ? both.Average(r => r.OverlapSim) : null,
            MeanOverlapTheory = both.Count > 0 ? both.Average(r => r.OverlapTheory!.Value) : null,
            MeanSweeps = sim.Steps.Average(s => (double)Math.Abs(s)),
            Unconverged = sim.Steps.Count(s => s <= 0),
            TimeSimS = simSeconds,
            TimeTheoryS = theorySeconds,
        };
        return new HopfieldConfigResult(config, summary, rows);
    }

    /// <summary>Pairs M = N/2 with M = N for every geometric (N, λ) in the results.</summary>
    public static List<HopfieldOnlineRow> Online(IReadOnlyList<HopfieldConfigResult> results)
    {
        var rows = new List<HopfieldOnlineRow>();
        foreach (var full in results.Where(r => r.Config.Distribution.Kind == WeightKind.Geometric && r.Config.M == r.Config.N))
        {
            var half = results.FirstOrDefault(r => r.Config.Distribution == full.Config.Distribution &&
                                                   r.Config.N == full.Config.N && r.Config.M == full.Config.N / 2);
            if (half is null) continue;
            var keptHalf = half.Patterns.Where(p => p.RetrievedSim).Select(p => p.Pattern).ToHashSet();
            var keptFull = full.Patterns.Where(p => p.RetrievedSim).Select(p => p.Pattern).ToHashSet();
            rows.Add(new HopfieldOnlineRow
            {
                N = full.Config.N, Lambda = full.Config.Distribution.Lambda,
                SimHalf = half.Summary.RetrievedSim, SimFull = full.Summary.RetrievedSim,
                TheoryHalf = half.Summary.RetrievedTheory, TheoryFull = full.Summary.RetrievedTheory,
                SimRatio = half.Summary.RetrievedSim > 0 ? (double)full.Summary.RetrievedSim / half.Summary.RetrievedSim : null,
                SimKept = keptHalf.Count > 0 ? keptHalf.Count(keptFull.Contains) / (double)keptHalf.Count : null,
            });
        }
        return rows;
    }

    /// <summary>Writes CSV rows through <see cref="AtomicFile"/> (temporary file, fsync, rename), so a reader never sees a half-written table.</summary>
    public static void WriteCsv<T>(string path, IEnumerable<T> rows) =>
        AtomicFile.WriteText(path, writer =>
        {
            using var csv = CsvWriter.Create(writer);
            csv.WriteRecords(rows);
        });
}
