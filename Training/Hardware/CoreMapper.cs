namespace SpikeFit.Training.Hardware;

/// <summary>One core of a mapped layer: what it holds, counted from the deployed weights.</summary>
/// <param name="Core">Core index within the layer.</param>
/// <param name="Neurons">Neurons placed on it.</param>
/// <param name="DistinctInputs">Distinct inputs its neurons read together (its input axons): the union of their non-zero columns.</param>
/// <param name="Synapses">Non-zero synapses of its neurons.</param>
/// <param name="MemoryBits">Synaptic memory: synapses × the layer's weight bits.</param>
/// <param name="DistinctValues">Distinct non-zero weight values among its synapses.</param>
/// <param name="MaxValuesPerNeuron">Largest count of distinct non-zero values into one of its neurons.</param>
/// <param name="Typing">For a chip with shared axon types: "k types" when a typing was found, else "none"; null otherwise.</param>
public sealed record CoreLoad(int Core, int Neurons, int DistinctInputs, long Synapses, long MemoryBits, int DistinctValues,
    int MaxValuesPerNeuron, string? Typing);

/// <summary>How one layer lands on a chip's cores.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="NeuronsPerCore">Most neurons of this layer on one core (0: not mapped).</param>
/// <param name="Cores">Cores the layer needs (0 when it cannot be mapped).</param>
/// <param name="Placement">"partition" (trained for the chip's cores), "tiles of …" (a conv layer: spatial tiles × channel groups, <see cref="ConvTiling"/>), "greedy" (grouped by overlap, <see cref="CorePacker"/>), "in order" (no per-core input or value limit: packed in neuron order), "nominal" (no weights: by fan-in), or "refused".</param>
/// <param name="CoreTable">One row per core.</param>
public sealed record LayerMapping(string Layer, int NeuronsPerCore, long Cores, string Placement, IReadOnlyList<CoreLoad> CoreTable)
{
    /// <summary>The core of each neuron (null for a nominal or refused layer); not written to JSON, where it would be one number per neuron.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public int[]? CoreOfNeuron { get; init; }
}

/// <summary>
/// Maps one layer onto one chip's cores (DESIGN §6). With the layer's deployed weights
/// (<see cref="LayerSummary.Connectivity"/>) every neuron gets a core — the training's
/// <see cref="CorePartition"/> where the layer has one, a conv layer's spatial tiles × channel groups
/// (<see cref="ConvTiling"/>), else <see cref="CorePacker"/>'s greedy packing — and each core's distinct inputs, synapses, memory and values are counted from the
/// non-zero weights; TrueNorth's shared axon types are checked per core with <see cref="AxonTyping"/>.
/// Without weights (a model description) the layer is mapped by its nominal fan-in, as an upper bound.
/// </summary>
public static class CoreMapper
{
    /// <summary>The mapping of <paramref name="layer"/>, its violations (in words, with the numbers) and notes; <c>Mapped</c> is false when the layer cannot be placed at all.</summary>
    public static (LayerMapping Mapping, bool Mapped, List<string> Violations, List<string> Notes) Map(LayerSummary layer, ChipConstraints chip)
    {
        var violations = new List<string>();
        var notes = new List<string>();
        string n = chip.Chip, name = layer.Name;

        int? maxBits = chip.BitsFor(layer.AnalogInput);
        if (maxBits is int mb && layer.WeightBits > mb)
        {
            string where = chip.InputLayerWeightBits is null ? "" : layer.AnalogInput && chip.InputLayerWeightBits is not null ? " in the input layer" : " in hidden layers";
            violations.Add($"layer {name}: weights need {layer.WeightBits} bits; {n} supports at most {mb}{where}");
        }
        if (layer.AnalogInput && chip.SpikeInputOnly)
            notes.Add($"layer {name} reads analog input; {n} takes spikes only, so the input must be spike-encoded off chip (not counted here)");

        var limits = new CoreLimits(chip.NeuronsPerCore, chip.InputsPerCore, chip.SynapsesPerCore, chip.SynapseMemoryBitsPerCore,
            layer.WeightBits, chip.ValueScope == ValueScope.Core ? chip.DistinctValues : null);
        var (mapping, mapped) = layer.Connectivity is { } c
            ? MapWeights(layer, c, chip, limits, violations, notes)
            : MapNominal(layer, chip, limits, violations, notes);
        return (mapping, mapped, violations, notes);
    }

    private static (LayerMapping, bool) MapWeights(LayerSummary layer, LayerConnectivity c, ChipConstraints chip, CoreLimits limits,
        List<string> violations, List<string> notes)
    {
        string n = chip.Chip, name = layer.Name;
        var values = CorePacker.DistinctValueIds(c);
        var refused = new LayerMapping(name, 0, 0, "refused", []);

        // A neuron's own limits: its synapses into one neuron, and what one core can hold at all.
        if (chip.FanInPerNeuron is int fpn)
        {
            var over = Enumerable.Range(0, c.Neurons).Where(i => c.FanIn(i) > fpn).ToList();
            if (over.Count > 0)
            {
                int worst = over.MaxBy(c.FanIn);
                violations.Add($"layer {name}: {over.Count} of {c.Neurons} neurons have more than {fpn} non-zero inputs, {n}'s input synapses per neuron (neuron {worst}: fan-in {c.FanIn(worst)}); a fan-in mask of at most {fpn} would fit");
                return (refused, false);
            }
        }
        var alone = Enumerable.Range(0, c.Neurons).Select(i => (Neuron: i, Why: limits.AloneTooBig(c.FanIn(i), values[i].Length)))
            .Where(x => x.Why is not null).ToList();
        if (alone.Count > 0)
        {
            var (worst, why) = alone[0];
            violations.Add($"layer {name}: {alone.Count} of {c.Neurons} neurons cannot sit on any {n} core (neuron {worst}: fan-in {c.FanIn(worst)}; {why})");
            return (refused, false);
        }
        bool perNeuronOver = false;
        if (chip.ValueScope == ValueScope.Neuron && chip.DistinctValues is int m)
        {
            var over = Enumerable.Range(0, c.Neurons).Where(i => values[i].Length > m).ToList();
            perNeuronOver = over.Count > 0;
            if (perNeuronOver)
                violations.Add($"layer {name}: {over.Count} of {c.Neurons} neurons have more than {m} distinct weight values (up to {over.Max(i => values[i].Length)}); {n} allows {m} per neuron ({chip.ValuesWhat})");
        }

        int[] coreOf;
        string placement;
        if (layer.Partition is { } p && p.CoreOfNeuron.Length == c.Neurons)
        {
            coreOf = p.CoreOfNeuron;
            placement = "partition";
            if (coreOf.Any(x => x < 0)) throw new ArgumentException($"layer {name}: its core partition has a negative core index");
        }
        else if (c.Geometry is not null && (limits.Inputs is not null || limits.Values is not null || chip.AxonTypes is not null))
        {
            // A conv layer's neurons are channel × position: tiles × channel groups, counted from the weights
            // (a trained row partition of a conv layer groups channels shared by every tile, so it places no neuron).
            var (tiled, tile, fits) = ConvTiling.Place(c, limits, chip.AxonTypes);
            coreOf = tiled;
            placement = $"tiles of {tile}";
            if (!fits) notes.Add($"layer {name}: no tiling of its {c.Geometry.OutH}×{c.Geometry.OutW}×{c.Geometry.OutC} neurons keeps every {n} core's limits; the finest (one neuron per core) is reported");
        }
        else
        {
            if (layer.Partition is { } bad)
                notes.Add($"layer {name}: its core partition has {bad.CoreOfNeuron.Length} entries for {c.Neurons} neurons (a conv layer's rows are channels, not neurons); packed by the mapper instead");
            coreOf = CorePacker.Pack(c, limits);
            placement = limits.Inputs is null && limits.Values is null ? "in order" : "greedy";
        }

        var table = CoreTable(c, coreOf, values, layer.WeightBits, chip.AxonTypes, out var typingFailures);
        Check(name, chip, table, violations);
        // A neuron over its values already rules out any typing: the per-core lines would only repeat it.
        if (perNeuronOver) typingFailures.Clear();
        foreach (var (core, reason) in typingFailures.Take(3))
            violations.Add($"layer {name}, core {core}: no {n} axon typing: {reason}");
        if (typingFailures.Count > 3)
            violations.Add($"layer {name}: {typingFailures.Count - 3} more cores have no {n} axon typing");
        return (new LayerMapping(name, table.Count == 0 ? 0 : table.Max(t => t.Neurons), table.Count, placement, table) { CoreOfNeuron = coreOf }, true);
    }

    /// <summary>Counts every core of a placement; with <paramref name="axonTypes"/>, searches each core's axon typing.</summary>
    public static List<CoreLoad> CoreTable(LayerConnectivity c, int[] coreOf, int[][] values, int weightBits, int? axonTypes,
        out List<(int Core, string Reason)> typingFailures)
    {
        int cores = coreOf.Length == 0 ? 0 : coreOf.Max() + 1;
        var members = new List<int>[cores];
        for (int k = 0; k < cores; k++) members[k] = new();
        for (int i = 0; i < coreOf.Length; i++) members[coreOf[i]].Add(i);
        var table = new List<CoreLoad>(cores);
        typingFailures = new();
        var inputStamp = new int[c.Inputs];
        var valueStamp = new int[c.Values.Length];
        Array.Fill(inputStamp, -1);
        Array.Fill(valueStamp, -1);
        for (int k = 0; k < cores; k++)
        {
            int inputs = 0, distinct = 0, maxPerNeuron = 0;
            long synapses = 0;
            foreach (int i in members[k])
            {
                synapses += c.FanIn(i);
                maxPerNeuron = Math.Max(maxPerNeuron, values[i].Length);
                foreach (int x in c.InputsOf(i))
                    if (inputStamp[x] != k) { inputStamp[x] = k; inputs++; }
                foreach (int v in values[i])
                    if (valueStamp[v] != k) { valueStamp[v] = k; distinct++; }
            }
            string? typing = null;
            if (axonTypes is int t && members[k].Count > 0)
            {
                var found = AxonTyping.Find(c, members[k], t);
                if (found.Found) typing = $"{(found.TypeOfInput!.Count == 0 ? 0 : found.TypeOfInput.Values.Max() + 1)} types";
                else
                {
                    typing = "none";
                    typingFailures.Add((k, found.Reason!));
                }
            }
            table.Add(new CoreLoad(k, members[k].Count, inputs, synapses, synapses * weightBits, distinct, maxPerNeuron, typing));
        }
        return table;
    }

    /// <summary>Per-core limits over the table, one violation per limit with the count of cores over it and the worst ones.</summary>
    private static void Check(string name, ChipConstraints chip, List<CoreLoad> table, List<string> violations)
    {
        string n = chip.Chip;
        void Over(Func<CoreLoad, long> count, long? limit, string what)
        {
            if (limit is not long l) return;
            var over = table.Where(t => count(t) > l).OrderByDescending(count).ToList();
            if (over.Count == 0) return;
            string worst = string.Join(", ", over.Take(3).Select(t => $"core {t.Core}: {count(t)}"));
            violations.Add($"layer {name}: {over.Count} of {table.Count} cores exceed {n}'s {l} {what} ({worst})");
        }
        Over(t => t.Neurons, chip.NeuronsPerCore, "neurons per core");
        Over(t => t.DistinctInputs, chip.InputsPerCore, "input axons per core (distinct inputs)");
        Over(t => t.Synapses, chip.SynapsesPerCore, "synapses per core");
        Over(t => t.MemoryBits, chip.SynapseMemoryBitsPerCore, "bits of synaptic memory per core");
        if (chip.ValueScope == ValueScope.Core)
            Over(t => t.DistinctValues, chip.DistinctValues, $"distinct weight values per core ({chip.ValuesWhat})");
    }

    /// <summary>A layer known only by its counts (FitChecker notes it once per chip): every neuron has the nominal fan-in; a dense layer's neurons read the same inputs, a conv layer's are bounded by k neurons × fan-in.</summary>
    private static (LayerMapping, bool) MapNominal(LayerSummary layer, ChipConstraints chip, CoreLimits limits, List<string> violations, List<string> notes)
    {
        string n = chip.Chip, name = layer.Name;
        bool ok = true;
        if (chip.FanInPerNeuron is int fpn && layer.FanIn > fpn)
        {
            violations.Add($"layer {name}: fan-in {layer.FanIn} exceeds {n}'s {fpn} input synapses per neuron");
            ok = false;
        }
        if (chip.InputsPerCore is int a && layer.FanIn > a)
        {
            violations.Add($"layer {name}: fan-in {layer.FanIn} exceeds {n}'s {a} input axons per core, and without weights no mask shows fewer inputs per core");
            ok = false;
        }
        if (chip.DistinctValues is int m)
        {
            if (chip.ValueScope == ValueScope.Core && layer.DistinctValues > m)
            {
                violations.Add($"layer {name}: {layer.DistinctValues} distinct weight values in the layer (an upper bound per core); {n} allows {m} per core ({chip.ValuesWhat})");
                ok = false;
            }
            else if (chip.ValueScope == ValueScope.Neuron && layer.MaxDistinctPerNeuron > m)
                violations.Add($"layer {name}: {layer.MaxDistinctPerNeuron} distinct weight values per neuron; {n} allows {m} ({chip.ValuesWhat})");
        }
        long perCore = chip.NeuronsPerCore;
        if (limits.Synapses is long s) perCore = Math.Min(perCore, s / layer.FanIn);
        if (limits.MemoryBits is long mem) perCore = Math.Min(perCore, mem / ((long)layer.FanIn * layer.WeightBits));
        bool sameInputs = layer.Kind == LayerKind.Dense && layer.FanIn == layer.Inputs;
        if (limits.Inputs is int ax && !sameInputs && layer.Inputs > ax) perCore = Math.Min(perCore, ax / layer.FanIn);
        if (ok && perCore < 1)
        {
            violations.Add($"layer {name}: one neuron's {layer.FanIn} synapses of {layer.WeightBits} bits exceed one {n} core's synaptic storage");
            ok = false;
        }
        if (!ok) return (new LayerMapping(name, 0, 0, "refused", []), false);
        long cores = (layer.Neurons + perCore - 1) / perCore;
        var table = new List<CoreLoad>((int)Math.Min(cores, 1 << 20));
        for (long k = 0; k < cores; k++)
        {
            int held = (int)Math.Min(perCore, layer.Neurons - k * perCore);
            int inputs = sameInputs ? layer.FanIn : (int)Math.Min(layer.Inputs, (long)held * layer.FanIn);
            long syn = (long)held * layer.FanIn;
            table.Add(new CoreLoad((int)k, held, inputs, syn, syn * layer.WeightBits, layer.DistinctValues, layer.MaxDistinctPerNeuron, null));
        }
        return (new LayerMapping(name, (int)perCore, cores, "nominal", table), true);
    }
}
