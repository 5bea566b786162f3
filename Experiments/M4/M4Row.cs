using CsvHelper;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// One trained (or post-training compressed) model of the M = 4 comparison: a row of
/// <c>runs.csv</c> (one per method × net × bits × seed). Every figure is measured on the
/// deployed weights of that model; units are in the column names. Columns are documented in the README.
/// </summary>
[CsvRecord]
public sealed partial class M4Row
{
    /// <summary>Method key, e.g. fp32, ptq-kmeans, uniform-ptq, qat, binary, ternary, uniform-2bit, deep-compression, cat, cat-fsc, cat-prune-magnitude …</summary>
    [CsvColumn("method")] public string Method { get; init; } = "";
    /// <summary>reference (FP32), baseline (quantize-then-cluster rows of DESIGN §5) or spikefit (CAT, CAT + FSC), or pruning (criterion comparison).</summary>
    [CsvColumn("family")] public string Family { get; init; } = "";
    [CsvColumn("net")] public string Net { get; init; } = "";
    /// <summary>Weight bit-width b; 32 for methods without a bit-width (float codebooks).</summary>
    [CsvColumn("bits")] public int Bits { get; init; }
    /// <summary>Target number of weight values per codebook (M), 0 for unconstrained.</summary>
    [CsvColumn("m")] public int M { get; init; }
    [CsvColumn("seed")] public int Seed { get; init; }
    /// <summary>Test accuracy in percent.</summary>
    [CsvColumn("accuracy_pct")] public double AccuracyPct { get; init; }
    /// <summary>Largest count of distinct non-zero weight values in any layer (counted from the deployed tensors).</summary>
    [CsvColumn("max_unique_values")] public int MaxUniqueValues { get; init; }
    /// <summary>Distinct non-zero values per layer, "fc1:4;fc2:4".</summary>
    [CsvColumn("unique_values_per_layer")] public string UniqueValuesPerLayer { get; init; } = "";
    /// <summary>Synapse-weighted mean of the bits stored per synapse.</summary>
    [CsvColumn("bits_per_synapse")] public double BitsPerSynapse { get; init; }
    /// <summary>Indices + codebooks + scales + thresholds, in KiB.</summary>
    [CsvColumn("model_size_kib")] public double ModelSizeKib { get; init; }
    /// <summary>Neurons of the deployed model (hidden + output).</summary>
    [CsvColumn("neurons")] public long Neurons { get; init; }
    /// <summary>Hidden neurons (conv: channels) left after pruning; equals the unpruned count otherwise.</summary>
    [CsvColumn("hidden_units")] public int HiddenUnits { get; init; }
    [CsvColumn("nonzero_synapses")] public long NonZeroSynapses { get; init; }
    /// <summary>Spikes per neuron per time step on the test set, per spiking layer, "lif1:0.081".</summary>
    [CsvColumn("firing_rates")] public string FiringRates { get; init; } = "";
    /// <summary>Synaptic operations (spikes into a layer × fan-out) per inference.</summary>
    [CsvColumn("sops_per_inference")] public double SopsPerInference { get; init; }
    /// <summary>Energy per inference with the Horowitz 45 nm constants (DESIGN §6), µJ.</summary>
    [CsvColumn("energy_uj")] public double EnergyUj { get; init; }
    /// <summary>Energy per inference with TrueNorth's 26 pJ per synaptic event, µJ.</summary>
    [CsvColumn("energy_truenorth_uj")] public double EnergyTrueNorthUj { get; init; }
    /// <summary>Energy per inference with Loihi's 23.6 pJ per synaptic op, µJ.</summary>
    [CsvColumn("energy_loihi_uj")] public double EnergyLoihiUj { get; init; }
    /// <summary>Chips the model fits on one chip of, "Loihi;Loihi 2" (see <c>spikefit fit</c>).</summary>
    [CsvColumn("fits_chips")] public string FitsChips { get; init; } = "";
    /// <summary>The chip a chip variant trained for (grid key <c>chip</c>: <c>cat</c> here is <c>cat-chip:&lt;chip&gt;</c>); empty for a plain row. Optional on read.</summary>
    [CsvColumn("chip", Optional = true)] public string Chip { get; init; } = "";
    /// <summary>The mapper's verdict on every catalogue chip for this model (<see cref="ChipCoverageEntry"/>'s JSON encoding); chip_coverage.csv is built from it. Optional on read.</summary>
    [CsvColumn("chip_coverage", Optional = true)] public string ChipCoverage { get; init; } = "";
    /// <summary>Pruning criterion (fsc, magnitude, taylor, firing-rate, random) or empty.</summary>
    [CsvColumn("prune_criterion")] public string PruneCriterion { get; init; } = "";
    /// <summary>Fraction of hidden neurons removed, 0 when not pruned.</summary>
    [CsvColumn("pruned_fraction")] public double PrunedFraction { get; init; }
    /// <summary>Wall time of this row's own training/compression (excluding the shared warm start), s.</summary>
    [CsvColumn("train_seconds")] public double TrainSeconds { get; init; }
    /// <summary>With <c>--tune</c>: the fine-tune learning rate chosen on the validation split (empty otherwise; optional on read).</summary>
    [CsvColumn("tuned_lr", Optional = true)] public double? TunedLr { get; init; }
    /// <summary>With <c>--tune</c>, DKM: the temperature chosen (empty otherwise).</summary>
    [CsvColumn("tuned_tau", Optional = true)] public double? TunedTau { get; init; }
    /// <summary>With <c>--tune</c>: validation accuracy of the chosen candidate, % (trained without the held-out part).</summary>
    [CsvColumn("val_accuracy_pct", Optional = true)] public double? ValAccuracyPct { get; init; }
    [CsvColumn("device")] public string Device { get; init; } = "";
    [CsvColumn("commit")] public string Commit { get; init; } = "";
    [CsvColumn("preset")] public string Preset { get; init; } = "";
    [CsvColumn("dataset")] public string Dataset { get; init; } = "";
    /// <summary>SHA-256 over the dataset's four decompressed IDX payloads.</summary>
    [CsvColumn("dataset_sha256")] public string DatasetSha256 { get; init; } = "";
    /// <summary>UTC date-time the row was finished, ISO 8601.</summary>
    [CsvColumn("date")] public string Date { get; init; } = "";
}
