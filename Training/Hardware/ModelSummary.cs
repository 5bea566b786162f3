using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpikeFit.Training.Hardware;

/// <summary>How a layer connects to its inputs.</summary>
public enum LayerKind { Dense, Conv }

/// <summary>Which weights share one codebook (DESIGN §4): none (free values), per layer, per output neuron, whole network,
/// per core (the rows a chip core holds, DESIGN §4c; sized here as per layer, an upper bound, since a summary knows no cores).</summary>
public enum CodebookScope { None, Layer, Neuron, Network, Core }

/// <summary>
/// One layer of a deployed model, independent of training. Counts are of connections: a conv
/// layer's <see cref="Synapses"/> is neurons × fan-in (every position uses the kernel), while
/// <see cref="Parameters"/> is what is stored (the kernel once).
/// Distinct-value counts exclude zero: a zero weight is an absent synapse on every chip profiled here.
/// </summary>
/// <param name="Name">Layer name as printed in violations (e.g. "fc1").</param>
/// <param name="Kind">Dense or conv.</param>
/// <param name="Inputs">Neurons (or input channels × positions) feeding the layer.</param>
/// <param name="FanIn">Inputs per output neuron.</param>
/// <param name="Neurons">Output neurons (conv: channels × output positions).</param>
/// <param name="Synapses">Connections, neurons × fan-in.</param>
/// <param name="NonZeroSynapses">Connections whose weight is not zero (counted from the weights).</param>
/// <param name="Parameters">Stored weights (dense: = synapses; conv: out channels × fan-in).</param>
/// <param name="WeightBits">Bits of each deployed weight value (the b of a b-bit grid; 32 for float32).</param>
/// <param name="DistinctValues">Distinct non-zero weight values in the layer.</param>
/// <param name="MaxDistinctPerNeuron">Largest count of distinct non-zero values into one output neuron.</param>
/// <param name="Scope">Codebook scope of the deployed weights.</param>
/// <param name="AnalogInput">True when the layer reads the analog input directly (first layer, direct encoding).</param>
/// <param name="InputRate">Spikes per input neuron per time step (ignored for analog input).</param>
public sealed record LayerSummary(
    string Name,
    LayerKind Kind,
    int Inputs,
    int FanIn,
    int Neurons,
    long Synapses,
    long NonZeroSynapses,
    long Parameters,
    int WeightBits,
    int DistinctValues,
    int MaxDistinctPerNeuron,
    CodebookScope Scope,
    bool AnalogInput,
    double InputRate)
{
    /// <summary>
    /// Bits stored per weight: a codebook index of ceil(log2 M) bits when the layer has a codebook
    /// (M = distinct values in one codebook, plus one code for zero if any weight is zero), else <see cref="WeightBits"/>.
    /// </summary>
    public int BitsPerSynapse
    {
        get
        {
            if (Scope == CodebookScope.None) return WeightBits;
            int m = (Scope == CodebookScope.Neuron ? MaxDistinctPerNeuron : DistinctValues) + (NonZeroSynapses < Synapses ? 1 : 0);
            return Math.Min(WeightBits, CeilLog2(m));
        }
    }

    /// <summary>
    /// The layer's synapses from its deployed weights (which input each neuron reads, with which value),
    /// for the core mapper; null for a layer known only by its counts (a model description read from JSON).
    /// </summary>
    [JsonIgnore] public LayerConnectivity? Connectivity { get; init; }

    /// <summary>The cores training placed the layer's neurons on (<see cref="CorePartition"/>), if it was trained for a chip's cores.</summary>
    [JsonIgnore] public CorePartition? Partition { get; init; }

    /// <summary>Mean non-zero connections per input neuron (the fan-out used in SOP_l = spikes × fan-out).</summary>
    public double FanOut => Inputs == 0 ? 0 : (double)NonZeroSynapses / Inputs;

    /// <summary>
    /// Model size in bits: stored weights × <see cref="BitsPerSynapse"/>, plus for a codebook its
    /// entries (M × weight bits per codebook: one per neuron or one per layer) and one float32 scale,
    /// plus one float32 threshold per layer.
    /// </summary>
    public long SizeBits
    {
        get
        {
            long bits = Parameters * BitsPerSynapse + 32; // threshold
            // A whole-network codebook is counted once per layer too: every core holding a layer needs its copy.
            if (Scope is CodebookScope.Layer or CodebookScope.Network or CodebookScope.Core) bits += (long)DistinctValues * WeightBits + 32;
            else if (Scope == CodebookScope.Neuron) bits += (long)Neurons * MaxDistinctPerNeuron * WeightBits + 32;
            return bits;
        }
    }

    internal static int CeilLog2(int m) => m <= 1 ? 1 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(m - 1));
}

/// <summary>
/// Everything the fit checker and the energy model need about a deployed spiking model.
/// Build it from real weights with <see cref="FromWeights"/>; read or write it as JSON with
/// <see cref="Load"/>/<see cref="ToJson"/> (the input of <c>spikefit fit MODEL.json</c>).
/// </summary>
/// <param name="Name">Model name.</param>
/// <param name="TimeSteps">T, simulation steps per inference.</param>
/// <param name="Layers">Layers in forward order.</param>
/// <param name="Accuracy">Test accuracy in [0, 1] if known.</param>
/// <param name="Description">Free text: where the figures come from.</param>
public sealed record ModelSummary(string Name, int TimeSteps, IReadOnlyList<LayerSummary> Layers, double? Accuracy = null,
    string? Description = null)
{
    public long Neurons => Layers.Sum(l => (long)l.Neurons);
    public long NonZeroSynapses => Layers.Sum(l => l.NonZeroSynapses);
    public long SizeBits => Layers.Sum(l => l.SizeBits);

    /// <summary>
    /// Summarises one layer from its actual weights, row-major [out channels, fan-in]: distinct
    /// values and non-zeros are counted, never assumed. For a conv layer give
    /// <paramref name="positions"/> (output positions per channel) and <paramref name="inputs"/>
    /// (input channels × input positions); border effects of padding are ignored (every neuron is
    /// counted with the full fan-in).
    /// </summary>
    public static LayerSummary FromWeights(string name, ReadOnlySpan<float> weights, int outChannels, int fanIn,
        int weightBits, CodebookScope scope, bool analogInput, double inputRate,
        LayerKind kind = LayerKind.Dense, int positions = 1, int? inputs = null)
    {
        if (outChannels <= 0 || fanIn <= 0) throw new ArgumentException($"layer {name}: outChannels and fanIn must be positive");
        if (weights.Length != (long)outChannels * fanIn)
            throw new ArgumentException($"layer {name}: {weights.Length} weights, expected outChannels × fanIn = {(long)outChannels * fanIn}");
        if (positions <= 0) throw new ArgumentException($"layer {name}: positions must be positive");
        var layer = new HashSet<float>();
        var row = new HashSet<float>();
        int maxPerNeuron = 0;
        long nonZero = 0;
        for (int o = 0; o < outChannels; o++)
        {
            row.Clear();
            foreach (float w in weights.Slice(o * fanIn, fanIn))
            {
                if (float.IsNaN(w) || float.IsInfinity(w)) throw new ArgumentException($"layer {name}: weight {w} is not finite");
                if (w == 0f) continue; // also -0
                nonZero++;
                row.Add(w);
                layer.Add(w);
            }
            maxPerNeuron = Math.Max(maxPerNeuron, row.Count);
        }
        int neurons = checked(outChannels * positions);
        // A dense layer's synapses are its weights; a conv layer's also need its geometry (ModelMetrics adds them).
        var connectivity = kind == LayerKind.Dense && positions == 1 ? LayerConnectivity.Dense(weights, outChannels, fanIn) : null;
        return new LayerSummary(name, kind, inputs ?? fanIn, fanIn, neurons, (long)neurons * fanIn, nonZero * positions,
            weights.Length, weightBits, layer.Count, maxPerNeuron, scope, analogInput, inputRate) { Connectivity = connectivity };
    }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        IgnoreReadOnlyProperties = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses and validates a model description; errors name <paramref name="source"/> and the field.</summary>
    public static ModelSummary Parse(string json, string source)
    {
        ModelSummary? m;
        try { m = JsonSerializer.Deserialize<ModelSummary>(json, JsonOptions); }
        catch (JsonException e) { throw new InvalidOperationException($"{source}: invalid model description at {e.Path ?? "$"}: {e.Message}", e); }
        if (m is null) throw new InvalidOperationException($"{source}: empty model description");
        m.Validate(source);
        return m;
    }

    public static ModelSummary Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model description not found: {path}");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Throws naming the first inconsistent field.</summary>
    public void Validate(string source)
    {
        void Fail(string field, string why) => throw new InvalidOperationException($"{source}: {field} {why}");
        if (string.IsNullOrWhiteSpace(Name)) Fail("name", "is missing");
        if (TimeSteps <= 0) Fail("timeSteps", "must be positive");
        if (Layers is null || Layers.Count == 0) Fail("layers", "must list at least one layer");
        for (int i = 0; i < Layers!.Count; i++)
        {
            var l = Layers[i];
            string p = $"layers[{i}]";
            if (string.IsNullOrWhiteSpace(l.Name)) Fail($"{p}.name", "is missing");
            p = $"layers[{i}] ({l.Name})";
            if (l.Inputs <= 0) Fail($"{p}.inputs", "must be positive");
            if (l.FanIn <= 0) Fail($"{p}.fanIn", "must be positive");
            if (l.Neurons <= 0) Fail($"{p}.neurons", "must be positive");
            if (l.Synapses <= 0) Fail($"{p}.synapses", "must be positive");
            if (l.NonZeroSynapses < 0 || l.NonZeroSynapses > l.Synapses) Fail($"{p}.nonZeroSynapses", "must be in [0, synapses]");
            if (l.Parameters <= 0) Fail($"{p}.parameters", "must be positive");
            if (l.WeightBits is < 1 or > 64) Fail($"{p}.weightBits", "must be in [1, 64]");
            if (l.DistinctValues < 0) Fail($"{p}.distinctValues", "must not be negative");
            if (l.MaxDistinctPerNeuron < 0 || l.MaxDistinctPerNeuron > l.DistinctValues) Fail($"{p}.maxDistinctPerNeuron", "must be in [0, distinctValues]");
            if (!double.IsFinite(l.InputRate) || l.InputRate < 0) Fail($"{p}.inputRate", "must be a non-negative number");
            // A spike is 0 or 1 per input per step, so a spiking input's rate cannot exceed 1.
            if (!l.AnalogInput && l.InputRate > 1) Fail($"{p}.inputRate", $"is {l.InputRate}, but a spike rate is at most 1 per input per step (spikes are 0 or 1)");
        }
    }
}
