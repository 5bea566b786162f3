using MathNet.Numerics.Statistics;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// <c>summary.csv</c>: <c>runs.csv</c> aggregated over seeds, with the rank of each M = 4 method and, for every
/// SpikeFit row against its net's best M = 4 baseline (any baseline family row, learned rivals such as LSQ and DKM
/// included): Welch's t-test, its p-value Holm-corrected across all those comparisons, the difference in means
/// with its 95 % confidence interval and Hedges' g with an approximate 95 % interval.
/// </summary>
public static class SummaryTable
{
    /// <summary>The file name of the table in a reproduce m4 output folder.</summary>
    public const string FileName = "summary.csv";

    /// <summary>The codebook size the comparison is about (DESIGN §5): ranks and baselines only count rows with this M.</summary>
    public const int ComparedM = 4;

    /// <summary>Family keys of <see cref="M4Row.Family"/>.</summary>
    public const string Reference = "reference", Baseline = "baseline", SpikeFit = "spikefit", Pruning = "pruning";

    /// <summary>
    /// One row per (net, method, bits, M, prune criterion) group. M is part of the key so that a method run at
    /// several codebook sizes is never averaged across them. Rows are ordered by net (first appearance), then
    /// family (reference, baseline, spikefit, pruning), method (first appearance), bits (descending), M and criterion.
    /// </summary>
    public static List<SummaryRow> Build(IReadOnlyList<M4Row> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var netOrder = FirstAppearance(rows.Select(r => r.Net));
        var methodOrder = FirstAppearance(rows.Select(r => r.Method));
        var groups = rows
            .GroupBy(r => (r.Net, r.Method, r.Bits, r.M, r.PruneCriterion))
            .OrderBy(g => netOrder[g.Key.Net])
            .ThenBy(g => FamilyOrder(g.First().Family))
            .ThenBy(g => methodOrder[g.Key.Method])
            .ThenByDescending(g => g.Key.Bits)
            .ThenBy(g => g.Key.M)
            .ThenBy(g => g.Key.PruneCriterion, StringComparer.Ordinal)
            .Select(g => g.OrderBy(r => r.Seed).ToList())
            .ToList();

        var result = new List<SummaryRow>(groups.Count);
        foreach (var net in groups.GroupBy(g => g[0].Net))
        {
            var comparedMeans = net.Where(IsCompared).Select(MeanAccuracy).ToList();
            // Highest mean accuracy; the first in table order wins a tie, so the choice is deterministic.
            List<M4Row>? best = null;
            foreach (var g in net.Where(g => g[0].Family == Baseline && g[0].M == ComparedM))
                if (best is null || MeanAccuracy(g) > MeanAccuracy(best)) best = g;
            foreach (var g in net)
            {
                int? rank = IsCompared(g) ? 1 + comparedMeans.Count(m => m > MeanAccuracy(g)) : null;
                var s = Aggregate(g, rank);
                if (s.Family == SpikeFit)
                {
                    if (best is null)
                        s.Note = $"no M = {ComparedM} baseline for this net";
                    else
                    {
                        var welch = WelchTest.Compare(Accuracies(g), Accuracies(best));
                        s.BestBaselineMethod = best[0].Method;
                        s.BestBaselineBits = best[0].Bits;
                        s.DeltaAccuracyPp = s.AccuracyMeanPct - MeanAccuracy(best);
                        s.WelchT = welch.IsDefined ? welch.T : null;
                        s.WelchDf = welch.IsDefined ? welch.Df : null;
                        s.PValue = welch.IsDefined ? welch.P : null;
                        s.Note = welch.Note ?? "";
                        var effect = EffectSize.Compare(Accuracies(g), Accuracies(best));
                        s.DeltaCiLowPp = Defined(effect.DeltaLow);
                        s.DeltaCiHighPp = Defined(effect.DeltaHigh);
                        s.HedgesG = Defined(effect.G);
                        s.HedgesGCiLow = Defined(effect.GLow);
                        s.HedgesGCiHigh = Defined(effect.GHigh);
                    }
                }
                result.Add(s);
            }
        }
        // Holm across every comparison the table reports (each SpikeFit row against its net's best baseline).
        var tested = result.Where(r => r.PValue is not null).ToList();
        var holm = HolmCorrection.Adjust(tested.Select(r => r.PValue!.Value).ToList());
        for (int i = 0; i < tested.Count; i++) tested[i].PHolm = holm[i];
        return result;
    }

    private static double? Defined(double v) => double.IsNaN(v) ? null : v;

    /// <summary>Writes the table atomically (temp file, flush, rename).</summary>
    public static void Write(string path, IEnumerable<SummaryRow> rows) => CsvTable.Write(path, rows);

    /// <summary>Reads the table; a missing column is an <see cref="InvalidDataException"/> naming the file and column.</summary>
    public static List<SummaryRow> Read(string path) => CsvTable.Read<SummaryRow>(path);

    /// <summary>Whether a row takes part in the M = 4 ranking: a baseline or SpikeFit row with M = 4.</summary>
    public static bool IsCompared(SummaryRow row) => IsCompared(row.Family, row.M);

    private static bool IsCompared(string family, int m) => m == ComparedM && (family == Baseline || family == SpikeFit);

    private static bool IsCompared(List<M4Row> group) => IsCompared(group[0].Family, group[0].M);

    private static double[] Accuracies(List<M4Row> rows) => rows.Select(r => r.AccuracyPct).ToArray();

    private static double MeanAccuracy(List<M4Row> rows) => rows.Average(r => r.AccuracyPct);

    private static SummaryRow Aggregate(List<M4Row> g, int? rank)
    {
        var first = g[0];
        var acc = Accuracies(g);
        return new SummaryRow
        {
            Net = first.Net, Family = first.Family, Method = first.Method, Bits = first.Bits, M = first.M,
            PruneCriterion = first.PruneCriterion, N = g.Count,
            Seeds = string.Join(";", g.Select(r => r.Seed)),
            AccuracyMeanPct = MeanAccuracy(g),
            AccuracyStdPct = g.Count >= 2 ? acc.StandardDeviation() : null,
            MaxUniqueValuesMean = g.Average(r => (double)r.MaxUniqueValues),
            BitsPerSynapseMean = g.Average(r => r.BitsPerSynapse),
            ModelSizeKibMean = g.Average(r => r.ModelSizeKib),
            EnergyUjMean = g.Average(r => r.EnergyUj),
            SopsPerInferenceMean = g.Average(r => r.SopsPerInference),
            NeuronsMean = g.Average(r => (double)r.Neurons),
            NonZeroSynapsesMean = g.Average(r => (double)r.NonZeroSynapses),
            PrunedFractionMean = g.Average(r => r.PrunedFraction),
            Rank = rank,
            Preset = Distinct(g.Select(r => r.Preset)),
            Dataset = Distinct(g.Select(r => r.Dataset)),
            DatasetSha256 = Distinct(g.Select(r => r.DatasetSha256)),
            Device = Distinct(g.Select(r => r.Device)),
            Commit = Distinct(g.Select(r => r.Commit)),
            // ISO 8601 UTC strings sort in time order.
            Date = g.Select(r => r.Date).Max(StringComparer.Ordinal) ?? "",
        };
    }

    /// <summary>Distinct non-empty values in order of appearance, ";"-joined.</summary>
    internal static string Distinct(IEnumerable<string> values) =>
        string.Join(";", values.Where(v => !string.IsNullOrEmpty(v)).Distinct(StringComparer.Ordinal));

    private static Dictionary<string, int> FirstAppearance(IEnumerable<string> keys)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var k in keys) order.TryAdd(k, order.Count);
        return order;
    }

    private static int FamilyOrder(string family) => family switch
    {
        Reference => 0, Baseline => 1, SpikeFit => 2, Pruning => 3, _ => 4,
    };
}
