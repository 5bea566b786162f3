namespace SpikeFit.Training.Hardware;

/// <summary>One published figure of a chip, with where it comes from.</summary>
/// <param name="Value">The number (null: not published / no limit).</param>
/// <param name="Source">Paper or vendor document the number comes from (or how it was derived).</param>
/// <param name="Uncertain">True when the figure is approximate, derived or not verified against the source.</param>
/// <param name="Note">Optional remark printed with the figure.</param>
public sealed record Figure(double? Value, string Source, bool Uncertain = false, string? Note = null);

/// <summary>
/// A neuromorphic chip as the fit checker sees it (DESIGN §6). Every limit is a <see cref="Figure"/>;
/// a null figure means "no such limit in this profile".
/// </summary>
public sealed record ChipProfile
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    /// <summary>Neuron cores per chip.</summary>
    public required Figure CoresPerChip { get; init; }
    /// <summary>Neurons (compartments) one core holds.</summary>
    public required Figure NeuronsPerCore { get; init; }
    /// <summary>Input axons per core: a neuron's whole fan-in must arrive on one core's axons.</summary>
    public Figure? AxonsPerCore { get; init; }
    /// <summary>Input synapses one neuron can have (e.g. DYNAP-SE's 64 CAM entries).</summary>
    public Figure? FanInPerNeuron { get; init; }
    /// <summary>Synapses one core can store (limits neurons per core to synapsesPerCore / fan-in).</summary>
    public Figure? SynapsesPerCore { get; init; }
    /// <summary>Synaptic memory per core in bits: neurons per core ≤ memory / (fan-in × bits per synapse).</summary>
    public Figure? SynapseMemoryBitsPerCore { get; init; }
    public Figure? NeuronsPerChip { get; init; }
    public Figure? SynapsesPerChip { get; init; }
    /// <summary>Largest weight precision of a hidden layer.</summary>
    public Figure? WeightBits { get; init; }
    /// <summary>Largest weight precision of the layer that reads the analog input, if it differs.</summary>
    public Figure? InputLayerWeightBits { get; init; }
    /// <summary>Distinct weight values allowed within <see cref="DistinctScope"/>.</summary>
    public Figure? DistinctValues { get; init; }
    /// <summary>
    /// Types an input axon of a core can have, one type per axon shared by every neuron of the core; each
    /// neuron holds one weight per type, so W[i, j] = c_i[type(j)] within a core (TrueNorth: 4). Null: no such rule.
    /// </summary>
    public Figure? AxonTypes { get; init; }
    /// <summary>"neuron" (each neuron's inputs) or "core" (all neurons of a core share the values).</summary>
    public string DistinctScope { get; init; } = "neuron";
    /// <summary>What the distinct values are called on this chip (printed in violations, e.g. "axon types").</summary>
    public string DistinctWhat { get; init; } = "distinct weight values";
    /// <summary>1 when the chip takes analog (multi-bit) input into its first layer, 0 when input must arrive as spikes.</summary>
    public Figure? AnalogInput { get; init; }

    /// <summary>Every figure with its field name (for listing and for the "every figure has a source" check).</summary>
    public IEnumerable<(string Field, Figure Figure)> Figures()
    {
        var all = new (string, Figure?)[]
        {
            ("coresPerChip", CoresPerChip), ("neuronsPerCore", NeuronsPerCore), ("axonsPerCore", AxonsPerCore),
            ("fanInPerNeuron", FanInPerNeuron), ("synapsesPerCore", SynapsesPerCore),
            ("synapseMemoryBitsPerCore", SynapseMemoryBitsPerCore), ("neuronsPerChip", NeuronsPerChip),
            ("synapsesPerChip", SynapsesPerChip), ("weightBits", WeightBits), ("inputLayerWeightBits", InputLayerWeightBits),
            ("distinctValues", DistinctValues), ("axonTypes", AxonTypes), ("analogInput", AnalogInput),
        };
        foreach (var (f, fig) in all)
            if (fig is not null) yield return (f, fig);
    }
}
