namespace SpikeFit.Training.Hardware;

/// <summary>
/// Which core each output neuron (row) of one weighted layer sits on. Training that respects a
/// per-core budget (per-core input sets, per-core codebooks, TrueNorth's shared axon types) chooses
/// it and exposes it through <see cref="Models.Constraints.WeightConstraint.Partition"/>; the mapper
/// places the layer by it instead of packing neurons itself, so what was trained is what is mapped.
/// </summary>
/// <param name="CoreOfNeuron">For each row of the layer's weight, its core index in [0, CoreCount).</param>
public sealed record CorePartition(int[] CoreOfNeuron)
{
    /// <summary>Number of cores used (one more than the largest index; every index below it holds at least one neuron).</summary>
    public int CoreCount { get; } = CoreOfNeuron.Length == 0 ? 0 : CoreOfNeuron.Max() + 1;

    /// <summary>The rows on core <paramref name="core"/>, in increasing order.</summary>
    public int[] NeuronsOf(int core)
    {
        var rows = new List<int>();
        for (int i = 0; i < CoreOfNeuron.Length; i++)
            if (CoreOfNeuron[i] == core) rows.Add(i);
        return rows.ToArray();
    }

    /// <summary>Consecutive rows filled core by core, <paramref name="neuronsPerCore"/> to a core (the packing with no other information).</summary>
    public static CorePartition Contiguous(int rows, int neuronsPerCore)
    {
        if (neuronsPerCore < 1) throw new ArgumentOutOfRangeException(nameof(neuronsPerCore), "at least one neuron per core");
        return new CorePartition(Enumerable.Range(0, rows).Select(r => r / neuronsPerCore).ToArray());
    }
}
