using SpikeFit.Experiments.M4;
using SpikeFit.Tests.Data;

namespace SpikeFit.Tests.Experiments;

/// <summary>
/// The statistics the M = 4 summary reports beside Welch's test (issue 14): Holm's correction across the
/// comparisons, the difference in means with its 95 % interval and Hedges' g with its interval, checked
/// against values computed by hand; and a summary.csv written before these columns still reads.
/// </summary>
public sealed class M4StatisticsTests
{
    [Fact]
    public void Holm_matches_the_hand_computed_step_down()
    {
        // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.06.
        var adjusted = HolmCorrection.Adjust(new[] { 0.01, 0.04, 0.03, 0.005 });
        Assert.Equal(new[] { 0.03, 0.06, 0.06, 0.02 }, adjusted.Select(v => Math.Round(v, 12)).ToArray());
        // Capped at 1; NaN (an undefined test) is kept and not counted in m.
        var capped = HolmCorrection.Adjust(new[] { 0.6, double.NaN, 0.2 });
        Assert.Equal(0.6, capped[0], 12); // max(2·0.2, 1·0.6)
        Assert.True(double.IsNaN(capped[1]));
        Assert.Equal(0.4, capped[2], 12);
        Assert.Empty(HolmCorrection.Adjust(Array.Empty<double>()));
    }

    [Fact]
    public void Effect_sizes_match_the_hand_computed_values()
    {
        // a = b + 1 with n = 5 each and s² = 2.5 on both sides: Δ = 1, SE = √(0.5 + 0.5) = 1, Welch df = 8 exactly,
        // t(0.975, 8) = 2.306004135033371 (tables), so the interval is 1 ± 2.306004135033371.
        // Hedges: s_pooled = √2.5, J = 1 − 3/(4·10 − 9) = 28/31, g = 28/31 / √2.5 = 0.5712501579659007;
        // SE = √(10/25 + g²/20), z = 1.959963984540054: [−0.69336917825324, 1.8358694941850415].
        var b = new[] { 1.0, 2, 3, 4, 5 };
        var a = b.Select(v => v + 1).ToArray();
        var e = EffectSize.Compare(a, b);
        Assert.Equal(1.0, e.Delta, 12);
        Assert.Equal(1 - 2.306004135033371, e.DeltaLow, 1e-9);
        Assert.Equal(1 + 2.306004135033371, e.DeltaHigh, 1e-9);
        Assert.Equal(0.5712501579659007, e.G, 12);
        Assert.Equal(-0.69336917825324, e.GLow, 1e-9);
        Assert.Equal(1.8358694941850415, e.GHigh, 1e-9);
        // Swapping the samples mirrors everything.
        var s = EffectSize.Compare(b, a);
        Assert.Equal(-e.G, s.G, 12);
        Assert.Equal(-e.DeltaHigh, s.DeltaLow, 10);
    }

    [Fact]
    public void Effect_sizes_are_undefined_without_spread()
    {
        var one = EffectSize.Compare(new[] { 2.0 }, new[] { 1.0, 2.0 });
        Assert.Equal(0.5, one.Delta, 12);
        Assert.True(double.IsNaN(one.DeltaLow) && double.IsNaN(one.G));
        var flat = EffectSize.Compare(new[] { 3.0, 3.0 }, new[] { 2.0, 2.0 });
        Assert.Equal(1.0, flat.DeltaLow);
        Assert.True(double.IsNaN(flat.G));
    }

    [Fact]
    public void Summary_compares_cat_with_the_best_rival_including_learned_ones_and_corrects_across_comparisons()
    {
        var rows = new List<M4Row>();
        void Add(string net, string method, string family, int bits, params double[] acc)
        {
            for (int i = 0; i < acc.Length; i++)
                rows.Add(new M4Row { Net = net, Method = method, Family = family, Bits = bits, M = 4, Seed = i + 1, AccuracyPct = acc[i] });
        }
        Add("mlp", "qat", "baseline", 4, 85.0, 85.2, 85.1);
        Add("mlp", "lsq", "baseline", 2, 86.0, 86.4, 86.2);
        Add("mlp", "dkm", "baseline", 32, 85.5, 85.9, 85.7);
        Add("mlp", "cat", "spikefit", 4, 86.5, 86.8, 86.7);
        Add("mlp", "cat", "spikefit", 2, 86.1, 86.3, 86.0);
        Add("conv", "dkm", "baseline", 32, 80.0, 80.5, 81.0);
        Add("conv", "cat", "spikefit", 4, 81.0, 81.5, 81.2);
        var summary = SummaryTable.Build(rows);
        var cats = summary.Where(r => r.Family == "spikefit").ToList();
        Assert.Equal(3, cats.Count);
        Assert.All(cats.Where(r => r.Net == "mlp"), r => Assert.Equal("lsq", r.BestBaselineMethod)); // the learned rival is the best
        Assert.Equal("dkm", cats.Single(r => r.Net == "conv").BestBaselineMethod);
        var raw = cats.Select(r => r.PValue!.Value).ToArray();
        var expected = HolmCorrection.Adjust(raw);
        for (int i = 0; i < cats.Count; i++)
        {
            Assert.Equal(expected[i], cats[i].PHolm!.Value, 15);
            Assert.True(cats[i].PHolm >= cats[i].PValue);
            var effect = EffectSize.Compare(rows.Where(r => r.Net == cats[i].Net && r.Method == "cat" && r.Bits == cats[i].Bits).Select(r => r.AccuracyPct).ToList(),
                rows.Where(r => r.Net == cats[i].Net && r.Method == cats[i].BestBaselineMethod).Select(r => r.AccuracyPct).ToList());
            Assert.Equal(effect.G, cats[i].HedgesG!.Value, 12);
            Assert.True(cats[i].DeltaCiLowPp < cats[i].DeltaAccuracyPp && cats[i].DeltaAccuracyPp < cats[i].DeltaCiHighPp);
        }
        Assert.All(summary.Where(r => r.Family == "baseline"), r => Assert.Null(r.PHolm));
        var md = SummaryMarkdown.Render(summary, new M4Provenance("full", "fashion-mnist", "", "cpu", "abc", "2026-12-02"));
        Assert.Contains("p Holm", md);
        Assert.Contains("Holm-corrected p = ", md);
    }

    [Fact]
    public void The_verdict_says_beat_only_with_a_significant_lead_over_the_best_baseline()
    {
        List<M4Row> Rows(params double[] cat)
        {
            var rows = new List<M4Row>();
            double[] qat = [85.0, 85.1, 85.2, 85.1, 85.0];
            for (int i = 0; i < 5; i++)
            {
                rows.Add(new M4Row { Net = "mlp", Method = "qat", Family = "baseline", Bits = 4, M = 4, Seed = i + 1, AccuracyPct = qat[i] });
                rows.Add(new M4Row { Net = "mlp", Method = "cat", Family = "spikefit", Bits = 4, M = 4, Seed = i + 1, AccuracyPct = cat[i] });
            }
            return rows;
        }
        var clear = SummaryMarkdown.Verdicts(SummaryTable.Build(Rows(90.0, 90.1, 90.2, 90.1, 90.0)));
        Assert.Contains("**beat every**", clear[0]);
        Assert.Contains(", significant at the 5 % level", clear[0]);
        // A mean 0.02 points higher, well inside the seeds' spread: above every baseline in mean, and not called a win.
        var tie = SummaryMarkdown.Verdicts(SummaryTable.Build(Rows(85.3, 84.8, 85.2, 85.0, 85.3)));
        Assert.Contains("**had a higher mean than every**", tie[0]);
        Assert.Contains("its lead over the best baseline is not significant", tie[0]);
        Assert.Contains("not significant at the 5 % level", tie[0]);
        // Means equal to two decimals (85.08 each, 0.004 points apart): a tie, neither "higher" nor "did not beat".
        var same = SummaryMarkdown.Verdicts(SummaryTable.Build(Rows(85.1, 84.9, 85.2, 85.0, 85.22)));
        Assert.Contains("**tied** qat 4-bit in mean accuracy (85.08 % each, to two decimals) and had a higher mean than the other 0 of the 1", same[0]);
        Assert.DoesNotContain("higher mean than every", same[0]);
        Assert.DoesNotContain("did not beat", same[0]);
        Assert.Contains("not significant at the 5 % level", same[0]);
        // Below by 0.004: a tie too.
        var below = SummaryMarkdown.Verdicts(SummaryTable.Build(Rows(85.1, 84.9, 85.2, 85.0, 85.18)));
        Assert.Contains("**tied** qat 4-bit", below[0]);
        // Below by more than the printed digits: not beaten.
        var lower = SummaryMarkdown.Verdicts(SummaryTable.Build(Rows(84.1, 83.9, 84.2, 84.0, 84.2)));
        Assert.Contains("**did not beat every** M = 4 baseline at 4 bits or with a float codebook: 84.08 % is not above qat 4-bit (85.08 %) (0 of 1 beaten).", lower[0]);
    }

    [Fact]
    public void A_summary_written_before_the_effect_size_columns_still_reads()
    {
        using var dir = new TempDir();
        string path = dir.Sub("summary.csv");
        var rows = SummaryTable.Build(new List<M4Row>
        {
            new() { Net = "mlp", Method = "qat", Family = "baseline", Bits = 4, M = 4, Seed = 1, AccuracyPct = 85 },
            new() { Net = "mlp", Method = "qat", Family = "baseline", Bits = 4, M = 4, Seed = 2, AccuracyPct = 86 },
            new() { Net = "mlp", Method = "cat", Family = "spikefit", Bits = 4, M = 4, Seed = 1, AccuracyPct = 87 },
            new() { Net = "mlp", Method = "cat", Family = "spikefit", Bits = 4, M = 4, Seed = 2, AccuracyPct = 87.5 },
        });
        SummaryTable.Write(path, rows);
        // Drop the new columns, as a table written before them has none.
        string[] added = { "p_holm", "delta_ci_low_pp", "delta_ci_high_pp", "hedges_g", "hedges_g_ci_low", "hedges_g_ci_high" };
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !added.Contains(header[i])).ToArray();
        Assert.Equal(header.Length - added.Length, keep.Length);
        File.WriteAllLines(path, lines.Select(l => string.Join(",", keep.Select(i => l.Split(',')[i]))));
        var back = SummaryTable.Read(path);
        Assert.Equal(rows.Count, back.Count);
        Assert.All(back, r => Assert.Null(r.PHolm));
        Assert.Equal(rows.Single(r => r.Method == "cat").PValue!.Value, back.Single(r => r.Method == "cat").PValue!.Value, 12);
        // The committed table of the full run (written before these columns) still reads too.
        string committed = Path.Combine(RepoRoot(), "results", "m4", "fashion-mnist", "summary.csv");
        if (File.Exists(committed)) Assert.NotEmpty(SummaryTable.Read(committed));
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "SpikeFit.Gpu.sln"))) d = d.Parent;
        return d?.FullName ?? AppContext.BaseDirectory;
    }
}

/// <summary>The Pareto front of the accuracy-vs-bits plot.</summary>
public sealed class M4ParetoFrontTests
{
    [Fact]
    public void Front_keeps_the_rows_no_smaller_row_beats()
    {
        SummaryRow R(string m, double bits, double acc) => new() { Method = m, BitsPerSynapseMean = bits, AccuracyMeanPct = acc };
        var rows = new[] { R("fp32", 32, 88), R("qat", 4, 85), R("cat", 2.1, 86), R("binary", 1.1, 80), R("lsq", 2.1, 85.5), R("dkm", 32, 87) };
        var front = M4Plots.ParetoFront(rows, r => r.BitsPerSynapseMean);
        Assert.Equal(new[] { "binary", "cat", "fp32" }, front.Select(r => r.Method));
    }
}
