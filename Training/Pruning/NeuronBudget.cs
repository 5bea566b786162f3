namespace SpikeFit.Training.Pruning;

/// <summary>
/// A neuron budget in neurons and cores, as a chip sets it (issue 12 item 3): the hidden units a network
/// may keep so that all its neurons fit <see cref="MaxNeurons"/> and its dense layers fit
/// <see cref="MaxCores"/> cores of <see cref="NeuronsPerCore"/> (layers never share a core, so a dense
/// layer of u units takes ⌈u / NeuronsPerCore⌉). A hidden unit is a dense neuron or a whole conv channel,
/// which is <see cref="NeuronsPerUnit"/>[l] neurons (its positions); the output layer is fixed (every class
/// keeps its neuron). Conv cores are not counted here: their tiling is the mapper's, and pruning channels
/// only ever lowers it, so the dense layers get what the unpruned conv layers leave (a conservative budget).
/// </summary>
/// <param name="MaxNeurons">Neurons the whole network may have (the chip's neurons per chip).</param>
/// <param name="MaxCores">Cores the dense layers, output included, may take.</param>
/// <param name="NeuronsPerCore">Neurons a core holds.</param>
/// <param name="NeuronsPerUnit">Per hidden layer: neurons one unit stands for (1 dense, H·W for a conv channel).</param>
/// <param name="DenseHidden">Per hidden layer: whether its cores count against <paramref name="MaxCores"/> (dense) or are tiled by the mapper (conv).</param>
/// <param name="OutputNeurons">Neurons of the output layer, which pruning never touches.</param>
public sealed record NeuronBudget(long MaxNeurons, long MaxCores, int NeuronsPerCore, IReadOnlyList<long> NeuronsPerUnit,
    IReadOnlyList<bool> DenseHidden, long OutputNeurons)
{
    public long Neurons(IReadOnlyList<int> hidden)
    {
        Check(hidden);
        long n = OutputNeurons;
        for (int l = 0; l < hidden.Count; l++) n += hidden[l] * NeuronsPerUnit[l];
        return n;
    }

    /// <summary>Cores of the dense layers (output included) with <paramref name="hidden"/> units, one layer per core at least.</summary>
    public long DenseCores(IReadOnlyList<int> hidden)
    {
        Check(hidden);
        long cores = CoresFor(OutputNeurons);
        for (int l = 0; l < hidden.Count; l++)
            if (DenseHidden[l]) cores += CoresFor(hidden[l]);
        return cores;
    }

    public bool Fits(IReadOnlyList<int> hidden) => Neurons(hidden) <= MaxNeurons && DenseCores(hidden) <= MaxCores;

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
        return $"even one unit per hidden layer leaves {Neurons(one)} neurons (budget {MaxNeurons}) on {DenseCores(one)} dense-layer cores (budget {MaxCores})";
    }

    public string Describe(IReadOnlyList<int> hidden) =>
        $"{Neurons(hidden)} neurons (≤ {MaxNeurons}), {DenseCores(hidden)} dense-layer cores of {NeuronsPerCore} (≤ {MaxCores})";

    private long CoresFor(long neurons) => (neurons + NeuronsPerCore - 1) / NeuronsPerCore;

    private void Check(IReadOnlyList<int> hidden)
    {
        if (hidden.Count != NeuronsPerUnit.Count || hidden.Count != DenseHidden.Count)
            throw new ArgumentException($"The neuron budget is for {NeuronsPerUnit.Count} hidden layers; the network has {hidden.Count}.");
    }
}
