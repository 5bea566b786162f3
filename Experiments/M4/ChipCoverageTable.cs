using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsvHelper;
using SpikeFit.Training.Hardware;

namespace SpikeFit.Experiments.M4;

/// <summary>One row of chip_coverage.csv: one trained model (method × net × seed, and bits) mapped onto one chip.</summary>
[CsvRecord]
public sealed partial class ChipCoverageRow
{
    /// <summary>The method as the coverage table names it: the runs.csv name, or <c>&lt;method&gt;-chip:&lt;chip&gt;</c> for a chip variant (<c>cat-chip:TrueNorth</c>).</summary>
    [CsvColumn("method")] public string Method { get; init; } = "";
    [CsvColumn("net")] public string Net { get; init; } = "";
    [CsvColumn("seed")] public int Seed { get; init; }
    /// <summary>The chip mapped onto (every chip of the catalogue, for every model).</summary>
    [CsvColumn("chip")] public string Chip { get; init; } = "";
    [CsvColumn("fits")] public bool Fits { get; init; }
    [CsvColumn("cores")] public long Cores { get; init; }
    /// <summary>Chips needed; 0 when a layer cannot be placed on any core of the chip.</summary>
    [CsvColumn("chips_needed")] public long ChipsNeeded { get; init; }
    /// <summary>The first violated constraint in words with its numbers (empty when it fits).</summary>
    [CsvColumn("first_violation")] public string FirstViolation { get; init; } = "";
    /// <summary>The model's test accuracy in % (the same for every chip of the model).</summary>
    [CsvColumn("accuracy_pct")] public double AccuracyPct { get; init; }
    /// <summary>Weight bit-width b of the model (32: a float codebook).</summary>
    [CsvColumn("bits")] public int Bits { get; init; }
    [CsvColumn("m")] public int M { get; init; }
    /// <summary>Number of violated constraints.</summary>
    [CsvColumn("violations")] public int Violations { get; init; }
    /// <summary>reference, baseline, spikefit or pruning (of the method; a chip variant keeps its method's).</summary>
    [CsvColumn("family")] public string Family { get; init; } = "";
    /// <summary>The chip the model was trained for (empty: the plain method).</summary>
    [CsvColumn("target_chip")] public string TargetChip { get; init; } = "";
    /// <summary>The most distinct weight values of any layer of the model (runs.csv's max_unique_values): a chip variant can hold more than M = 4 where its chip allows.</summary>
    [CsvColumn("max_unique_values")] public int MaxUniqueValues { get; init; }
    /// <summary>Stored bits per synapse of the model (runs.csv's bits_per_synapse): what its values cost in memory.</summary>
    [CsvColumn("bits_per_synapse")] public double BitsPerSynapse { get; init; }
}

/// <summary>
/// chip_coverage.csv and its summary.md section (issue 12 item 6): every model of the M = 4 table — baselines,
/// SpikeFit and the chip variants (<c>cat-chip:&lt;chip&gt;</c>, <c>qat-chip:&lt;chip&gt;</c>, …) — mapped onto every
/// chip of the catalogue by the real mapper, from the verdicts each point recorded
/// (<see cref="ChipCoverageEntry"/>), so the table is rebuilt from points.csv alone.
/// </summary>
public static class ChipCoverageTable
{
    /// <summary>The file name beside runs.csv.</summary>
    public const string FileName = "chip_coverage.csv";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One row per model × chip, in the order of <paramref name="rows"/> and the catalogue; rows without a recorded coverage (older tables) are skipped.</summary>
    public static List<ChipCoverageRow> Build(IEnumerable<M4Row> rows) =>
        rows.SelectMany(r => ChipCoverageEntry.Decode(r.ChipCoverage).Select(e => new ChipCoverageRow
        {
            Method = M4Point.CoverageName(r.Method, r.Chip), Net = r.Net, Seed = r.Seed, Chip = e.Chip, Fits = e.Fits, Cores = e.Cores,
            ChipsNeeded = e.ChipsNeeded, FirstViolation = e.FirstViolation ?? "", AccuracyPct = r.AccuracyPct, Bits = r.Bits, M = r.M,
            Violations = e.Violations, Family = r.Family, TargetChip = r.Chip, MaxUniqueValues = r.MaxUniqueValues, BitsPerSynapse = r.BitsPerSynapse,
        })).ToList();

    /// <summary>Writes the table atomically.</summary>
    public static void Write(string path, IEnumerable<ChipCoverageRow> rows) => CsvTable.Write(path, rows);

    /// <summary>Reads a written table.</summary>
    public static List<ChipCoverageRow> Read(string path) => CsvTable.Read<ChipCoverageRow>(path);

    /// <summary>
    /// The summary.md section: per net, methods × chips, each cell "fits (N cores)", "needs N chips" (every core
    /// fits, the network needs more than one chip) or the first violation shortened, over every seed; then each
    /// method's mean accuracy and how many chips it fits. Empty when no row has a coverage.
    /// </summary>
    /// <param name="coverage">The table's rows.</param>
    /// <param name="unmapped">Models of the run with no mapping (rows written before points.csv had a chip_coverage column): said, not silently left out.</param>
    public static string Markdown(IReadOnlyList<ChipCoverageRow> coverage, int unmapped = 0)
    {
        if (coverage.Count == 0) return "";
        var md = new StringBuilder();
        md.AppendLine("## Chip coverage");
        md.AppendLine();
        if (unmapped > 0)
        {
            md.AppendLine(string.Create(Inv, $"> **{unmapped} model(s) of this run have no chip mapping** (their rows were written before the run recorded one) ") +
                               "and are not in this section or chip_coverage.csv, so a row's n here can be smaller than above. " +
                               "To map them, delete those rows (an empty `chip_coverage` cell) from points.csv and rerun with `--resume`.");
            md.AppendLine();
        }
        md.AppendLine("Every model above, and the chip variants (`<method>-chip:<chip>`: the method trained for that chip, from the same warm start " +
                      "with the same fine-tune budget — CAT with the chip's bits, values, value scope or TrueNorth layout and its fan-in and " +
                      "per-core input masks; a baseline with the same masks, clustering only the synapses that remain), mapped onto each chip " +
                      "of the catalogue by the mapper from its trained weights. A cell reads \"fits (N cores)\"; \"needs N chips\" (every core fits, " +
                      "the network does not fit one chip); or the first violated constraint, shortened (chip_coverage.csv has it in full). A cell " +
                      "holds for every seed of the row unless it says \"k/n seeds\". Accuracy: mean test accuracy over the seeds, %.");
        var chips = coverage.Select(r => r.Chip).Distinct().ToList();
        foreach (var net in coverage.GroupBy(r => r.Net))
        {
            md.AppendLine();
            md.AppendLine(Inv, $"### {Escape(net.Key)}");
            md.AppendLine();
            var models = net.GroupBy(r => (r.Method, r.Bits)).Select(g => g.ToList()).Select(rows => (Rows: rows, Model: FittedModel.Of(rows, chips))).ToList();
            var fitted = new Dictionary<string, HashSet<string>>();
            var table = new StringBuilder();
            table.AppendLine("| method | bits | n | accuracy % | fits | " + string.Join(" | ", chips.Select(Escape)) + " |");
            table.AppendLine("|---|---:|---:|---:|---:|" + string.Concat(chips.Select(_ => "---|")));
            foreach (var (rows, model) in models)
            {
                var cells = chips.Select(c => Cell(rows.Where(r => r.Chip == c).ToList())).ToList();
                string family = model.Family;
                if (!fitted.TryGetValue(family, out var set)) fitted[family] = set = new HashSet<string>();
                set.UnionWith(model.Fits);
                string bits = rows[0].Bits == 32 ? (family == SummaryTable.Reference ? "32" : "float") : rows[0].Bits.ToString(Inv);
                string name = Escape(rows[0].Method);
                if (family == SummaryTable.SpikeFit) name = $"**{name}**";
                table.AppendLine(Inv, $"| {name} | {bits} | {model.N} | {model.Accuracy:0.00} | {model.Fits.Count}/{chips.Count} | {string.Join(" | ", cells)} |");
            }
            string Fitted(string family) => fitted.TryGetValue(family, out var s) && s.Count > 0
                ? $"{s.Count} of {chips.Count} ({string.Join(", ", chips.Where(s.Contains))})" : $"none of {chips.Count}";
            md.AppendLine($"Chips some SpikeFit row fits on every seed: {Fitted(SummaryTable.SpikeFit)}; some baseline row: {Fitted(SummaryTable.Baseline)}.");
            md.AppendLine();
            md.Append(BestThatFits(models.Select(m => m.Model).ToList(), chips));
            md.AppendLine();
            md.Append(table);
        }
        return md.ToString();
    }

    /// <summary>
    /// Whether SpikeFit fits more chips at equal or better accuracy (issue 12): per chip, the most accurate SpikeFit
    /// model and the most accurate baseline that fit it on every seed, their values, bits per synapse, mean accuracies
    /// and the difference, then one sentence counting the chips where SpikeFit's is at least as accurate (and of those,
    /// where it also costs no more bits per synapse) and where only one side fits.
    /// </summary>
    private static string BestThatFits(List<FittedModel> summary, List<string> chips)
    {
        var md = new StringBuilder();
        md.AppendLine("The most accurate model of each side that fits each chip on every seed (mean over that model's own seeds, n). " +
                      "Values: the most distinct weight values of any layer (largest over seeds); bits/synapse: stored bits per synapse " +
                      "(mean). A chip variant of CAT takes as many values as its chip allows (per neuron or per core where the chip limits them " +
                      $"there, so more per layer; up to {ChipTargeting.UnlimitedM} per layer where it limits only bits; a masked synapse adds the value 0), while a baseline keeps " +
                      "its own, so the two sides can differ in memory as well as in accuracy:");
        md.AppendLine();
        md.AppendLine("| chip | SpikeFit that fits | values | bits/synapse | accuracy % | baseline that fits | values | bits/synapse | accuracy % | Δ (pp) |");
        md.AppendLine("|---|---|---:|---:|---:|---|---:|---:|---:|---:|");
        int both = 0, atLeast = 0, atLeastNoMoreBits = 0;
        var onlySpikeFit = new List<string>();
        var onlyBaseline = new List<string>();
        foreach (var chip in chips)
        {
            var sfFitting = summary.Where(m => m.Family == SummaryTable.SpikeFit && m.Fits.Contains(chip)).ToList();
            var sf = sfFitting.MaxBy(m => m.Accuracy);
            var bl = summary.Where(m => m.Family == SummaryTable.Baseline && m.Fits.Contains(chip)).MaxBy(m => m.Accuracy);
            string delta = "—";
            if (sf is not null && bl is not null)
            {
                both++;
                if (sf.Accuracy >= bl.Accuracy)
                {
                    atLeast++;
                    // Some fitting SpikeFit model (not necessarily the most accurate) as accurate at no more memory;
                    // bits compared as the table prints them, so the count agrees with what a reader sees.
                    if (sfFitting.Any(m => m.Accuracy >= bl.Accuracy && Math.Round(m.BitsPerSynapse, 2) <= Math.Round(bl.BitsPerSynapse, 2)))
                        atLeastNoMoreBits++;
                }
                delta = (sf.Accuracy - bl.Accuracy).ToString("+0.00;−0.00;0.00", Inv);
            }
            else if (sf is not null) onlySpikeFit.Add(chip);
            else if (bl is not null) onlyBaseline.Add(chip);
            md.AppendLine($"| {Escape(chip)} | {FittedModel.Label(sf)} | {FittedModel.Values(sf)} | {FittedModel.Bits(sf)} | {FittedModel.Percent(sf)} | " +
                          $"{FittedModel.Label(bl)} | {FittedModel.Values(bl)} | {FittedModel.Bits(bl)} | {FittedModel.Percent(bl)} | {delta} |");
        }
        md.AppendLine();
        string bitsClause = atLeast == 0 ? "" : atLeastNoMoreBits == atLeast
            ? ", each time with a model of no more bits per synapse than the baseline's"
            : $"; on {atLeastNoMoreBits} of those with a model of no more bits per synapse than the baseline's";
        md.AppendLine($"On {both} of {chips.Count} chips both sides have a model that fits; SpikeFit's is at least as accurate on {atLeast} of them{bitsClause}. " +
                      $"Only SpikeFit fits: {(onlySpikeFit.Count == 0 ? "none" : string.Join(", ", onlySpikeFit))}; " +
                      $"only a baseline fits: {(onlyBaseline.Count == 0 ? "none" : string.Join(", ", onlyBaseline))}. " +
                      "Differences are of means without a test; chip variants have fewer seeds than the plain rows.");
        return md.ToString();
    }

    /// <summary>One model of the coverage table over its seeds: its label, family, seeds, mean accuracy, the chips it fits on every seed, and what its weights cost.</summary>
    private sealed record FittedModel(string Name, string Family, int N, double Accuracy, HashSet<string> Fits, int MaxValues, double BitsPerSynapse)
    {
        /// <summary>The model of <paramref name="rows"/> (one method and bit-width, every seed and chip).</summary>
        public static FittedModel Of(List<ChipCoverageRow> rows, List<string> chips) =>
            new(rows[0].Bits == 32 ? rows[0].Method : $"{rows[0].Method} {rows[0].Bits}-bit", rows[0].Family,
                rows.Select(r => r.Seed).Distinct().Count(), rows.Average(r => r.AccuracyPct),
                chips.Where(c => rows.Where(r => r.Chip == c).ToList() is { Count: > 0 } rc && rc.All(r => r.Fits)).ToHashSet(),
                rows.Max(r => r.MaxUniqueValues), rows.Average(r => r.BitsPerSynapse));

        public static string Label(FittedModel? m) => m is null ? "none" : $"{Escape(m.Name)} (n = {m.N})";
        public static string Percent(FittedModel? m) => m is null ? "—" : m.Accuracy.ToString("0.00", Inv);
        /// <summary>"—" where unknown: a table written before chip_coverage.csv had the column reads 0.</summary>
        public static string Values(FittedModel? m) => m is null || m.MaxValues == 0 ? "—" : m.MaxValues.ToString(Inv);
        public static string Bits(FittedModel? m) => m is null || m.BitsPerSynapse == 0 ? "—" : m.BitsPerSynapse.ToString("0.00", Inv);
    }

    /// <summary>The cell of one model on one chip over its seeds.</summary>
    public static string Cell(IReadOnlyList<ChipCoverageRow> seeds)
    {
        if (seeds.Count == 0) return "";
        int fit = seeds.Count(r => r.Fits);
        if (fit == seeds.Count) return $"fits ({Range(seeds.Select(r => r.Cores))} cores)";
        string failing;
        var bad = seeds.Where(r => !r.Fits).ToList();
        if (bad.All(r => r.Violations == 1 && r.ChipsNeeded > 1)) failing = $"needs {Range(bad.Select(r => r.ChipsNeeded))} chips";
        else failing = Shorten(bad.First(r => !(r.Violations == 1 && r.ChipsNeeded > 1)).FirstViolation);
        return fit == 0 ? failing : $"fits {fit}/{seeds.Count} seeds; else {failing}";
    }

    /// <summary>
    /// A violation in a table cell: without "layer", parenthesised details (worst cores, neuron numbers) and
    /// the advice after a ';' when long, at most <paramref name="max"/> characters.
    /// </summary>
    public static string Shorten(string violation, int max = 80)
    {
        string s = Regex.Replace(violation, @"\s*\([^()]*\)", "");
        if (s.StartsWith("layer ", StringComparison.Ordinal)) s = s[6..];
        if (s.Length > max && s.IndexOf("; a ", StringComparison.Ordinal) is int cut and > 0) s = s[..cut];
        if (s.Length > max) s = s[..(max - 1)].TrimEnd() + "…";
        return Escape(s);
    }

    private static string Range(IEnumerable<long> values)
    {
        var v = values.ToList();
        long lo = v.Min(), hi = v.Max();
        return lo == hi ? lo.ToString(Inv) : $"{lo.ToString(Inv)}–{hi.ToString(Inv)}";
    }

    private static string Escape(string s) => s.Replace("|", "\\|");
}
