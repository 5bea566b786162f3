using System.Globalization;
using System.Text;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// <c>summary.md</c>: a provenance line, then per net a verdict in words and a table of every summary row.
/// Every sentence is generated from the numbers of <see cref="SummaryRow"/>s.
/// </summary>
public static class SummaryMarkdown
{
    /// <summary>The file name of the summary in a reproduce m4 output folder.</summary>
    public const string FileName = "summary.md";

    /// <summary>The SpikeFit method whose verdict the summary states (CAT without pruning).</summary>
    public const string CatMethod = "cat";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Renders the whole Markdown document.</summary>
    /// <param name="partial">When the table is not finished (<c>spikefit report</c>): what is missing, shown under the header; null: a finished run.</param>
    public static string Render(IReadOnlyList<SummaryRow> summary, M4Provenance provenance, string? partial = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(provenance);
        var md = new StringBuilder();
        md.AppendLine("# reproduce m4: M = 4 weight-compression comparison");
        md.AppendLine();
        md.AppendLine(Inv, $"Preset **{Or(provenance.Preset)}** · dataset **{Or(provenance.Dataset)}**" +
                           $"{(provenance.DatasetSha256.Length > 0 ? $" (sha256 `{Short(provenance.DatasetSha256)}`)" : "")}" +
                           $" · device **{Or(provenance.Device)}** · commit `{Or(provenance.Commit)}` · {Or(provenance.Date)}");
        md.AppendLine();
        if (partial is not null)
        {
            md.AppendLine(Inv, $"> **Partial report** of an unfinished run: {partial} Rows with fewer seeds than the preset's have a smaller n, and their statistics will change.");
            md.AppendLine();
        }
        if (provenance.Preset.Split(';').Contains("quick"))
        {
            md.AppendLine("> **Quick preset**: few epochs and seeds, to check the pipeline end to end; its numbers do not test the claims.");
            md.AppendLine();
        }
        if (summary.Count == 0)
        {
            md.AppendLine("No finished runs yet.");
            return md.ToString();
        }
        md.AppendLine("Accuracy is test accuracy in %, mean ± sample standard deviation over seeds (n). Δ is the mean accuracy " +
                      $"minus that of the net's best M = {SummaryTable.ComparedM} baseline (the baseline row, quantize-then-cluster or learned " +
                      "(LSQ, DKM, MINT), with the highest mean accuracy), in percentage points, with its Welch 95 % confidence interval; " +
                      "p is Welch's two-sided t-test of the seeds against that baseline's seeds and p Holm the same p-value " +
                      "Holm-corrected across every comparison in this table; g is Hedges' g with an approximate 95 % interval. " +
                      $"Rank orders the net's M = {SummaryTable.ComparedM} baseline and SpikeFit rows by mean accuracy (1 = best). " +
                      "Bits \"float\": a float codebook without a bit-width. Other columns are means over seeds; energy is per inference " +
                      "with the Horowitz 45 nm constants.");
        foreach (var net in summary.GroupBy(r => r.Net))
        {
            var rows = net.ToList();
            md.AppendLine();
            md.AppendLine(Inv, $"## {Escape(net.Key)}");
            md.AppendLine();
            var best = rows.FirstOrDefault(r => r.Family == SummaryTable.SpikeFit && r.BestBaselineMethod.Length > 0);
            if (best is not null)
            {
                var baseline = rows.FirstOrDefault(r => r.Family == SummaryTable.Baseline && r.Method == best.BestBaselineMethod &&
                                                        r.Bits == best.BestBaselineBits && r.M == SummaryTable.ComparedM);
                md.AppendLine($"Best M = {SummaryTable.ComparedM} baseline: **{Label(best.BestBaselineMethod, best.BestBaselineBits ?? 32)}**" +
                                   (baseline is null ? "." : $" ({Pct(baseline.AccuracyMeanPct)} %)."));
                md.AppendLine();
            }
            foreach (var sentence in Verdicts(rows)) md.AppendLine(sentence).AppendLine();
            md.AppendLine("| method | bits | M | n | accuracy % | Δ vs best baseline (pp) | 95 % CI (pp) | p (Welch) | p Holm | g [95 % CI] | rank | unique values | bits/synapse | size KiB | energy µJ |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in rows)
            {
                // The criterion only where the method key does not already say it (prune-magnitude does, cat-fsc does not).
                string criterion = r.PruneCriterion.Length > 0 && !r.Method.Contains(r.PruneCriterion, StringComparison.Ordinal)
                    ? $"{Escape(r.PruneCriterion)}, " : "";
                string method = Escape(r.Method) + (r.PruneCriterion.Length > 0
                    ? string.Create(Inv, $" ({criterion}{r.PrunedFractionMean * 100:0.#} % pruned)") : "");
                if (r.Family == SummaryTable.SpikeFit) method = $"**{method}**";
                string acc = Pct(r.AccuracyMeanPct) + (r.AccuracyStdPct is double sd ? $" ± {Pct(sd)}" : "");
                string delta = r.DeltaAccuracyPp is double d ? d.ToString("+0.00;−0.00;0.00", Inv) : "";
                string p = r.PValue is double pv ? P(pv) : r.Note.Length > 0 && r.Family == SummaryTable.SpikeFit ? $"— ({Escape(r.Note)})" : "";
                string ci = r.DeltaCiLowPp is double lo && r.DeltaCiHighPp is double hi ? $"[{Signed(lo)}, {Signed(hi)}]" : "";
                string holm = r.PHolm is double ph ? P(ph) : "";
                string g = r.HedgesG is double gv ? Signed(gv) + (r.HedgesGCiLow is double gl && r.HedgesGCiHigh is double gh ? $" [{Signed(gl)}, {Signed(gh)}]" : "") : "";
                md.AppendLine(Inv, $"| {method} | {BitsLabel(r)} | {(r.M == 0 ? "—" : r.M.ToString(Inv))} | {r.N} | {acc} | {delta} | {ci} | {p} | {holm} | {g} | " +
                                   $"{r.Rank?.ToString(Inv) ?? ""} | {r.MaxUniqueValuesMean:0.#} | {r.BitsPerSynapseMean:0.00} | " +
                                   $"{r.ModelSizeKibMean:0.0} | {Sig(r.EnergyUjMean)} |");
            }
        }
        return md.ToString();
    }

    /// <summary>
    /// One sentence per CAT row (M = 4) of a net: whether its mean accuracy is above that of every M = 4
    /// baseline of the net with the same bit-width or with a float codebook (bits 32) — "beat every" only when
    /// its lead over the net's best baseline is significant, else "had a higher mean than every" —, "tied" where
    /// a baseline's mean equals CAT's to the two decimals printed, naming those it did not beat, and its Welch
    /// test against the net's best baseline.
    /// </summary>
    public static IReadOnlyList<string> Verdicts(IReadOnlyList<SummaryRow> netRows)
    {
        ArgumentNullException.ThrowIfNull(netRows);
        var sentences = new List<string>();
        var cats = netRows.Where(r => r.Method == CatMethod && r.M == SummaryTable.ComparedM).ToList();
        if (cats.Count == 0)
        {
            if (netRows.Count > 0) sentences.Add($"No {CatMethod} (M = {SummaryTable.ComparedM}) rows for this net yet.");
            return sentences;
        }
        foreach (var cat in cats)
        {
            string who = $"SpikeFit ({CatMethod}, {BitsWords(cat.Bits)})";
            string scope = cat.Bits == 32 ? "with a float codebook" : $"at {cat.Bits} bits or with a float codebook";
            var rivals = netRows.Where(r => r.Family == SummaryTable.Baseline && r.M == SummaryTable.ComparedM &&
                                            (r.Bits == cat.Bits || r.Bits == 32)).ToList();
            if (rivals.Count == 0)
            {
                sentences.Add($"{who}: no M = {SummaryTable.ComparedM} baseline {scope} to compare with.");
                continue;
            }
            // A rival whose mean equals CAT's at the two decimals the table prints is a tie, not a baseline CAT "did not beat"
            // or "had a higher mean than": either word would rest on digits the table does not show.
            var tied = rivals.Where(r => Pct(r.AccuracyMeanPct) == Pct(cat.AccuracyMeanPct)).ToList();
            var notBeaten = rivals.Where(r => !(cat.AccuracyMeanPct > r.AccuracyMeanPct) && !tied.Contains(r)).ToList();
            var sb = new StringBuilder();
            if (notBeaten.Count == 0 && tied.Count > 0)
            {
                sb.Append($"{who} **tied** " + string.Join(", ", tied.Select(r => Label(r.Method, r.Bits))) +
                          $" in mean accuracy ({Pct(cat.AccuracyMeanPct)} % each, to two decimals) and had a higher mean than the other " +
                          $"{rivals.Count - tied.Count} of the {rivals.Count} M = {SummaryTable.ComparedM} baselines {scope}.");
            }
            else if (notBeaten.Count == 0)
            {
                var closest = rivals.MaxBy(r => r.AccuracyMeanPct)!;
                // "Beat" only with a significant lead over the net's best baseline; a higher mean within the noise says so.
                bool significant = (cat.PHolm ?? cat.PValue) is double sig && sig < 0.05;
                sb.Append(string.Create(Inv, $"{who} {(significant ? "**beat every**" : "**had a higher mean than every**")} M = {SummaryTable.ComparedM} baseline {scope} ") +
                          $"({rivals.Count} of {rivals.Count}) in mean accuracy: {Pct(cat.AccuracyMeanPct)} % against at most " +
                          $"{Pct(closest.AccuracyMeanPct)} % ({Label(closest.Method, closest.Bits)})" +
                          (significant ? "." : ", but its lead over the best baseline is not significant (below)."));
            }
            else
            {
                sb.Append($"{who} **did not beat every** M = {SummaryTable.ComparedM} baseline {scope}: " +
                               $"{Pct(cat.AccuracyMeanPct)} % is not above " +
                               string.Join(", ", notBeaten.Select(r => $"{Label(r.Method, r.Bits)} ({Pct(r.AccuracyMeanPct)} %)")) +
                               (tied.Count > 0 ? "; tied with " + string.Join(", ", tied.Select(r => Label(r.Method, r.Bits))) : "") +
                               $" ({rivals.Count - notBeaten.Count - tied.Count} of {rivals.Count} beaten).");
            }
            if (cat.BestBaselineMethod.Length > 0)
            {
                // Significance is judged on the Holm-corrected p where the table has one (a summary written before it: the raw p).
                string test = cat.PValue is double p
                    ? $"Welch p = {P(p)}" + (cat.PHolm is double ph ? $", Holm-corrected p = {P(ph)}" : "") +
                      $" (n = {cat.N} seeds), {((cat.PHolm ?? p) < 0.05 ? "significant" : "not significant")} at the 5 % level" +
                      (cat.DeltaCiLowPp is double lo && cat.DeltaCiHighPp is double hi ? $"; 95 % CI of Δ [{Signed(lo)}, {Signed(hi)}] pp" : "") +
                      (cat.HedgesG is double g ? $", Hedges' g = {Signed(g)}" : "")
                    : $"no Welch test ({cat.Note})";
                sb.Append(Inv, $" Against the net's best baseline, {Label(cat.BestBaselineMethod, cat.BestBaselineBits ?? 32)}: " +
                               $"Δ = {cat.DeltaAccuracyPp!.Value.ToString("+0.00;−0.00;0.00", Inv)} pp, {test}.");
            }
            sentences.Add(sb.ToString());
        }
        return sentences;
    }

    /// <summary>"qat 4-bit", or the bare method for a float codebook (bits 32).</summary>
    internal static string Label(string method, int bits) => bits == 32 ? method : $"{method} {bits}-bit";

    private static string BitsWords(int bits) => bits == 32 ? "float codebook" : $"{bits}-bit";

    private static string BitsLabel(SummaryRow r) => r.Bits == 32 && r.Family != SummaryTable.Reference ? "float" : r.Bits.ToString(Inv);

    private static string Pct(double v) => v.ToString("0.00", Inv);

    private static string Signed(double v) => v.ToString("+0.00;−0.00;0.00", Inv);

    private static string P(double p) => p >= 0.001 ? p.ToString("0.000", Inv) : p.ToString("0.0e+0", Inv);

    /// <summary>About three significant digits, keeping trailing zeros so a column lines up (3.00, not 3).</summary>
    private static string Sig(double v) =>
        !double.IsFinite(v) ? "—" : v.ToString(Math.Abs(v) >= 100 ? "0" : Math.Abs(v) >= 10 ? "0.0" : Math.Abs(v) >= 1 ? "0.00" : "G3", Inv);

    private static string Or(string s) => s.Length > 0 ? Escape(s) : "?";

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    private static string Escape(string s) => s.Replace("|", "\\|");
}
