using CsvHelper;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// One (net, method, bits, M, prune criterion) group of <c>runs.csv</c> over its seeds: a row of
/// <c>summary.csv</c>. Means are over seeds; see <c>Experiments/M4/COLUMNS.md</c> for every column.
/// </summary>
[CsvRecord]
public sealed partial class SummaryRow
{
    [CsvColumn("net")] public string Net { get; set; } = "";
    /// <summary>reference, baseline, spikefit or pruning (as in <see cref="M4Row.Family"/>).</summary>
    [CsvColumn("family")] public string Family { get; set; } = "";
    [CsvColumn("method")] public string Method { get; set; } = "";
    /// <summary>Weight bit-width; 32 for methods without one.</summary>
    [CsvColumn("bits")] public int Bits { get; set; }
    /// <summary>Target number of weight values per codebook, 0 for unconstrained.</summary>
    [CsvColumn("m")] public int M { get; set; }
    [CsvColumn("prune_criterion")] public string PruneCriterion { get; set; } = "";
    /// <summary>Number of seeds (rows of runs.csv) in the group.</summary>
    [CsvColumn("n")] public int N { get; set; }
    /// <summary>The seeds, "1;2;3".</summary>
    [CsvColumn("seeds")] public string Seeds { get; set; } = "";
    [CsvColumn("accuracy_mean_pct")] public double AccuracyMeanPct { get; set; }
    /// <summary>Sample standard deviation (n − 1) of the accuracy; empty with a single seed.</summary>
    [CsvColumn("accuracy_std_pct")] public double? AccuracyStdPct { get; set; }
    [CsvColumn("max_unique_values_mean")] public double MaxUniqueValuesMean { get; set; }
    [CsvColumn("bits_per_synapse_mean")] public double BitsPerSynapseMean { get; set; }
    [CsvColumn("model_size_kib_mean")] public double ModelSizeKibMean { get; set; }
    [CsvColumn("energy_uj_mean")] public double EnergyUjMean { get; set; }
    [CsvColumn("sops_per_inference_mean")] public double SopsPerInferenceMean { get; set; }
    [CsvColumn("neurons_mean")] public double NeuronsMean { get; set; }
    [CsvColumn("nonzero_synapses_mean")] public double NonZeroSynapsesMean { get; set; }
    [CsvColumn("pruned_fraction_mean")] public double PrunedFractionMean { get; set; }
    /// <summary>
    /// Rank of the mean accuracy among the net's M = 4 baseline and SpikeFit rows (1 = best, ties share
    /// the better rank); empty for the other rows.
    /// </summary>
    [CsvColumn("rank")] public int? Rank { get; set; }
    /// <summary>SpikeFit rows: the method of the net's best M = 4 baseline (highest mean accuracy).</summary>
    [CsvColumn("best_baseline_method")] public string BestBaselineMethod { get; set; } = "";
    /// <summary>SpikeFit rows: the bit-width of that baseline.</summary>
    [CsvColumn("best_baseline_bits")] public int? BestBaselineBits { get; set; }
    /// <summary>SpikeFit rows: this row's mean accuracy minus the best baseline's, percentage points.</summary>
    [CsvColumn("delta_accuracy_pp")] public double? DeltaAccuracyPp { get; set; }
    /// <summary>SpikeFit rows: Welch's t (this row minus the best baseline).</summary>
    [CsvColumn("welch_t")] public double? WelchT { get; set; }
    /// <summary>SpikeFit rows: Welch–Satterthwaite degrees of freedom.</summary>
    [CsvColumn("welch_df")] public double? WelchDf { get; set; }
    /// <summary>SpikeFit rows: two-sided Welch p-value; empty when the test is undefined (see <see cref="Note"/>).</summary>
    [CsvColumn("p_value")] public double? PValue { get; set; }
    /// <summary>
    /// SpikeFit rows: the p-value Holm-corrected across every comparison the table reports (all SpikeFit
    /// rows with a defined test, all nets). Optional on read: summaries written before it still load.
    /// </summary>
    [CsvColumn("p_holm", Optional = true)] public double? PHolm { get; set; }
    /// <summary>SpikeFit rows: lower end of the Welch 95 % confidence interval of <see cref="DeltaAccuracyPp"/>.</summary>
    [CsvColumn("delta_ci_low_pp", Optional = true)] public double? DeltaCiLowPp { get; set; }
    /// <summary>SpikeFit rows: upper end of that interval.</summary>
    [CsvColumn("delta_ci_high_pp", Optional = true)] public double? DeltaCiHighPp { get; set; }
    /// <summary>SpikeFit rows: Hedges' g (bias-corrected standardised mean difference) against the best baseline.</summary>
    [CsvColumn("hedges_g", Optional = true)] public double? HedgesG { get; set; }
    /// <summary>SpikeFit rows: lower end of g's approximate 95 % interval (Hedges and Olkin).</summary>
    [CsvColumn("hedges_g_ci_low", Optional = true)] public double? HedgesGCiLow { get; set; }
    /// <summary>SpikeFit rows: upper end of that interval.</summary>
    [CsvColumn("hedges_g_ci_high", Optional = true)] public double? HedgesGCiHigh { get; set; }
    /// <summary>Why a statistic is missing, or empty.</summary>
    [CsvColumn("note")] public string Note { get; set; } = "";
    // Provenance (DESIGN §7): the distinct values of the group's rows, ";"-joined when they differ (a resumed run).
    [CsvColumn("preset")] public string Preset { get; set; } = "";
    [CsvColumn("dataset")] public string Dataset { get; set; } = "";
    [CsvColumn("dataset_sha256")] public string DatasetSha256 { get; set; } = "";
    [CsvColumn("device")] public string Device { get; set; } = "";
    [CsvColumn("commit")] public string Commit { get; set; } = "";
    /// <summary>Date of the group's newest row, ISO 8601.</summary>
    [CsvColumn("date")] public string Date { get; set; } = "";
}
