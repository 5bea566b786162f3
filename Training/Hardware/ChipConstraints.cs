namespace SpikeFit.Training.Hardware;

/// <summary>Where a chip's limit on distinct weight values applies (DESIGN §6).</summary>
public enum ValueScope
{
    /// <summary>No limit beyond what b-bit weights can hold (2^b values).</summary>
    None,
    /// <summary>Each neuron's inputs (TrueNorth: 4 values per neuron, one per axon type).</summary>
    Neuron,
    /// <summary>All neurons of one core share the values (DYNAP-SE: 4 synapse types per core).</summary>
    Core,
}

/// <summary>
/// What training and the mapper must respect to deploy on one chip, read from its <see cref="ChipProfile"/>
/// by <see cref="From"/>. A null limit is a limit the profile does not give; each one is named in
/// <see cref="Warnings"/> (so "unchecked" is never mistaken for "unlimited"), as is every figure marked
/// uncertain and every figure derived from others.
/// </summary>
public sealed record ChipConstraints
{
    public required string Chip { get; init; }
    /// <summary>Largest weight precision b of a hidden layer.</summary>
    public int? WeightBits { get; init; }
    /// <summary>Largest weight precision of the layer reading the analog input (where the chip gives it separately).</summary>
    public int? InputLayerWeightBits { get; init; }
    /// <summary>M: distinct non-zero weight values allowed in <see cref="ValueScope"/> (2^b when the chip only limits bits).</summary>
    public int? DistinctValues { get; init; }
    public ValueScope ValueScope { get; init; }
    /// <summary>What the values are called on the chip ("axon types", "synapse types", "distinct weight values").</summary>
    public string ValuesWhat { get; init; } = "distinct weight values";
    /// <summary>TrueNorth's rule: types per input axon of a core, shared by the core's neurons (W[i, j] = c_i[type(j)]); null: no such rule.</summary>
    public int? AxonTypes { get; init; }
    /// <summary>Largest number of non-zero inputs (synapses) into one neuron (DYNAP-SE: 64 CAM words).</summary>
    public int? FanInPerNeuron { get; init; }
    /// <summary>Largest number of distinct inputs all neurons of one core read together (input axons per core).</summary>
    public int? InputsPerCore { get; init; }
    public required int NeuronsPerCore { get; init; }
    public required int CoresPerChip { get; init; }
    /// <summary>Neurons per chip: the profile's figure, or cores × neurons per core when it gives none.</summary>
    public required long NeuronsPerChip { get; init; }
    /// <summary>Non-zero synapses one core stores.</summary>
    public long? SynapsesPerCore { get; init; }
    /// <summary>Synaptic memory per core in bits (synapses × weight bits must fit).</summary>
    public long? SynapseMemoryBitsPerCore { get; init; }
    /// <summary>Non-zero synapses per chip: the profile's figure, or cores × synapses per core.</summary>
    public long? SynapsesPerChip { get; init; }
    /// <summary>True when the chip takes only spikes (an analog first layer must be spike-encoded off chip).</summary>
    public bool SpikeInputOnly { get; init; }
    /// <summary>Limits not given, derived or uncertain, in words.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The largest fan-in one neuron may have: its own synapse limit, and no more inputs than one core
    /// reads (a neuron's synapses all sit on its core).
    /// </summary>
    public int? MaxFanIn => (FanInPerNeuron, InputsPerCore) switch
    {
        (int f, int a) => Math.Min(f, a),
        (int f, null) => f,
        (null, int a) => a,
        _ => null,
    };

    /// <summary>The weight precision a layer may use: the input-layer figure for a layer reading the analog input, where given.</summary>
    public int? BitsFor(bool analogInput) => analogInput && InputLayerWeightBits is int ib ? ib : WeightBits;

    /// <summary>Reads every limit of <paramref name="chip"/>; what is missing, derived or uncertain goes to <see cref="Warnings"/>.</summary>
    public static ChipConstraints From(ChipProfile chip)
    {
        var warnings = new List<string>();
        foreach (var (field, figure) in chip.Figures())
            if (figure.Uncertain && figure.Value is not null)
                warnings.Add($"{field} = {figure.Value:G} is uncertain ({figure.Source})");

        static int? Int(Figure? f) => f?.Value is double v ? (int)Math.Min(int.MaxValue, Math.Floor(v)) : null;
        static long? Long(Figure? f) => f?.Value is double v ? (long)Math.Min(long.MaxValue, Math.Floor(v)) : null;

        int? bits = Int(chip.WeightBits);
        if (bits is null) warnings.Add("weightBits not in the profile: weight precision not checked");
        int? inputBits = Int(chip.InputLayerWeightBits);

        int? m = Int(chip.DistinctValues);
        var scope = chip.DistinctScope == "core" ? ValueScope.Core : ValueScope.Neuron;
        if (m is null)
        {
            // b-bit weights hold at most 2^b values anywhere: that is the only value limit such a chip has.
            scope = ValueScope.None;
            if (bits is int b && b < 31) m = 1 << b;
            else warnings.Add("neither distinctValues nor weightBits in the profile: distinct weight values not checked");
        }

        int? axonTypes = Int(chip.AxonTypes);
        int? fanIn = Int(chip.FanInPerNeuron);
        int? axons = Int(chip.AxonsPerCore);
        if (axons is null) warnings.Add("axonsPerCore not in the profile: distinct inputs per core not checked");
        if (fanIn is null && axons is null) warnings.Add("fanInPerNeuron not in the profile and no axonsPerCore: fan-in per neuron not checked");

        int cores = Int(chip.CoresPerChip) ?? 1, perCore = Int(chip.NeuronsPerCore) ?? 1;
        long neuronsPerChip;
        if (Long(chip.NeuronsPerChip) is long npc) neuronsPerChip = npc;
        else
        {
            neuronsPerChip = (long)cores * perCore;
            warnings.Add($"neuronsPerChip not in the profile: derived as coresPerChip × neuronsPerCore = {neuronsPerChip}");
        }

        long? synPerCore = Long(chip.SynapsesPerCore);
        long? memBits = Long(chip.SynapseMemoryBitsPerCore);
        if (synPerCore is null)
            warnings.Add(memBits is null
                ? "synapsesPerCore and synapseMemoryBitsPerCore not in the profile: synapses per core not checked"
                : "synapsesPerCore not in the profile: synapses per core bounded by synaptic memory only (synapses × weight bits)");
        long? synPerChip = Long(chip.SynapsesPerChip);
        if (synPerChip is null)
        {
            if (synPerCore is long spc)
            {
                synPerChip = spc * cores;
                warnings.Add($"synapsesPerChip not in the profile: derived as coresPerChip × synapsesPerCore = {synPerChip}");
            }
            else warnings.Add("synapsesPerChip not in the profile: synapses per chip not checked");
        }

        return new ChipConstraints
        {
            Chip = chip.Name,
            WeightBits = bits,
            InputLayerWeightBits = inputBits,
            DistinctValues = m,
            ValueScope = scope,
            ValuesWhat = scope == ValueScope.None ? $"values of {bits}-bit weights" : chip.DistinctWhat,
            AxonTypes = axonTypes,
            FanInPerNeuron = fanIn,
            InputsPerCore = axons,
            NeuronsPerCore = perCore,
            CoresPerChip = cores,
            NeuronsPerChip = neuronsPerChip,
            SynapsesPerCore = synPerCore,
            SynapseMemoryBitsPerCore = memBits,
            SynapsesPerChip = synPerChip,
            SpikeInputOnly = chip.AnalogInput?.Value == 0,
            Warnings = warnings,
        };
    }
}
