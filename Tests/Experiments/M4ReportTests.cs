using System.Reflection;
using SpikeFit.Experiments.M4;
using SpikeFit.Tests.Data;

namespace SpikeFit.Tests.Experiments;

/// <summary>The tables, summary statistics, Markdown and plots of reproduce m4 (<see cref="M4Report"/>).</summary>
public sealed class M4ReportTests
{
    // Expected values computed independently of MathNet with mpmath 1.3.0 at 40 digits (python3): sample
    // variances, t = (m_a − m_b)/√(s²a/na + s²b/nb), Welch–Satterthwaite df, and p = I_{df/(df+t²)}(df/2, 1/2)
    // (the two-sided Student-t tail as a regularized incomplete beta). The first case is the example of
    // Wikipedia's "Welch's t-test" article (t ≈ −2.46, df ≈ 25.0, p ≈ 0.021).
    public static TheoryData<double[], double[], double, double, double> WelchCases => new()
    {
        {
            new[] { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4 },
            new[] { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4 },
            -2.4553563982860051, 24.988529290231414, 0.021378001462867032
        },
        { new[] { 88.9, 89.3, 89.1 }, new[] { 88.2, 88.9, 88.4 }, 2.5205041512504176, 3.1243243243243243, 0.082802203458293284 },
        { new[] { 1.0, 2, 3, 4 }, new[] { 10.0, 10.5, 11 }, -11.31370849898476, 4.0754716981132075, 0.00031384689194987642 },
    };

    [Theory]
    [MemberData(nameof(WelchCases))]
    public void Welch_matches_an_independent_computation(double[] a, double[] b, double t, double df, double p)
    {
        var r = WelchTest.Compare(a, b);
        Assert.True(r.IsDefined);
        Assert.Equal(t, r.T, 1e-10);
        Assert.Equal(df, r.Df, 1e-10);
        Assert.Equal(p, r.P, p * 1e-8);
        // Two-sided: swapping the samples flips t, not p.
        Assert.Equal(p, WelchTest.Compare(b, a).P, p * 1e-8);
    }

    [Fact]
    public void Welch_is_undefined_with_one_seed_or_no_variance()
    {
        var one = WelchTest.Compare(new[] { 1.0 }, new[] { 1.0, 2.0 });
        Assert.True(double.IsNaN(one.P));
        Assert.Contains("fewer than 2 seeds", one.Note);
        var flat = WelchTest.Compare(new[] { 3.0, 3.0 }, new[] { 4.0, 4.0, 4.0 });
        Assert.True(double.IsNaN(flat.P));
        Assert.Contains("zero variance", flat.Note);
        // One flat side is fine: the other side's variance carries the test.
        Assert.True(WelchTest.Compare(new[] { 3.0, 3.0 }, new[] { 4.0, 5.0 }).IsDefined);
    }

    [Fact]
    public void Runs_csv_round_trips_every_column()
    {
        using var dir = new TempDir();
        string path = dir.Sub("runs.csv");
        var rows = HandMade();
        // Text with the separator, quotes and ';' must survive.
        rows[0] = Row("mlp", "fp32", "reference", 32, 0, 1, 90.0, fits: "Loihi;Loihi 2, \"v2\"", layers: "fc1:4;fc2:4");
        RunsTable.Write(path, rows);
        var back = RunsTable.Read(path);
        Assert.Equal(rows.Count, back.Count);
        for (int i = 0; i < rows.Count; i++) AssertSameRow(rows[i], back[i]);
    }

    [Fact]
    public void Append_keeps_every_row_and_leaves_no_temp_file()
    {
        using var dir = new TempDir();
        string path = dir.Sub("out", "runs.csv");
        var rows = HandMade().Take(4).ToList();
        foreach (var r in rows) RunsTable.Append(path, r);
        var back = RunsTable.Read(path);
        Assert.Equal(rows.Select(r => (r.Method, r.Seed, r.AccuracyPct)), back.Select(r => (r.Method, r.Seed, r.AccuracyPct)));
        Assert.Equal(new[] { "runs.csv" }, Directory.GetFiles(dir.Sub("out")).Select(Path.GetFileName));
    }

    [Fact]
    public void Reading_a_table_without_a_column_names_the_file_and_the_column()
    {
        using var dir = new TempDir();
        string path = dir.Sub("runs.csv");
        RunsTable.Write(path, HandMade());
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        int drop = Array.IndexOf(header, "energy_uj");
        Assert.True(drop >= 0);
        File.WriteAllLines(path, lines.Select(l => string.Join(",", l.Split(',').Where((_, i) => i != drop))));
        var e = Assert.Throws<InvalidDataException>(() => RunsTable.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("energy_uj", e.Message);
    }

    [Fact]
    public void A_table_with_reordered_and_extra_columns_still_reads()
    {
        using var dir = new TempDir();
        string path = dir.Sub("runs.csv");
        var rows = HandMade();
        RunsTable.Write(path, rows);
        // Move the first column to the end and add one a later version might write.
        var lines = File.ReadAllLines(path).Select(l => l.Split(',')).ToList();
        Assert.All(lines, l => Assert.Equal(lines[0].Length, l.Length)); // no quoted commas in HandMade
        File.WriteAllLines(path, lines.Select((l, i) => string.Join(",", l.Skip(1).Append(l[0]).Append(i == 0 ? "future_column" : "x"))));
        var back = RunsTable.Read(path);
        for (int i = 0; i < rows.Count; i++) AssertSameRow(rows[i], back[i]);
    }

    [Fact]
    public void Summary_aggregates_seeds_ranks_and_tests_against_the_best_baseline()
    {
        var s = SummaryTable.Build(HandMade());
        // Order: net by appearance, then reference, baseline, spikefit, pruning.
        Assert.Equal(new[] { "mlp/fp32", "mlp/ptq-kmeans", "mlp/qat", "mlp/binary", "mlp/cat", "mlp/cat-fsc", "mlp/prune-magnitude", "conv/qat", "conv/cat" },
                     s.Select(r => $"{r.Net}/{r.Method}"));
        var mlp = s.Where(r => r.Net == "mlp").ToDictionary(r => r.Method);

        // qat: 88.2, 88.9, 88.4 → mean 88.5, deviations −0.3, 0.4, −0.1, sample variance 0.26/2 = 0.13.
        Assert.Equal(3, mlp["qat"].N);
        Assert.Equal("1;2;3", mlp["qat"].Seeds);
        Assert.Equal(88.5, mlp["qat"].AccuracyMeanPct, 1e-12);
        Assert.Equal(Math.Sqrt(0.13), mlp["qat"].AccuracyStdPct!.Value, 1e-12);
        // cat: 88.9, 89.3, 89.1 → 89.1 ± √(0.08/2) = 0.2.
        Assert.Equal(89.1, mlp["cat"].AccuracyMeanPct, 1e-12);
        Assert.Equal(0.2, mlp["cat"].AccuracyStdPct!.Value, 1e-12);
        // The other means: energy = acc / 100 µJ, size = bits · 10 KiB, synapses = 1000 + seed.
        Assert.Equal(0.885, mlp["qat"].EnergyUjMean, 1e-12);
        Assert.Equal(40, mlp["qat"].ModelSizeKibMean, 1e-12);
        Assert.Equal(1002, mlp["qat"].NonZeroSynapsesMean, 1e-12);
        Assert.Equal(4, mlp["qat"].MaxUniqueValuesMean, 1e-12);

        // Ranks among M = 4 baseline + spikefit rows: cat 89.1, cat-fsc 88.6, qat 88.5, ptq-kmeans 87.5; binary (M = 2),
        // fp32 and pruning rows are not ranked.
        Assert.Equal(1, mlp["cat"].Rank);
        Assert.Equal(2, mlp["cat-fsc"].Rank);
        Assert.Equal(3, mlp["qat"].Rank);
        Assert.Equal(4, mlp["ptq-kmeans"].Rank);
        Assert.Null(mlp["binary"].Rank);
        Assert.Null(mlp["fp32"].Rank);
        Assert.Null(mlp["prune-magnitude"].Rank);

        // Best baseline: qat 4-bit (88.5), not binary or fp32. Welch values: the second case of WelchCases.
        Assert.Equal("qat", mlp["cat"].BestBaselineMethod);
        Assert.Equal(4, mlp["cat"].BestBaselineBits);
        Assert.Equal(0.6, mlp["cat"].DeltaAccuracyPp!.Value, 1e-9);
        Assert.Equal(2.5205041512504176, mlp["cat"].WelchT!.Value, 1e-10);
        Assert.Equal(3.1243243243243243, mlp["cat"].WelchDf!.Value, 1e-10);
        Assert.Equal(0.082802203458293284, mlp["cat"].PValue!.Value, 1e-10);
        Assert.Equal("", mlp["cat"].Note);
        // One seed: no p, and the note says why. Baseline rows carry no comparison.
        Assert.Null(mlp["cat-fsc"].PValue);
        Assert.Contains("fewer than 2 seeds", mlp["cat-fsc"].Note);
        Assert.Null(mlp["qat"].PValue);
        Assert.Equal("", mlp["qat"].BestBaselineMethod);

        // conv: identical seeds on both sides → tie for rank 1 and no test.
        var conv = s.Where(r => r.Net == "conv").ToDictionary(r => r.Method);
        Assert.Equal(1, conv["qat"].Rank);
        Assert.Equal(1, conv["cat"].Rank);
        Assert.Null(conv["cat"].PValue);
        Assert.Contains("zero variance", conv["cat"].Note);
        Assert.Equal(0.0, conv["cat"].AccuracyStdPct);
        Assert.Equal("quick", mlp["cat"].Preset);
        Assert.Equal("2025-01-01T00:00:03Z", mlp["cat"].Date);
    }

    [Fact]
    public void Summary_csv_round_trips()
    {
        using var dir = new TempDir();
        string path = dir.Sub("summary.csv");
        var s = SummaryTable.Build(HandMade());
        SummaryTable.Write(path, s);
        var back = SummaryTable.Read(path);
        Assert.Equal(s.Count, back.Count);
        foreach (var p in typeof(SummaryRow).GetProperties())
            for (int i = 0; i < s.Count; i++)
                Assert.True(Equals(p.GetValue(s[i]), p.GetValue(back[i])), $"{p.Name} of row {i}: {p.GetValue(s[i])} vs {p.GetValue(back[i])}");
    }

    [Fact]
    public void Markdown_states_the_verdict_from_the_numbers()
    {
        var s = SummaryTable.Build(HandMade());
        var md = SummaryMarkdown.Render(s, M4Provenance.FromRows(HandMade()));
        Assert.Contains("Preset **quick**", md);
        Assert.Contains("dataset **fashion-mnist**", md);
        Assert.Contains("commit `abc1234`", md);
        Assert.Contains("## mlp", md);
        Assert.Contains("## conv", md);
        // mlp: cat 89.1 beats qat 4-bit 88.5 and ptq-kmeans (float codebook) 87.5; binary (M = 2) is not a rival.
        var mlp = SummaryMarkdown.Verdicts(s.Where(r => r.Net == "mlp").ToList());
        Assert.Single(mlp);
        // Above both in mean, but p = 0.083 against the best baseline: not called a win.
        Assert.Contains("**had a higher mean than every**", mlp[0]);
        Assert.DoesNotContain("**beat every**", mlp[0]);
        Assert.Contains("(2 of 2)", mlp[0]);
        Assert.Contains("p = 0.083", mlp[0]);
        Assert.Contains("its lead over the best baseline is not significant", mlp[0]);
        // conv: cat ties qat at 85.0: a tie, neither beaten nor beating.
        var conv = SummaryMarkdown.Verdicts(s.Where(r => r.Net == "conv").ToList());
        Assert.Contains("**tied** qat 4-bit in mean accuracy (85.00 % each, to two decimals)", conv[0]);
        Assert.DoesNotContain("beat every", conv[0]);
        Assert.Contains("zero variance", conv[0]);
        Assert.Contains(mlp[0], md);
        Assert.Contains("| **cat** | 4 | 4 | 3 | 89.10 ± 0.20 | +0.60 | [", md);
        // The only defined test in the table, so Holm leaves its p as it is.
        Assert.Contains("| 0.083 | 0.083 | +", md);
    }

    [Fact]
    public void Report_writes_every_file()
    {
        using var dir = new TempDir();
        var files = M4Report.Write(dir.Sub("m4"), HandMade());
        Assert.Equal(new[] { M4Plots.AccuracyVsEnergy, M4Plots.AccuracyVsSize, M4Plots.AccuracyByMethod, M4Plots.AccuracyVsBits }, files.Plots.Select(Path.GetFileName));
        foreach (var f in files.All)
        {
            Assert.True(File.Exists(f), f);
            Assert.True(new FileInfo(f).Length > 0, f);
        }
        byte[] magic = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        foreach (var png in files.Plots)
            Assert.Equal(magic, File.ReadAllBytes(png).Take(8));
        Assert.Equal(HandMade().Count, RunsTable.Read(files.Runs).Count);
        Assert.Equal(files.SummaryRows.Count, SummaryTable.Read(files.Summary).Count);
        // Only the report's files: no temp file left behind.
        Assert.Equal(files.All.Select(Path.GetFileName).Order(), Directory.GetFiles(dir.Sub("m4")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Report_of_no_rows_writes_empty_tables_and_no_plots()
    {
        using var dir = new TempDir();
        var files = M4Report.Write(dir.Path, Array.Empty<M4Row>());
        Assert.Empty(files.Plots);
        Assert.Empty(RunsTable.Read(files.Runs));
        Assert.Contains("No finished runs", File.ReadAllText(files.Markdown));
    }

    /// <summary>Two nets, every family, 1–3 seeds: the numbers the assertions above are worked out from.</summary>
    private static List<M4Row> HandMade()
    {
        var rows = new List<M4Row>();
        void Add(string net, string method, string family, int bits, int m, double[] acc, string criterion = "")
        {
            for (int i = 0; i < acc.Length; i++) rows.Add(Row(net, method, family, bits, m, i + 1, acc[i], criterion: criterion));
        }
        Add("mlp", "fp32", "reference", 32, 0, new[] { 90.0, 90.2, 90.4 });
        Add("mlp", "ptq-kmeans", "baseline", 32, 4, new[] { 87.0, 87.5, 88.0 });
        Add("mlp", "qat", "baseline", 4, 4, new[] { 88.2, 88.9, 88.4 });
        Add("mlp", "binary", "baseline", 1, 2, new[] { 80.0, 81.0, 82.0 });
        Add("mlp", "cat", "spikefit", 4, 4, new[] { 88.9, 89.3, 89.1 });
        Add("mlp", "cat-fsc", "spikefit", 4, 4, new[] { 88.6 }, criterion: "fsc");
        Add("mlp", "prune-magnitude", "pruning", 4, 4, new[] { 86.0, 86.5 }, criterion: "magnitude");
        Add("conv", "qat", "baseline", 4, 4, new[] { 85.0, 85.0, 85.0 });
        Add("conv", "cat", "spikefit", 4, 4, new[] { 85.0, 85.0, 85.0 });
        return rows;
    }

    private static M4Row Row(string net, string method, string family, int bits, int m, int seed, double acc,
                             string criterion = "", string fits = "Loihi", string layers = "fc1:4") => new()
    {
        Method = method, Family = family, Net = net, Bits = bits, M = m, Seed = seed, AccuracyPct = acc,
        MaxUniqueValues = m == 0 ? 1000 : m, UniqueValuesPerLayer = layers, BitsPerSynapse = Math.Min(bits, 8) + 0.25,
        ModelSizeKib = bits * 10, Neurons = 522, HiddenUnits = 512, NonZeroSynapses = 1000 + seed,
        FiringRates = "lif1:0.081", SopsPerInference = 12345.5 + seed, EnergyUj = acc / 100, EnergyTrueNorthUj = 0.3,
        EnergyLoihiUj = 0.29, FitsChips = fits, PruneCriterion = criterion, PrunedFraction = criterion.Length > 0 ? 0.5 : 0,
        TrainSeconds = 1.5, Device = "CPU (test)", Commit = "abc1234", Preset = "quick", Dataset = "fashion-mnist",
        DatasetSha256 = "0123456789abcdef0123", Date = $"2025-01-01T00:00:0{seed}Z",
    };

    private static void AssertSameRow(M4Row expected, M4Row actual)
    {
        foreach (var p in typeof(M4Row).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            Assert.True(Equals(p.GetValue(expected), p.GetValue(actual)), $"{p.Name}: {p.GetValue(expected)} vs {p.GetValue(actual)}");
    }
}
