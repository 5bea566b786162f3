namespace SpikeFit.Training.Hardware;

/// <summary>A stride-1 conv layer's shape as the mapper tiles it: output (OutH, OutW, OutC), a Kernel×Kernel window, input (InH, InW, InC).</summary>
public sealed record ConvGeometry(int OutH, int OutW, int OutC, int Kernel, int Padding, int InH, int InW, int InC)
{
    /// <summary>Neuron index of channel <paramref name="c"/> at output position (<paramref name="y"/>, <paramref name="x"/>).</summary>
    public int Neuron(int y, int x, int c) => (y * OutW + x) * OutC + c;
}

/// <summary>
/// The synapses of one layer as a chip holds them: for each neuron (dense: output; conv: output
/// channel at one position, channels-last index (y·W + x)·C + c) its non-zero inputs and their weights.
/// A zero weight (a masked-out or pruned one) is an absent synapse and is not stored. Built from the
/// deployed weights Ŵ; the core mapper (<see cref="CoreMapper"/>) counts everything from it.
/// </summary>
public sealed class LayerConnectivity
{
    /// <summary>Neurons of the layer.</summary>
    public int Neurons { get; }
    /// <summary>Inputs feeding the layer (input neurons or input feature-map entries).</summary>
    public int Inputs { get; }
    /// <summary>Neuron n's synapses are at [RowStart[n], RowStart[n + 1]).</summary>
    public int[] RowStart { get; }
    /// <summary>Input index of each synapse, ascending within a neuron.</summary>
    public int[] Input { get; }
    /// <summary>Id of each synapse's weight value, an index into <see cref="Values"/>.</summary>
    public int[] ValueId { get; }
    /// <summary>The layer's distinct non-zero weight values.</summary>
    public float[] Values { get; }
    /// <summary>Rows of the weight matrix the neuron's weights come from (dense: the neuron itself; conv: its channel).</summary>
    public int[] RowOfNeuron { get; }
    /// <summary>A conv layer's geometry (neuron (y·W + x)·C + c is channel c at output position (y, x)); null for a dense layer.</summary>
    public ConvGeometry? Geometry { get; private set; }

    private LayerConnectivity(int neurons, int inputs, int[] rowStart, int[] input, int[] valueId, float[] values, int[] rowOfNeuron)
    {
        Neurons = neurons;
        Inputs = inputs;
        RowStart = rowStart;
        Input = input;
        ValueId = valueId;
        Values = values;
        RowOfNeuron = rowOfNeuron;
    }

    public long Synapses => Input.Length;
    public int FanIn(int neuron) => RowStart[neuron + 1] - RowStart[neuron];
    public ReadOnlySpan<int> InputsOf(int neuron) => Input.AsSpan(RowStart[neuron], FanIn(neuron));
    public ReadOnlySpan<int> ValueIdsOf(int neuron) => ValueId.AsSpan(RowStart[neuron], FanIn(neuron));

    /// <summary>A dense layer, weights row-major [neurons, inputs].</summary>
    public static LayerConnectivity Dense(ReadOnlySpan<float> weights, int neurons, int inputs)
    {
        if (weights.Length != (long)neurons * inputs) throw new ArgumentException($"{weights.Length} weights, expected {neurons} × {inputs}");
        var b = new Builder(neurons, inputs);
        for (int n = 0; n < neurons; n++)
        {
            var row = weights.Slice(n * inputs, inputs);
            for (int i = 0; i < inputs; i++)
                if (row[i] != 0f) b.Add(i, row[i]);
            b.EndNeuron(n);
        }
        return b.Build();
    }

    /// <summary>
    /// A stride-1 convolution, weights [outChannels, kernel, kernel, input C], input (H, W, C) channels-last,
    /// zero padding: a window position outside the image is no synapse (not counted, unlike the nominal fan-in).
    /// </summary>
    public static LayerConnectivity Conv(ReadOnlySpan<float> weights, int outChannels, int kernel, int padding, int inH, int inW, int inC)
    {
        int fanIn = kernel * kernel * inC;
        if (weights.Length != (long)outChannels * fanIn) throw new ArgumentException($"{weights.Length} weights, expected {outChannels} × {fanIn}");
        int outH = inH + 2 * padding - kernel + 1, outW = inW + 2 * padding - kernel + 1;
        if (outH < 1 || outW < 1) throw new ArgumentException($"a {kernel}x{kernel} kernel does not fit a {inH}x{inW} input");
        var b = new Builder(checked(outH * outW * outChannels), inH * inW * inC);
        int neuron = 0;
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
                for (int o = 0; o < outChannels; o++, neuron++)
                {
                    var row = weights.Slice(o * fanIn, fanIn);
                    for (int ky = 0; ky < kernel; ky++)
                    {
                        int y = oy + ky - padding;
                        if (y < 0 || y >= inH) continue;
                        for (int kx = 0; kx < kernel; kx++)
                        {
                            int x = ox + kx - padding;
                            if (x < 0 || x >= inW) continue;
                            for (int c = 0; c < inC; c++)
                            {
                                float w = row[(ky * kernel + kx) * inC + c];
                                if (w != 0f) b.Add((y * inW + x) * inC + c, w);
                            }
                        }
                    }
                    b.EndNeuron(o);
                }
        var built = b.Build();
        built.Geometry = new ConvGeometry(outH, outW, outChannels, kernel, padding, inH, inW, inC);
        return built;
    }

    private sealed class Builder(int neurons, int inputs)
    {
        private readonly List<int> _input = new(), _valueId = new();
        private readonly int[] _rowStart = new int[neurons + 1];
        private readonly int[] _rowOf = new int[neurons];
        private readonly Dictionary<float, int> _ids = new();
        private readonly List<float> _values = new();
        private int _neuron;

        public void Add(int input, float w)
        {
            if (!float.IsFinite(w)) throw new ArgumentException($"weight {w} is not finite");
            if (!_ids.TryGetValue(w, out int id))
            {
                id = _values.Count;
                _ids[w] = id;
                _values.Add(w);
            }
            _input.Add(input);
            _valueId.Add(id);
        }

        public void EndNeuron(int row)
        {
            _rowOf[_neuron] = row;
            _rowStart[++_neuron] = _input.Count;
        }

        public LayerConnectivity Build() =>
            new(neurons, inputs, _rowStart, _input.ToArray(), _valueId.ToArray(), _values.ToArray(), _rowOf);
    }
}
