using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Pruning;

namespace SpikeFit.Training.Hardware;

/// <summary>What a chip-targeted training run will do for one chip, decided before any training.</summary>
/// <param name="Value">The value constraint the chip's bits and values ask for: CAT with the chip's M and scope, or TrueNorth's axon types (null when impossible).</param>
/// <param name="FanIn">Fan-in mask k (inputs per neuron) where a layer reads more than the chip's synapses per neuron; null: none needed.</param>
/// <param name="CoreInputs">Per-core input budget A where a layer reads more inputs than a core has axons; null: none needed.</param>
/// <param name="NeuronsPerCore">Neurons per core P of the per-core input budget, per-core codebook or TrueNorth layout; null when none of them is used.</param>
/// <param name="Budgets">Each budget of the chip and how the run meets it (or that the mapper only checks it), in words.</param>
/// <param name="Impossible">Why no network of this shape can fit the chip in any way, with the numbers (empty: possible).</param>
/// <param name="Unsupported">Budgets this build cannot train for this network, with the numbers (empty: none).</param>
/// <param name="NeuronsLine">The line of <paramref name="Budgets"/> about the chip's neurons (within it, pruned to it, or out of reach); a deploy that prunes keeps this line of the unpruned network's plan.</param>
/// <param name="OnlyOverBudget">The per-core input budget applies only to the layers that read more than <see cref="CoreInputs"/> (a conv net's dense classifier; its conv layers are tiled by the mapper).</param>
/// <param name="Prune">The neuron budget hidden units must be pruned to before the rest of the plan applies (issue 12 item 3); null: the network is within the chip's neurons and cores. A plan with a budget is for the unpruned network: plan the pruned one again.</param>
public sealed record ChipPlan(ConstraintSpec? Value, int? FanIn, int? CoreInputs, int? NeuronsPerCore, IReadOnlyList<string> Budgets,
    IReadOnlyList<string> Impossible, IReadOnlyList<string> Unsupported, string NeuronsLine, bool OnlyOverBudget = false, NeuronBudget? Prune = null)
{
    public bool Refused => Impossible.Count > 0 || Unsupported.Count > 0;
    /// <summary>True when training needs a connectivity mask (<see cref="ConnectivitySpec"/>) around <see cref="Value"/>.</summary>
    public bool HasMask => FanIn is not null || CoreInputs is not null;
}

/// <summary>
/// Turns <see cref="ChipConstraints"/> into a training plan for a given network (<c>spikefit deploy</c>,
/// issue 12 items 1, 2 and 5): the value constraint (CAT on the largest supported grid within the chip's
/// weight bits, M and scope from the chip's value limit — per core as a per-core codebook; TrueNorth's
/// axon-type layout where the chip has axon types), a fan-in mask k where a layer reads more inputs than
/// the chip's synapses per neuron, and a per-core input budget A on cores of P neurons where a layer
/// reads more inputs than a core's axons. A refusal before training where the network cannot fit in any
/// way, or needs what the training half cannot do for it, each with its numbers. A conv net's conv
/// layers (channels shared by every position) are tiled by the mapper (<see cref="ConvTiling"/>): their
/// per-core scope is a group of channels (TrueNorth: one type map per group, the same at every position,
/// groups as small as the chip's cores allow; a per-core codebook: the whole layer), and the per-core
/// input budget applies to its dense classifier only (<see cref="ChipPlan.OnlyOverBudget"/>).
/// </summary>
public static class ChipTargeting
{
    /// <summary>The CAT grids (<see cref="CodebookSpec"/>'s bits).</summary>
    public static readonly int[] GridBits = [2, 3, 4, 8, 16];

    /// <summary>Codebook size used where the chip limits only bits: more values than the paper's M = 4, capped to keep CAT's codebooks small.</summary>
    public const int UnlimitedM = 16;

    public static ChipPlan Plan(SpikingNetwork net, ChipConstraints chip)
    {
        var budgets = new List<string>();
        var impossible = new List<string>();
        var unsupported = new List<string>();
        string n = chip.Chip;
        var layers = net.Layers.OfType<IWeightedLayer>().ToList();
        if (layers.Count == 0) throw new ArgumentException("the network has no weighted layer to deploy");
        var denseLayers = layers.Where(l => l.Kind == LayerKind.Dense).ToList();
        var convLayers = layers.Where(l => l.Kind == LayerKind.Conv).ToList();
        bool conv = convLayers.Count > 0;

        // Bits: one CAT spec for every layer, so the tighter of the hidden and input-layer figures.
        int? allowed = (chip.WeightBits, chip.InputLayerWeightBits) switch
        {
            (int h, int i) => Math.Min(h, i),
            (int h, null) => h,
            (null, int i) => i,
            _ => null,
        };
        int bits;
        if (allowed is int a)
        {
            var fit = GridBits.Where(g => g <= a).ToList();
            if (fit.Count == 0)
            {
                impossible.Add($"{n} allows {a}-bit weights; the smallest CAT grid has {GridBits[0]} bits");
                bits = GridBits[0];
            }
            else
            {
                bits = fit.Max();
                if (chip.AxonTypes is null) budgets.Add($"weight bits: ≤ {a} on {n}; CAT on a {bits}-bit grid");
            }
        }
        else
        {
            bits = 4;
            budgets.Add($"weight bits: not in {n}'s profile; CAT on a 4-bit grid (not checked against the chip)");
        }

        // Conv layers: tiled by the mapper (spatial tiles × channel groups, ConvTiling) on the warm start's connectivity,
        // which no training mask can make larger; the cores they take are not left to the dense layers.
        long convCores = 0;
        if (conv)
        {
            var summary = Compression.ModelMetrics.Summarize(net, new Dictionary<string, double>(), "plan");
            var limits = new CoreLimits(chip.NeuronsPerCore, chip.InputsPerCore, chip.SynapsesPerCore, chip.SynapseMemoryBitsPerCore, bits, null);
            var tiles = new List<string>();
            foreach (var l in summary.Layers.Where(l => l.Connectivity?.Geometry is not null))
            {
                var c = l.Connectivity!;
                var (_, tile, fits) = ConvTiling.Place(c, limits, chip.AxonTypes, checkTyping: false);
                if (!fits)
                {
                    unsupported.Add($"layer {l.Name}: even one neuron per core reads {l.FanIn} inputs ({ModelZoo.ConvKernel}×{ModelZoo.ConvKernel} taps × {c.Geometry!.InC} channels), " +
                                    $"over {n}'s {chip.InputsPerCore} input axons or its per-core synapse storage; that needs kernel-tap masks, which this build does not train for deploy");
                    continue;
                }
                long cores = ConvTiling.Cores(c.Geometry!, tile);
                convCores += cores;
                tiles.Add($"{l.Name} in tiles of {tile} ({cores} cores)");
            }
            if (tiles.Count > 0)
                budgets.Add($"conv layers: neurons are channel × position, placed as spatial tiles × channel groups whose distinct inputs (receptive fields × input channels) fit {n}'s cores" +
                            (chip.AxonTypes is null ? "" : ", one position per core (a pixel feeding two positions of a core would sit at two kernel taps)") +
                            $": {string.Join(", ", tiles)}; the mapper re-tiles from the trained weights");
        }
        // TrueNorth's types on a conv layer: one type map per group of channels, the same in every position's core
        // (weights are shared). Smaller groups give each map to fewer channels but multiply the one-position cores,
        // so the groups halve from the widest layer while the conv cores and the dense layers' fewest still fit.
        int maxChannels = convLayers.Count == 0 ? 0 : convLayers.Max(l => l.OutChannels);
        int convGroup = Math.Min(maxChannels, chip.NeuronsPerCore);
        if (conv && chip.AxonTypes is not null && unsupported.Count == 0)
        {
            long denseMin = denseLayers.Sum(l => (long)Math.Ceiling(l.OutChannels / (double)chip.NeuronsPerCore));
            long CoresAt(int q) => convLayers.Sum(l => (long)l.OutputShape.H * l.OutputShape.W * (long)Math.Ceiling(l.OutChannels / (double)q));
            while (convGroup > 1 && CoresAt(convGroup / 2) + denseMin <= chip.CoresPerChip) convGroup /= 2;
            convCores = CoresAt(convGroup);
            budgets.RemoveAll(b => b.StartsWith("conv layers:", StringComparison.Ordinal));
            budgets.Add($"conv layers: neurons are channel × position; on {n} one position per core (a pixel feeding two positions of a core would sit at two kernel taps) " +
                        $"× a group of {convGroup} channels sharing one type map, the smallest group with which the conv layers fit its cores: " +
                        string.Join(", ", convLayers.Select(l => $"{l.Name} {(long)l.OutputShape.H * l.OutputShape.W * (long)Math.Ceiling(l.OutChannels / (double)convGroup)} cores")) +
                        "; the mapper re-tiles from the trained weights and checks each core's typing");
        }
        int p = CoreSize(denseLayers, chip, chip.CoresPerChip - convCores);

        // Connectivity: which layers read more than a neuron or a core can take.
        int? fanInMask = null, coreInputs = null;
        if (chip.FanInPerNeuron is int k && layers.Any(l => l.FanIn > k))
        {
            fanInMask = k;
            budgets.Add($"fan-in: ≤ {k} input synapses per neuron on {n}; {Over(layers, k)}: a fan-in mask of {k} per neuron (largest |w| of the warm start, revised each epoch but the last, then frozen)" +
                        (conv ? "; on a conv layer the mask keeps k taps × input channels per output channel, shared by every position" : ""));
        }
        else if (chip.FanInPerNeuron is int k2)
            budgets.Add($"fan-in: ≤ {k2} input synapses per neuron on {n}; every layer reads at most {layers.Max(l => l.FanIn)}, no mask needed");
        if (chip.InputsPerCore is int ax && denseLayers.Any(l => l.FanIn > ax))
        {
            coreInputs = ax;
            budgets.Add($"inputs per core: ≤ {ax} axons per core of {p} neurons on {n}; {Over(denseLayers, ax)}: a per-core input budget A = {ax} on cores of P = {p} " +
                        "(neurons grouped by overlapping strongest inputs from the warm start; the mapper places them by this partition)" +
                        (conv ? "; the conv layers are within it per neuron and are tiled instead" : ""));
        }
        else if (chip.InputsPerCore is int ax2)
            budgets.Add($"inputs per core: ≤ {ax2} axons per core on {n}; every dense layer reads at most {(denseLayers.Count == 0 ? 0 : denseLayers.Max(l => l.FanIn))}, no mask needed");

        // Per-core scopes: a conv layer's rows are channels shared by every position's core, so its scope is a group of
        // channels (TrueNorth: convGroup; otherwise all of them). Dense layers under the input budget take its P; a dense
        // layer within it (OnlyOverBudget) keeps the inner scope's.
        int scopeP = !conv ? p : chip.AxonTypes is not null ? convGroup : Math.Max(p, maxChannels);
        int denseP = conv && coreInputs is null ? scopeP : p;

        // Values: TrueNorth's axon-type layout, or CAT with the chip's M and scope.
        ConstraintSpec? value;
        int m;
        if (chip.AxonTypes is int types)
        {
            int tnBits = Math.Clamp(chip.WeightBits ?? 9, 2, 16);
            m = types;
            value = new TrueNorthSpec(NeuronsPerCore: scopeP, Bits: tnBits, Types: types);
            budgets.Add($"values: {types} {chip.ValuesWhat} per input axon shared by a core's {(conv ? $"neurons (dense layers: P = {denseP})" : $"{p} neurons")}, one signed {tnBits}-bit value per type per neuron; " +
                        "trained in TrueNorth's layout (types per axon per core fitted to the warm start, values per neuron), exported as such" +
                        (conv ? $"; a conv layer's axon is (kernel tap, input channel), typed once per group of {convGroup} channels for every position (W[o, tap] = c_o[type_g(o)(tap)]), so the cores of one channel group share one type map" : ""));
        }
        else
        {
            switch (chip.ValueScope)
            {
                case ValueScope.Neuron when chip.DistinctValues is int mv:
                    m = mv;
                    budgets.Add($"values: ≤ {mv} per neuron ({chip.ValuesWhat}); CAT M = {mv} per neuron");
                    break;
                case ValueScope.Core when chip.DistinctValues is int mv:
                    m = mv;
                    budgets.Add(!conv
                        ? $"values: ≤ {mv} per core ({chip.ValuesWhat}); CAT M = {mv} per core of {p} neurons"
                        : $"values: ≤ {mv} per core ({chip.ValuesWhat}); CAT M = {mv} per layer: a conv core holds channels shared by every tile, so one codebook per layer is what a per-core codebook becomes, and every core holds at most {mv}");
                    break;
                default:
                    m = Math.Min(1 << bits, UnlimitedM);
                    budgets.Add($"values: no limit on {n} beyond {bits}-bit weights; CAT M = {m} per layer");
                    break;
            }
            m = Math.Min(Math.Max(m, 2), 1 << bits);
            value = new CodebookSpec(m, bits, PerNeuron: chip.ValueScope == ValueScope.Neuron && chip.DistinctValues is not null,
                NeuronsPerCore: chip.ValueScope == ValueScope.Core && chip.DistinctValues is not null && !conv ? p : 0);
        }
        if (chip.DistinctValues is < 2) impossible.Add($"{n} allows {chip.DistinctValues} distinct weight value(s); CAT needs at least 2");

        // Impossible in any way: layers never share a core, and the output layer keeps one neuron per class.
        if (layers.Count > chip.CoresPerChip)
            impossible.Add($"{layers.Count} weighted layers need at least {layers.Count} cores (layers never share a core); {n} has {chip.CoresPerChip}");
        // The neuron budget deploy prunes to (NeuronBudget); its smallest network, one unit per hidden layer, is also what
        // decides whether the chip is possible at all.
        var hiddenLayers = layers.Take(layers.Count - 1).ToList();
        var neuronBudget = new NeuronBudget(chip.NeuronsPerChip, chip.CoresPerChip, chip.NeuronsPerCore,
            hiddenLayers.Select(l => (long)l.OutputShape.H * l.OutputShape.W).ToArray(), layers[^1].OutputShape.Size);
        var hiddenUnits = hiddenLayers.Select(l => l.OutChannels).ToArray();
        var oneEach = Enumerable.Repeat(1, hiddenLayers.Count).ToArray();
        long minNeurons = neuronBudget.Neurons(oneEach), minCores = neuronBudget.Cores(oneEach);
        if (minNeurons > chip.NeuronsPerChip)
            impossible.Add($"even pruned to one channel per hidden layer the network has {minNeurons} neurons; {n} has {chip.NeuronsPerChip} per chip");
        else if (minCores > chip.CoresPerChip && layers.Count <= chip.CoresPerChip)
        {
            // The output layer keeps every class; a hidden layer can be pruned to one channel (a conv channel is all its positions).
            var parts = layers.Zip(neuronBudget.Layers(oneEach), (l, b) => $"{l.Name} {b.Neurons} neurons → {b.Cores}");
            impossible.Add($"even pruned to one channel per hidden layer the layers need {minCores} cores of {chip.NeuronsPerCore} neurons ({string.Join(", ", parts)}; layers never share a core); {n} has {chip.CoresPerChip}");
        }
        long neurons = layers.Sum(l => (long)l.OutputShape.Size);
        NeuronBudget? prune = null;
        string neuronsLine;
        if (neuronBudget.Fits(hiddenUnits))
            neuronsLine = $"neurons: {neurons} in the network, {chip.NeuronsPerChip} per {n} chip; within it, no pruning needed";
        else if (impossible.Count == 0) // possible at all means one unit per hidden layer fits: the budget is reachable
        {
            prune = neuronBudget;
            neuronsLine = $"neurons: {neuronBudget.Describe(hiddenUnits)} on {n}; over it, so hidden units are pruned first (FSC or --prune-criterion, " +
                          "iterative with fine-tuning, from the FP32 warm start) until the network fits, and the chip's other budgets are planned on the pruned network" +
                          "; cores at full occupancy are a lower bound, the mapper checks the real placement";
        }
        else
            neuronsLine = $"neurons: {neuronBudget.Describe(hiddenUnits)} on {n}; over it, and pruning cannot meet it";
        budgets.Add(neuronsLine);
        budgets.Add(chip.SynapsesPerChip is long sp
            ? $"synapses: ≤ {sp} per chip{(chip.SynapsesPerCore is long spc ? $", ≤ {spc} per core" : "")}; counted from the trained weights by the mapper"
            : $"synapses: no per-chip figure for {n}{(chip.SynapsesPerCore is long spc2 ? $"; ≤ {spc2} per core, checked by the mapper" : "")}");

        bool usesCores = coreInputs is not null || value is TrueNorthSpec || value is CodebookSpec { NeuronsPerCore: > 0 };
        if (usesCores && denseLayers.Count > 0)
            budgets.Add((conv
                            ? $"cores: P = {p} of {n}'s {chip.NeuronsPerCore} neurons per core for the dense layers, the fewest with which they fit the {chip.CoresPerChip - convCores} cores the conv layers leave ({convCores} taken) "
                            : $"cores: P = {p} of {n}'s {chip.NeuronsPerCore} neurons per core, the fewest with which the layers fit its {chip.CoresPerChip} cores ") +
                        $"({denseLayers.Sum(l => (long)Math.Ceiling(l.OutChannels / (double)p))} cores); fewer neurons per core give each core's inputs and values to fewer neurons");
        return new ChipPlan(impossible.Count == 0 ? value : null, fanInMask, coreInputs, usesCores ? p : null, budgets, impossible, unsupported,
            OnlyOverBudget: conv && coreInputs is not null, Prune: prune, NeuronsLine: neuronsLine);
    }

    /// <summary>
    /// Neurons per core P for the per-core budgets (input sets, codebooks, axon types): the fewest, halving
    /// from the chip's neurons per core, with which every layer still fits the chip's cores (layers never
    /// share a core). Each core then has its own inputs, values or types for fewer neurons, which costs
    /// less accuracy: TrueNorth's layout at P = 256 fell to 24.8 % where P = 2 kept 80 % (DESIGN §4d, §6).
    /// </summary>
    public static int CoreSize(IReadOnlyList<IWeightedLayer> layers, ChipConstraints chip) => CoreSize(layers, chip, chip.CoresPerChip);

    /// <summary>As <see cref="CoreSize(IReadOnlyList{IWeightedLayer}, ChipConstraints)"/>, the layers fitting <paramref name="cores"/> cores (what other layers leave).</summary>
    public static int CoreSize(IReadOnlyList<IWeightedLayer> layers, ChipConstraints chip, long cores)
    {
        int p = chip.NeuronsPerCore;
        while (p > 1 && layers.Sum(l => (long)Math.Ceiling(l.OutChannels / (double)(p / 2))) <= cores) p /= 2;
        return p;
    }

    /// <summary>"layer fc1 reads 784 inputs per neuron" for every layer over <paramref name="limit"/>.</summary>
    private static string Over(List<IWeightedLayer> layers, int limit) =>
        string.Join(", ", layers.Where(l => l.FanIn > limit).Select(l => $"layer {l.Name} reads {l.FanIn} inputs per neuron"));
}
