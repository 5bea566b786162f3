namespace SpikeFit.Training.Pruning;

/// <summary>
/// A neuron budget in neurons and cores, as a chip sets it (issue 12 item 3): the hidden units a network
/// may keep so that all its neurons fit <see cref="MaxNeurons"/> and its layers fit <see cref="MaxCores"/>
/// cores of <see cref="NeuronsPerCore"/> at full occupancy (layers never share a core, so a layer of n
/// neurons takes at least ⌈n / NeuronsPerCore⌉). A hidden unit is a dense neuron or a whole conv channel,
/// which is <see cref="NeuronsPerUnit"/>[l] neurons (its positions); the output layer is fixed (every class
/// keeps its neuron). Full occupancy is a lower bound on the cores the mapper will use (a chip's axons per
/// core can ask for more, e.g. a conv layer's tiles), so a network within the budget may still not map: the
/// budget never prunes more than the chip's neurons and cores force, and the mapper checks the rest.
/// </summary>
/// <param name="MaxNeurons">Neurons the whole network may have (the chip's neurons per chip).</param>
/// <param name="MaxCores">Cores the layers may take (the chip's cores per chip).</param>
/// <param name="NeuronsPerCore">Neurons a core holds.</param>
/// <param name="NeuronsPerUnit">Per hidden layer: neurons one unit stands for (1 dense, H·W for a conv channel).</param>
/// <param name="OutputNeurons">Neurons of the output layer, which pruning never touches.</param>
public sealed record NeuronBudget(long MaxNeurons, long MaxCores, int NeuronsPerCore, IReadOnlyList<long> NeuronsPerUnit, long OutputNeurons)
{
    public long Neurons(IReadOnlyList<int> hidden) => Layers(hidden).Sum(l => l.Neurons);

    /// <summary>Cores of every layer at full occupancy with <paramref name="hidden"/> units, one layer per core at least.</summary>
    public long Cores(IReadOnlyList<int> hidden) => Layers(hidden).Sum(l => l.Cores);

    /// <summary>Per layer, hidden layers then the output: its neurons with <paramref name="hidden"/> units and the cores they take at full occupancy.</summary>
    public IReadOnlyList<(long Neurons, long Cores)> Layers(IReadOnlyList<int> hidden)
    {
        Check(hidden);
        var layers = new List<(long, long)>(hidden.Count + 1);
        for (int l = 0; l < hidden.Count; l++)
        {
            long neurons = hidden[l] * NeuronsPerUnit[l];
            layers.Add((neurons, CoresFor(neurons)));
        }
        layers.Add((OutputNeurons, CoresFor(OutputNeurons)));
        return layers;
    }

    public bool Fits(IReadOnlyList<int> hidden) => Neurons(hidden) <= MaxNeurons && Cores(hidden) <= MaxCores;

    /// <summary>Neurons of the hidden layers alone (what pruning can change).</summary>
    public long HiddenNeurons(IReadOnlyList<int> hidden) => Neurons(hidden) - OutputNeurons;

    /// <summary>
    /// The hidden neurons an intermediate round of an iterative prune may keep: from <paramref name="start"/> (the
    /// original network's) towards <paramref name="end"/> (what the whole budget leaves, neurons and cores) as
    /// <paramref name="schedule"/>'s kept fraction goes (geometric or linear), rounded up; the last round is the budget itself.
    /// </summary>
    public static long RoundAllowance(long start, long end, int round, int rounds, PruneScheduleKind schedule)
    {
        if (start <= end || round >= rounds) return end;
        return (long)Math.Ceiling(start * new PruneSchedule((double)end / start, rounds, schedule).FractionAfter(round) - 1e-9);
    }

    /// <summary>Why the smallest network (one unit per hidden layer) still does not fit, or null when it does.</summary>
    public string? Unreachable(int hiddenLayers)
    {
        var one = Enumerable.Repeat(1, hiddenLayers).ToArray();
        if (Fits(one)) return null;
        return $"even one unit per hidden layer leaves {Neurons(one)} neurons (budget {MaxNeurons}) on {Cores(one)} cores (budget {MaxCores})";
    }

    public string Describe(IReadOnlyList<int> hidden) =>
        $"{Neurons(hidden)} neurons (≤ {MaxNeurons}), {Cores(hidden)} cores of {NeuronsPerCore} at full occupancy (≤ {MaxCores})";

    private long CoresFor(long neurons) => (neurons + NeuronsPerCore - 1) / NeuronsPerCore;

    private void Check(IReadOnlyList<int> hidden)
    {
        if (hidden.Count != NeuronsPerUnit.Count)
            throw new ArgumentException($"The neuron budget is for {NeuronsPerUnit.Count} hidden layers; the network has {hidden.Count}.");
    }
}
