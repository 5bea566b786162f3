namespace SpikeFit.Training.Hardware;

/// <summary>How one layer lands on a chip's cores.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="NeuronsPerCore">Neurons of this layer one core holds (0: not even one neuron fits).</param>
/// <param name="Cores">Cores the layer needs (0 when a per-layer constraint makes it unmappable).</param>
public sealed record LayerMapping(string Layer, int NeuronsPerCore, long Cores);

/// <summary>The verdict for one chip.</summary>
/// <param name="Chip">Chip name.</param>
/// <param name="Fits">True when no constraint is violated and the model fits one chip.</param>
/// <param name="CoresNeeded">Sum of the layers' cores (layers never share a core).</param>
/// <param name="ChipsNeeded">Chips needed by cores, neurons and synapses per chip (the largest of the three).</param>
/// <param name="Layers">Per-layer mapping.</param>
/// <param name="Violations">Every violated constraint, in words.</param>
/// <param name="Notes">Things that do not stop the fit but change the deployment (e.g. the input must be spike-encoded off chip).</param>
public sealed record FitResult(string Chip, bool Fits, long CoresNeeded, long ChipsNeeded,
    IReadOnlyList<LayerMapping> Layers, IReadOnlyList<string> Violations, IReadOnlyList<string> Notes);

/// <summary>
/// Maps a <see cref="ModelSummary"/> onto each chip profile with deliberately simple rules:
/// <list type="number">
/// <item>A neuron's whole fan-in must arrive on one core: fan-in ≤ axons per core and ≤ input synapses
/// per neuron (splitting a neuron's inputs over cores is not supported).</item>
/// <item>Each layer's weight precision (<see cref="LayerSummary.WeightBits"/>) must not exceed the chip's
/// weight bits (the input-layer figure for a layer that reads the analog input, where the chip has one).</item>
/// <item>Distinct non-zero weight values must not exceed the chip's limit in its scope: per neuron
/// (TrueNorth's axon types: the layer's largest per-neuron count) or per core (DYNAP-SE's synapse types:
/// the layer's count, an upper bound for any core). TrueNorth also shares an axon's type among all
/// neurons of a core; that finer constraint is not checked.</item>
/// <item>Neurons are packed per core, layers never share a core: neurons per core = min(neurons per core,
/// synapses per core / fan-in, synaptic memory bits per core / (fan-in × weight bits)); cores of a layer =
/// ceil(neurons / neurons per core).</item>
/// <item>Chips needed = the largest of ceil(cores / cores per chip), ceil(neurons / neurons per chip),
/// ceil(non-zero synapses / synapses per chip). Needing more than one chip is reported as a violation.</item>
/// </list>
/// Analog input into a chip that takes only spikes is a note, not a violation.
/// </summary>
public static class FitChecker
{
    public static IReadOnlyList<FitResult> Check(ModelSummary model, IEnumerable<ChipProfile> chips) =>
        chips.Select(c => Check(model, c)).ToList();

    public static FitResult Check(ModelSummary model, ChipProfile chip)
    {
        var violations = new List<string>();
        var notes = new List<string>();
        var layers = new List<LayerMapping>();
        string n = chip.Name;
        bool mappable = true;
        foreach (var l in model.Layers)
        {
            bool ok = true;
            if (chip.AxonsPerCore?.Value is double axons && l.FanIn > axons)
            {
                violations.Add($"layer {l.Name}: fan-in {l.FanIn} exceeds {n}'s {axons:0} axons per core (needs input splitting, not supported)");
                ok = false;
            }
            if (chip.FanInPerNeuron?.Value is double perNeuron && l.FanIn > perNeuron)
            {
                violations.Add($"layer {l.Name}: fan-in {l.FanIn} exceeds {n}'s {perNeuron:0} input synapses per neuron (needs input splitting, not supported)");
                ok = false;
            }
            var (bitsFigure, where) = l.AnalogInput && chip.InputLayerWeightBits is { Value: not null } ib
                ? (ib, " in the input layer") : (chip.WeightBits, chip.InputLayerWeightBits is { Value: not null } ? " in hidden layers" : "");
            if (bitsFigure?.Value is double maxBits && l.WeightBits > maxBits)
            {
                violations.Add($"layer {l.Name}: weights need {l.WeightBits} bits; {n} supports at most {maxBits:0}{where}");
                ok = false;
            }
            if (chip.DistinctValues?.Value is double maxDistinct)
            {
                if (chip.DistinctScope == "core" && l.DistinctValues > maxDistinct)
                {
                    violations.Add($"layer {l.Name}: {l.DistinctValues} distinct weight values in the layer (an upper bound per core); {n} allows {maxDistinct:0} per core ({chip.DistinctWhat})");
                    ok = false;
                }
                else if (chip.DistinctScope != "core" && l.MaxDistinctPerNeuron > maxDistinct)
                {
                    violations.Add($"layer {l.Name}: {l.MaxDistinctPerNeuron} distinct weight values per neuron; {n} allows {maxDistinct:0} ({chip.DistinctWhat})");
                    ok = false;
                }
            }
            if (l.AnalogInput && chip.AnalogInput?.Value == 0)
                notes.Add($"layer {l.Name} reads analog input; {n} takes spikes only, so the input must be spike-encoded off chip (not counted here)");

            long perCore = (long)chip.NeuronsPerCore.Value!.Value;
            if (chip.SynapsesPerCore?.Value is double spc) perCore = Math.Min(perCore, (long)(spc / l.FanIn));
            if (chip.SynapseMemoryBitsPerCore?.Value is double mem) perCore = Math.Min(perCore, (long)(mem / ((double)l.FanIn * l.WeightBits)));
            if (perCore < 1)
            {
                violations.Add($"layer {l.Name}: one neuron's {l.FanIn} synapses of {l.WeightBits} bits exceed one {n} core's synaptic storage");
                ok = false;
            }
            long cores = ok ? (l.Neurons + perCore - 1) / perCore : 0;
            layers.Add(new LayerMapping(l.Name, (int)Math.Max(perCore, 0), cores));
            mappable &= ok;
        }

        long coresNeeded = layers.Sum(m => m.Cores);
        long chips = 0;
        var why = new List<string>();
        void Need(long count, string reason)
        {
            if (count > 1) why.Add(reason);
            chips = Math.Max(chips, count);
        }
        if (mappable)
        {
            double cpc = chip.CoresPerChip.Value!.Value;
            Need((long)Math.Ceiling(coresNeeded / cpc), $"{coresNeeded} cores > {cpc:0} per chip");
            if (chip.NeuronsPerChip?.Value is double npc and > 0)
                Need((long)Math.Ceiling(model.Neurons / npc), $"{model.Neurons} neurons > {npc:0} per chip");
            if (chip.SynapsesPerChip?.Value is double sp and > 0)
                Need((long)Math.Ceiling(model.NonZeroSynapses / sp), $"{model.NonZeroSynapses} non-zero synapses > {sp:0} per chip");
            if (chips > 1) violations.Add($"needs {chips} chips ({string.Join("; ", why)})");
        }
        return new FitResult(n, violations.Count == 0, coresNeeded, chips, layers, violations, notes);
    }
}
