using SpikeFit.Training.Models;

namespace SpikeFit.Training.Hardware;

/// <summary>What a chip-targeted training run will do for one chip, decided before any training.</summary>
/// <param name="Codebook">The CAT codebook the chip's bits and values allow (null when refused).</param>
/// <param name="Budgets">Each budget of the chip and how the run meets it (or that the mapper only checks it), in words.</param>
/// <param name="Impossible">Why no network of this shape can fit the chip in any way, with the numbers (empty: possible).</param>
/// <param name="Unsupported">Budgets this build cannot train for yet, with the numbers (empty: none).</param>
public sealed record ChipPlan(CodebookSpec? Codebook, IReadOnlyList<string> Budgets, IReadOnlyList<string> Impossible, IReadOnlyList<string> Unsupported)
{
    public bool Refused => Impossible.Count > 0 || Unsupported.Count > 0;
}

/// <summary>
/// Turns <see cref="ChipConstraints"/> into a training plan for a given network (the skeleton of
/// <c>spikefit deploy</c>, issue 12 item 5): CAT on the largest supported grid within the chip's weight
/// bits, with M and the codebook scope from the chip's value limit; and a refusal before training when
/// the network cannot fit in any way or needs what this build cannot train (fan-in masks, per-core
/// input budgets: issue 12 item 2), each with its numbers.
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
                budgets.Add($"weight bits: ≤ {a} on {n}; CAT on a {bits}-bit grid");
            }
        }
        else
        {
            bits = 4;
            budgets.Add($"weight bits: not in {n}'s profile; CAT on a 4-bit grid (not checked against the chip)");
        }

        int m;
        bool perNeuron = false;
        switch (chip.ValueScope)
        {
            case ValueScope.Neuron when chip.DistinctValues is int mv:
                m = mv;
                perNeuron = true;
                budgets.Add($"values: ≤ {mv} per neuron ({chip.ValuesWhat}); CAT M = {mv} per neuron");
                break;
            case ValueScope.Core when chip.DistinctValues is int mv:
                m = mv;
                budgets.Add($"values: ≤ {mv} per core ({chip.ValuesWhat}); CAT M = {mv} per layer, so every core holds at most {mv}");
                break;
            default:
                m = Math.Min(1 << bits, UnlimitedM);
                budgets.Add($"values: no limit on {n} beyond {bits}-bit weights; CAT M = {m} per layer");
                break;
        }
        if (m < 2) impossible.Add($"{n} allows {m} distinct weight value(s); CAT needs at least 2");
        m = Math.Min(Math.Max(m, 2), 1 << bits);
        if (chip.AxonTypes is int types)
            budgets.Add($"axon types: {types} per input axon shared by a core's neurons; not trained by this build (a per-neuron codebook), checked by the mapper");

        // Impossible in any way: layers never share a core, and the output layer keeps one neuron per class.
        if (layers.Count > chip.CoresPerChip)
            impossible.Add($"{layers.Count} weighted layers need at least {layers.Count} cores (layers never share a core); {n} has {chip.CoresPerChip}");
        long minNeurons = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            // The output layer keeps every class; a hidden layer can be pruned to one channel (a conv channel is all its positions).
            minNeurons += i == layers.Count - 1 ? l.OutputShape.Size : l.OutputShape.H * l.OutputShape.W;
        }
        if (minNeurons > chip.NeuronsPerChip)
            impossible.Add($"even pruned to one channel per hidden layer the network has {minNeurons} neurons; {n} has {chip.NeuronsPerChip} per chip");
        budgets.Add($"neurons: {layers.Sum(l => (long)l.OutputShape.Size)} in the network, {chip.NeuronsPerChip} per {n} chip; checked by the mapper (no neuron pruning in this build)");
        budgets.Add(chip.SynapsesPerChip is long sp
            ? $"synapses: ≤ {sp} per chip{(chip.SynapsesPerCore is long spc ? $", ≤ {spc} per core" : "")}; counted from the trained weights by the mapper"
            : $"synapses: no per-chip figure for {n}{(chip.SynapsesPerCore is long spc2 ? $"; ≤ {spc2} per core, checked by the mapper" : "")}");

        // Needs masks this build does not train yet: a neuron reading more inputs than the chip allows.
        if (chip.MaxFanIn is int maxFanIn)
        {
            foreach (var l in layers.Where(l => l.FanIn > maxFanIn))
                unsupported.Add($"layer {l.Name} reads {l.FanIn} inputs per neuron; {n} takes at most {maxFanIn} " +
                                $"({(chip.FanInPerNeuron is int f && f == maxFanIn ? "input synapses per neuron" : "input axons per core")}), " +
                                "which needs fan-in masks (issue 12 item 2), not in this build");
            budgets.Add($"fan-in: ≤ {maxFanIn} inputs per neuron{(chip.InputsPerCore is int ax ? $", ≤ {ax} distinct inputs per core" : "")}; met by the dense network only where its fan-in is within it");
        }
        return new ChipPlan(impossible.Count == 0 ? new CodebookSpec(m, bits, perNeuron) : null, budgets, impossible, unsupported);
    }
}
