using System.Text.Json;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Training.Nir;

/// <summary>How to read a NIR graph's continuous neurons: the step dt and the number of time steps.</summary>
public sealed record NirImportOptions
{
    /// <summary>Step for β = 1 − dt/τ; null: the file's own "dt" metadata (our exports), else <see cref="NirLif.DefaultDt"/> (snnTorch's).</summary>
    public double? Dt { get; init; }
    /// <summary>Time steps; null: the file's "time_steps" metadata, else the DESIGN §3 default of the net (MLP 16, conv 8).</summary>
    public int? T { get; init; }
    /// <summary>
    /// The image shape an MLP's flat Input [N] stands for (e.g. 28×28×1 for snnTorch's 784-input nets), so that
    /// commands which check the dataset's image shape (prune) accept it; null: 1×1×N. Must hold N values.
    /// </summary>
    public FeatureShape? InputShape { get; init; }
}

/// <summary>An imported network: the spec to build, the parameter values by name, and what the import did to get there.</summary>
public sealed record NirImport(NetworkSpec Spec, Dictionary<string, float[]> Parameters, IReadOnlyList<string> Notes, double Dt);

/// <summary>
/// NIR graph → <see cref="SpikingNetwork"/>. A graph imports when it is a chain the model zoo builds:
/// MLP: Input → [Flatten] → (Affine|Linear → LIF|IF|Threshold)+ → Affine|Linear → LI|LIF|IF → Output;
/// conv: Input → (Conv2d 3×3 → LIF → SumPool2d|AvgPool2d 2×2)+ → Flatten → Affine|Linear → LI|LIF → Output
/// (Scale nodes fold into the weights before them). Each neuron's β = 1 − dt/τ must be the same in every layer;
/// its input gain r·dt/τ, threshold and v_leak fold exactly into the weights and bias feeding it
/// (<see cref="NirLif"/>), so a file written with gain 1 and one threshold (ours, snnTorch's) keeps its weights bit for bit.
/// Anything else is refused with an <see cref="InvalidDataException"/> that names the node and its type.
/// </summary>
public static class NirImporter
{
    private enum Kind { Flatten, Dense, Conv, Neuron, Pool }

    private sealed class Stage
    {
        public required Kind Kind { get; init; }
        public required string Node { get; init; }
        public required string Type { get; init; }
        public float[] Weight = Array.Empty<float>();
        public float[] Bias = Array.Empty<float>();
        public int Outputs, Inputs;
        public double Beta, Gain = 1, Theta = double.NaN, Leak;
        public bool Spiking, Soft, MaxPool;
    }

    /// <summary>Reads, imports and builds: a .nir file → a network ready to evaluate, train or save.</summary>
    public static (SpikingNetwork Network, NirImport Import) Load(Backend backend, string path, NirImportOptions? options = null)
    {
        var import = Import(NirFile.Read(path), options, path);
        return (Build(backend, import), import);
    }

    /// <summary>Builds the imported network and checks that every imported tensor landed in a parameter of its size.</summary>
    public static SpikingNetwork Build(Backend backend, NirImport import)
    {
        var net = ModelZoo.Build(backend, import.Spec, seed: 0, import.Parameters);
        var byName = net.Parameters.ToDictionary(p => p.Name);
        foreach (var (name, values) in import.Parameters)
            if (!byName.TryGetValue(name, out var p) || p.Length != values.Length)
            {
                net.Dispose();
                throw new InvalidOperationException($"imported tensor {name} ({values.Length} values) has no parameter of that size in {import.Spec}.");
            }
        return net;
    }

    public static NirImport Import(NirGraph graph, NirImportOptions? options = null, string source = "NIR graph")
    {
        try
        {
            return ImportChecked(graph, options, source);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentNullException or KeyNotFoundException or InvalidCastException
                                      or IndexOutOfRangeException or FormatException or OverflowException or NullReferenceException)
        {
            // A damaged file can decode into a graph whose fields hold nonsense (the reader fuzz tests found such files); say which file.
            throw new InvalidDataException($"{source}: the NIR graph is damaged or holds values this importer cannot read ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private static NirImport ImportChecked(NirGraph graph, NirImportOptions? options, string source)
    {
        options ??= new NirImportOptions();
        double dt = options.Dt ?? (graph.Metadata.TryGetValue("dt", out var fileDt) ? fileDt.ToDoubles()[0] : NirLif.DefaultDt);
        if (!(dt > 0)) throw new ArgumentException($"dt must be positive, got {dt}.");
        var chain = NirChain.Walk(graph, source);
        var notes = new List<string> { $"β = 1 − dt/τ and input gain r·dt/τ at dt = {dt:G6} (forward Euler, as snnTorch's and Norse's importers)" };

        var inputNode = graph.Nodes[chain[0]];
        var shape = inputNode.Field(chain[0], "shape").ToLongs();
        if (shape.Length is < 1 or > 3 || shape.Any(d => d < 1))
            throw new InvalidDataException($"{source}: Input node '{chain[0]}' has shape [{string.Join(", ", shape)}]; expected [N], [H, W] or [C, H, W].");
        var inputShape = shape;
        var stages = new List<Stage>();
        FeatureShape? flattenedFrom = null;
        bool pendingQuarter = false;
        string previous = chain[0];
        foreach (var name in chain.Skip(1))
        {
            var node = graph.Nodes[name];
            string where = $"{source}: NIR node '{name}' ({node.Type})";
            switch (node.Type)
            {
                case "Output":
                {
                    var outShape = node.Fields.TryGetValue("shape", out var os) ? os.ToLongs() : shape;
                    if (Prod(outShape) != Prod(shape))
                        throw new InvalidDataException($"{where} has shape [{string.Join(", ", outShape)}] but '{previous}' gives [{string.Join(", ", shape)}].");
                    break;
                }
                case "Flatten":
                {
                    long start = node.Fields.TryGetValue("start_dim", out var sd) ? sd.ToLongs()[0] : 1;
                    long end = node.Fields.TryGetValue("end_dim", out var ed) ? ed.ToLongs()[0] : -1;
                    if (start != 0 || !(end == -1 || end == shape.Length - 1))
                        throw new InvalidDataException($"{where} flattens dims {start}..{end} of [{string.Join(", ", shape)}]; only a full flatten (start_dim 0, end_dim -1, as snnTorch and Norse write nn.Flatten()) maps to our layers.");
                    if (shape.Length == 3) flattenedFrom = new FeatureShape((int)shape[1], (int)shape[2], (int)shape[0]);
                    else if (shape.Length == 2) flattenedFrom = new FeatureShape((int)shape[0], (int)shape[1], 1);
                    shape = new[] { Prod(shape) };
                    stages.Add(new Stage { Kind = Kind.Flatten, Node = name, Type = node.Type });
                    break;
                }
                case "Affine":
                case "Linear":
                {
                    var wt = node.Field(name, "weight");
                    if (wt.Shape.Length != 2)
                        throw new InvalidDataException($"{where}: weight has shape {wt.ShapeText}; expected [out, in].");
                    int outputs = (int)wt.Shape[0], inputs = (int)wt.Shape[1];
                    if (shape.Length != 1)
                        throw new InvalidDataException($"{where} receives [{string.Join(", ", shape)}] from '{previous}'; a dense layer needs a flat input (add a Flatten node).");
                    if (inputs != shape[0])
                        throw new InvalidDataException($"{where} takes {inputs} inputs (weight {wt.ShapeText}) but '{previous}' gives {shape[0]}: shape mismatch.");
                    var w = wt.ToFloats();
                    if (flattenedFrom is { C: > 1 } f) w = NirLayout.ColumnsToHwc(w, outputs, f);
                    flattenedFrom = null;
                    if (pendingQuarter) w = w.Select(v => v * 0.25f).ToArray();
                    pendingQuarter = false;
                    float[] b;
                    if (node.Type == "Affine")
                    {
                        var bt = node.Field(name, "bias");
                        if (bt.Count != outputs) throw new InvalidDataException($"{where}: bias has shape {bt.ShapeText}; expected [{outputs}].");
                        b = bt.ToFloats();
                    }
                    else
                    {
                        b = new float[outputs];
                        notes.Add($"'{name}' (Linear) has no bias: it gets a zero bias, which trains here like any other");
                    }
                    stages.Add(new Stage { Kind = Kind.Dense, Node = name, Type = node.Type, Weight = w, Bias = b, Outputs = outputs, Inputs = inputs });
                    shape = new long[] { outputs };
                    break;
                }
                case "Conv2d":
                    stages.Add(Conv(node, name, where, previous, ref shape, ref pendingQuarter));
                    break;
                case "SumPool2d":
                case "AvgPool2d":
                {
                    var k = node.Field(name, "kernel_size").ToLongs();
                    var s = node.Fields.TryGetValue("stride", out var st) ? st.ToLongs() : k;
                    var p = node.Fields.TryGetValue("padding", out var pd) ? pd.ToLongs() : new long[] { 0 };
                    if (k.Any(v => v != 2) || s.Any(v => v != 2) || p.Any(v => v != 0))
                        throw new InvalidDataException($"{where}: kernel [{string.Join(", ", k)}], stride [{string.Join(", ", s)}], padding [{string.Join(", ", p)}]; only 2×2 pooling with stride 2 and no padding maps to our layers.");
                    if (shape.Length != 3)
                        throw new InvalidDataException($"{where} receives [{string.Join(", ", shape)}] from '{previous}'; pooling needs a [C, H, W] input.");
                    bool max = node.Metadata.TryGetValue(NirExporter.PoolKey, out var mk) && mk.IsText && mk.AsText() == "max";
                    if (node.Type == "AvgPool2d")
                    {
                        pendingQuarter = true;
                        notes.Add($"'{name}' (AvgPool2d) = sum pooling × 1/4; the 1/4 is folded (exactly, a power of two) into the next layer's weights");
                    }
                    stages.Add(new Stage { Kind = Kind.Pool, Node = name, Type = node.Type, MaxPool = max });
                    shape = new[] { shape[0], shape[1] / 2, shape[2] / 2 };
                    break;
                }
                case "Scale":
                {
                    var scale = node.Field(name, "scale").ToDoubles();
                    var last = stages.LastOrDefault();
                    if (last is null || last.Kind is not (Kind.Dense or Kind.Conv))
                        throw new InvalidDataException($"{where} follows '{previous}'; a Scale node imports only directly after an Affine, Linear or Conv2d node (it is folded into their weights).");
                    FoldScale(last, scale, Prod(shape), where);
                    notes.Add($"'{name}' (Scale) folded into the weights and bias of '{last.Node}'");
                    break;
                }
                case "LIF":
                case "LI":
                case "IF":
                case "I":
                case "Threshold":
                    stages.Add(Neuron(node, name, where, Prod(shape), dt));
                    break;
                case "CubaLIF":
                case "CubaLI":
                    throw new InvalidDataException($"{where} has a synaptic current (τ_syn) before its membrane; a SpikingNetwork layer has no synaptic filter, so it cannot be represented.");
                default:
                    throw new InvalidDataException($"{where} cannot be represented by a SpikingNetwork (supported: Input, Output, Affine, Linear, Conv2d, Flatten, SumPool2d, AvgPool2d, Scale, LIF, LI, IF, I, Threshold).");
            }
            previous = name;
        }
        return ToSpec(graph, stages, inputShape, options, notes, dt, source);
    }

    private static Stage Conv(NirNode node, string name, string where, string previous, ref long[] shape, ref bool pendingQuarter)
    {
        var wt = node.Field(name, "weight");
        if (wt.Shape.Length != 4 || wt.Shape[2] != wt.Shape[3])
            throw new InvalidDataException($"{where}: weight has shape {wt.ShapeText}; expected [C_out, C_in, K, K].");
        int o = (int)wt.Shape[0], c = (int)wt.Shape[1], k = (int)wt.Shape[2];
        if (shape.Length != 3)
            throw new InvalidDataException($"{where} receives [{string.Join(", ", shape)}] from '{previous}'; a convolution needs [C, H, W].");
        if (shape[0] != c)
            throw new InvalidDataException($"{where} takes {c} input channels (weight {wt.ShapeText}) but '{previous}' gives [{string.Join(", ", shape)}]: shape mismatch.");
        if (node.Fields.TryGetValue("input_shape", out var ins) && !ins.ToLongs().SequenceEqual(new[] { shape[1], shape[2] }))
            throw new InvalidDataException($"{where}: input_shape [{string.Join(", ", ins.ToLongs())}] but '{previous}' gives [{string.Join(", ", shape)}]: shape mismatch.");
        long[] Ints(string field, long fallback) => node.Fields.TryGetValue(field, out var t) ? t.ToLongs() : new[] { fallback };
        long[] padding;
        if (node.Fields.TryGetValue("padding", out var pt) && pt.IsText)
            padding = pt.AsText() == "valid" ? new long[] { 0 } : throw new InvalidDataException($"{where}: padding '{pt.AsText()}' is not supported (only 0 / 'valid').");
        else padding = Ints("padding", 0);
        var stride = Ints("stride", 1);
        var dilation = Ints("dilation", 1);
        long groups = Ints("groups", 1)[0];
        if (k != 3 || padding.Any(v => v != 0) || stride.Any(v => v != 1) || dilation.Any(v => v != 1) || groups != 1)
            throw new InvalidDataException($"{where}: kernel {k}×{k}, stride [{string.Join(", ", stride)}], padding [{string.Join(", ", padding)}], dilation [{string.Join(", ", dilation)}], groups {groups}; " +
                                            "our conv layers are 3×3, stride 1, no padding, dilation 1, one group (DESIGN §3).");
        var w = NirLayout.KernelToOkkc(wt.ToFloats(), o, k, c);
        if (pendingQuarter) w = w.Select(v => v * 0.25f).ToArray();
        pendingQuarter = false;
        var b = node.Field(name, "bias").ToFloats();
        if (b.Length != o) throw new InvalidDataException($"{where}: bias has {b.Length} values; expected {o}.");
        shape = new[] { (long)o, shape[1] - k + 1, shape[2] - k + 1 };
        return new Stage { Kind = Kind.Conv, Node = name, Type = node.Type, Weight = w, Bias = b, Outputs = o, Inputs = c };
    }

    private static Stage Neuron(NirNode node, string name, string where, long n, double dt)
    {
        double U(string field, double? fallback = null)
        {
            if (!node.Fields.ContainsKey(field) && fallback is { } f) return f;
            var t = node.Field(name, field);
            var v = t.ToDoubles();
            if (v.Length != 1 && v.Length != n)
                throw new InvalidDataException($"{where}: '{field}' has shape {t.ShapeText} but the node receives {n} values: shape mismatch.");
            double first = v[0];
            if (v.Any(x => !NirLif.Close(x, first)))
                throw new InvalidDataException($"{where}: '{field}' varies across neurons ({v.Min():G6} … {v.Max():G6}); a SpikingNetwork layer has one value.");
            return first;
        }
        var stage = new Stage { Kind = Kind.Neuron, Node = name, Type = node.Type };
        switch (node.Type)
        {
            case "LIF":
            case "LI":
            {
                double tau = U("tau"), r = U("r"), leak = U("v_leak", 0);
                (stage.Beta, stage.Gain) = NirLif.ToDiscrete(tau, r, dt);
                if (r == 0) throw new InvalidDataException($"{where}: r = 0 cuts the input off.");
                stage.Leak = leak / r;
                if (node.Type == "LIF")
                {
                    stage.Spiking = true;
                    stage.Theta = U("v_threshold");
                    double reset = U("v_reset", 0);
                    if (reset != 0) throw new InvalidDataException($"{where}: v_reset = {reset:G6}; our neurons reset to 0 (hard) or subtract θ (soft).");
                }
                break;
            }
            case "IF":
            case "I":
                stage.Beta = 1;
                stage.Gain = U("r");
                if (node.Type == "IF")
                {
                    stage.Spiking = true;
                    stage.Theta = U("v_threshold");
                    double reset = U("v_reset", 0);
                    if (reset != 0) throw new InvalidDataException($"{where}: v_reset = {reset:G6}; our neurons reset to 0 (hard) or subtract θ (soft).");
                }
                break;
            default: // Threshold: a neuron without memory
                stage.Beta = 0;
                stage.Spiking = true;
                stage.Theta = U("threshold");
                break;
        }
        if (!(stage.Beta >= 0 && stage.Beta <= 1))
            throw new InvalidDataException($"{where}: β = 1 − dt/τ = {stage.Beta:G6} at dt = {dt:G6} is outside [0, 1]; pass the dt the network was trained with (--dt).");
        if (stage.Spiking && !(stage.Theta > 0))
            throw new InvalidDataException($"{where}: threshold {stage.Theta:G6}; our neurons need a positive threshold.");
        stage.Soft = node.Metadata.ContainsKey(NirExporter.ResetKey);
        return stage;
    }

    private static void FoldScale(Stage layer, double[] scale, long n, string where)
    {
        if (scale.Length != 1 && scale.Length != n)
            throw new InvalidDataException($"{where}: scale has {scale.Length} values but the node receives {n}: shape mismatch.");
        int rows = layer.Outputs, perRow = layer.Weight.Length / rows;
        if (layer.Kind == Kind.Conv && scale.Length != 1)
        {
            // [C, H, W] scale: must be one value per channel to fold into that channel's kernel.
            long plane = n / rows;
            for (int c = 0; c < rows; c++)
                for (long i = 1; i < plane; i++)
                    if (!NirLif.Close(scale[c * plane + i], scale[c * plane]))
                        throw new InvalidDataException($"{where}: scale varies inside channel {c}; only one value per channel folds into a convolution.");
            scale = Enumerable.Range(0, rows).Select(c => scale[c * plane]).ToArray();
        }
        for (int o = 0; o < rows; o++)
        {
            float s = (float)(scale.Length == 1 ? scale[0] : scale[o]);
            for (int i = 0; i < perRow; i++) layer.Weight[o * perRow + i] *= s;
            layer.Bias[o] *= s;
        }
    }

    private static NirImport ToSpec(NirGraph graph, List<Stage> stages, long[] inputShape, NirImportOptions options, List<string> notes,
        double dt, string source)
    {
        string pattern = string.Concat(stages.Select(s => s.Kind switch
        {
            Kind.Flatten => "F", Kind.Dense => "D", Kind.Conv => "C", Kind.Neuron => s.Spiking ? "S" : "N", _ => "P",
        }));
        bool conv = pattern.Contains('C');
        var mlpShape = new System.Text.RegularExpressions.Regex("^F?(DS)+D[SN]$");
        var convShape = new System.Text.RegularExpressions.Regex("^(CSP)+FD[SN]$");
        if (!(conv ? convShape : mlpShape).IsMatch(pattern))
        {
            string expected = conv ? "(Conv2d → LIF → pool)+ → Flatten → Affine → LI|LIF" : "[Flatten] → (Affine → LIF)+ → Affine → LI|LIF";
            throw new InvalidDataException($"{source}: the chain {string.Join(" → ", stages.Select(s => $"'{s.Node}' ({s.Type})"))} is not a network our model zoo builds ({expected}).");
        }
        var neurons = stages.Where(s => s.Kind == Kind.Neuron).ToList();
        var first = neurons[0];
        foreach (var n in neurons.Skip(1))
        {
            if (!NirLif.Close(n.Beta, first.Beta))
                throw new InvalidDataException($"{source}: NIR node '{n.Node}' ({n.Type}) has β = {n.Beta:G6} but '{first.Node}' has {first.Beta:G6}; a SpikingNetwork uses one β in every layer.");
            if (n.Spiking && n.Soft != first.Soft)
                throw new InvalidDataException($"{source}: NIR node '{n.Node}' ({n.Type}) resets differently from '{first.Node}'; a SpikingNetwork uses one reset in every layer.");
        }
        var pools = stages.Where(s => s.Kind == Kind.Pool).ToList();
        if (pools.Any(p => p.MaxPool != pools[0].MaxPool))
            throw new InvalidDataException($"{source}: NIR node '{pools.First(p => p.MaxPool != pools[0].MaxPool).Node}' pools differently from '{pools[0].Node}'; a SpikingNetwork uses one pooling.");

        // Fold every neuron's input gain, threshold (relative to the first layer's) and v_leak into the layer feeding it.
        double theta = first.Theta;
        for (int i = 0; i < stages.Count; i++)
        {
            var n = stages[i];
            if (n.Kind != Kind.Neuron) continue;
            var layer = stages[i - 1];
            double factor = n.Gain * (n.Spiking ? theta / n.Theta : 1);
            if (n.Leak != 0)
            {
                for (int o = 0; o < layer.Bias.Length; o++) layer.Bias[o] = (float)(layer.Bias[o] + n.Leak);
                notes.Add($"'{n.Node}' v_leak/r = {n.Leak:G6} added to the bias of '{layer.Node}'");
            }
            if (NirLif.Close(factor, 1)) continue;
            for (int j = 0; j < layer.Weight.Length; j++) layer.Weight[j] = (float)(layer.Weight[j] * factor);
            for (int j = 0; j < layer.Bias.Length; j++) layer.Bias[j] = (float)(layer.Bias[j] * factor);
            notes.Add($"'{n.Node}' input gain r·dt/τ{(n.Spiking ? " and threshold ratio" : "")} = {factor:G6} folded into the weights and bias of '{layer.Node}'");
        }

        var baseSpec = graph.Metadata.TryGetValue(NirExporter.SpecKey, out var js) && js.IsText
            ? JsonSerializer.Deserialize<NetworkSpec>(js.AsText(), Checkpoint.Json) ?? new NetworkSpec()
            : new NetworkSpec();
        int t = options.T ?? (graph.Metadata.TryGetValue("time_steps", out var ts) ? (int)ts.ToLongs()[0] : conv ? 8 : 16);
        var weighted = stages.Where(s => s.Kind is Kind.Dense or Kind.Conv).ToList();
        var readout = neurons[^1];
        var (h, w, c) = inputShape.Length switch
        {
            3 => ((int)inputShape[1], (int)inputShape[2], (int)inputShape[0]),
            2 => ((int)inputShape[0], (int)inputShape[1], 1),
            _ => (1, 1, (int)inputShape[0]),
        };
        if (options.InputShape is { } given)
        {
            if (given.Size != h * w * c || (inputShape.Length == 3 && given != new FeatureShape(h, w, c)))
                throw new ArgumentException($"--input-shape {given} does not match the graph's Input [{string.Join(", ", inputShape)}].");
            (h, w, c) = (given.H, given.W, given.C);
        }
        var spec = baseSpec with
        {
            Net = conv ? "conv" : "mlp",
            T = t,
            InputHeight = h, InputWidth = w, InputChannels = c,
            Classes = weighted[^1].Outputs,
            Hidden = weighted.Take(weighted.Count - 1).Select(s => s.Outputs).ToArray(),
            Beta = (float)first.Beta,
            Theta = (float)theta,
            Reset = first.Soft ? ResetMode.Soft : ResetMode.Hard,
            Readout = readout.Spiking ? Readout.SpikeCount : Readout.Membrane,
            Pool = pools.Count > 0 && !pools[0].MaxPool ? PoolKind.Sum : PoolKind.Max,
            // Weights arrive as plain floats (a CAT model's codebook values); the import is a full-precision network.
            Codebook = null, Ste = null, SharedWeights = null,
        };
        spec.Validate();
        var parameters = new Dictionary<string, float[]>();
        for (int i = 0; i < weighted.Count; i++)
        {
            string layerName = weighted[i].Kind == Kind.Conv ? $"conv{i + 1}" : conv ? "fc" : $"fc{i + 1}";
            parameters[layerName + ".weight"] = weighted[i].Weight;
            parameters[layerName + ".bias"] = weighted[i].Bias;
            if (layerName != weighted[i].Node) notes.Add($"NIR node '{weighted[i].Node}' → layer '{layerName}'");
        }
        if (!first.Soft && stages.Any(s => s.Kind == Kind.Neuron && s.Spiking))
            notes.Add("reset: hard (v_reset = 0), as NIR defines it");
        return new NirImport(spec, parameters, notes, dt);
    }

    private static long Prod(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
