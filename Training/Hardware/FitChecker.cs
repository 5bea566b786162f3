namespace SpikeFit.Training.Hardware;

/// <summary>The verdict for one chip.</summary>
/// <param name="Chip">Chip name.</param>
/// <param name="Fits">True when no constraint is violated and the model fits one chip.</param>
/// <param name="CoresNeeded">Sum of the layers' cores (layers never share a core).</param>
/// <param name="ChipsNeeded">Chips needed by cores, neurons and synapses per chip (the largest of the three); 0 when a layer cannot be mapped.</param>
/// <param name="Layers">Per-layer mapping, with its per-core table.</param>
/// <param name="Violations">Every violated constraint, in words with the numbers.</param>
/// <param name="Notes">Things that do not stop the fit but change the deployment (e.g. the input must be spike-encoded off chip).</param>
/// <param name="Warnings">Limits the chip profile does not give (not checked), derives or marks uncertain (<see cref="ChipConstraints.Warnings"/>).</param>
public sealed record FitResult(string Chip, bool Fits, long CoresNeeded, long ChipsNeeded,
    IReadOnlyList<LayerMapping> Layers, IReadOnlyList<string> Violations, IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings)
{
    /// <summary>The first violated constraint, or null when it fits.</summary>
    public string? FirstViolation => Violations.Count > 0 ? Violations[0] : null;
}

/// <summary>
/// Maps a <see cref="ModelSummary"/> onto each chip (DESIGN §6): the chip's limits come from
/// <see cref="ChipConstraints.From"/>, each layer is placed on cores by <see cref="CoreMapper"/> from
/// its deployed weights (layers never share a core), and then the chip-wide budgets are checked:
/// chips needed = the largest of ceil(cores / cores per chip), ceil(neurons / neurons per chip) and
/// ceil(non-zero synapses / synapses per chip); needing more than one chip is a violation.
/// </summary>
public static class FitChecker
{
    public static IReadOnlyList<FitResult> Check(ModelSummary model, IEnumerable<ChipProfile> chips) =>
        chips.Select(c => Check(model, c)).ToList();

    public static FitResult Check(ModelSummary model, ChipProfile chip) => Check(model, ChipConstraints.From(chip));

    public static FitResult Check(ModelSummary model, ChipConstraints chip)
    {
        var violations = new List<string>();
        var notes = new List<string>();
        var layers = new List<LayerMapping>();
        bool mappable = true;
        foreach (var l in model.Layers)
        {
            var (mapping, mapped, v, n) = CoreMapper.Map(l, chip);
            layers.Add(mapping);
            violations.AddRange(v);
            notes.AddRange(n);
            mappable &= mapped;
        }

        var nominal = model.Layers.Where(l => l.Connectivity is null).Select(l => l.Name).ToList();
        if (nominal.Count > 0)
            notes.Add($"no weights for {string.Join(", ", nominal)} (a model description): mapped by nominal fan-in, so synapses and inputs per core are upper bounds, " +
                      $"values per core are the layer's{(chip.AxonTypes is null ? "" : " and the axon typing is not checked")}");

        long coresNeeded = layers.Sum(m => m.Cores);
        long chips = 0;
        if (mappable)
        {
            var why = new List<string>();
            void Need(long count, string reason)
            {
                if (count > 1) why.Add(reason);
                chips = Math.Max(chips, count);
            }
            // Synapses as mapped: counted from the weights where the layer has them (conv borders included),
            // else the description's non-zero count.
            long synapses = model.Layers.Zip(layers, (l, m) => m.Placement == "nominal" ? l.NonZeroSynapses : m.CoreTable.Sum(c => c.Synapses)).Sum();
            Need((coresNeeded + chip.CoresPerChip - 1) / chip.CoresPerChip, $"{coresNeeded} cores > {chip.CoresPerChip} per chip");
            Need((model.Neurons + chip.NeuronsPerChip - 1) / chip.NeuronsPerChip, $"{model.Neurons} neurons > {chip.NeuronsPerChip} per chip");
            if (chip.SynapsesPerChip is long sp and > 0)
                Need((synapses + sp - 1) / sp, $"{synapses} non-zero synapses > {sp} per chip");
            if (chips > 1) violations.Add($"needs {chips} chips ({string.Join("; ", why)})");
        }
        return new FitResult(chip.Chip, violations.Count == 0, coresNeeded, chips, layers, violations, notes, chip.Warnings);
    }
}
