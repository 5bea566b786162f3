using SpikeFit.Kernels.Core;
using SpikeFit.Training.Hardware;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// The connectivity of one layer as chip-aware constraints share it: which core each output row sits
/// on and, when a mask is trained, which synapses exist. A <see cref="MaskedConstraint"/> owns it and
/// updates it when it revises the mask or a checkpoint is loaded; a constraint nested in it with a
/// per-core scope (<see cref="ICoreScopedSpec"/>) reads it and rebuilds its own indices when
/// <see cref="Version"/> moves. Host arrays: they change only at revisions and loads, never per step.
/// </summary>
public sealed class CoreLayout
{
    /// <summary>Neurons (rows) one core holds at most.</summary>
    public int NeuronsPerCore { get; }
    /// <summary>Cores the layer uses: ⌈rows / NeuronsPerCore⌉, fixed for the layer's life.</summary>
    public int Cores { get; }
    public int Rows { get; }
    public int FanIn { get; }
    /// <summary>Core of each row, in [0, Cores); every core holds at least one row.</summary>
    public int[] CoreOfRow { get; private set; }
    /// <summary>Which synapses [Rows, FanIn] exist; null: all of them.</summary>
    public bool[]? Mask { get; private set; }
    /// <summary>Moves every time <see cref="CoreOfRow"/> or <see cref="Mask"/> is replaced.</summary>
    public int Version { get; private set; }

    public CoreLayout(int rows, int fanIn, int neuronsPerCore, int[] coreOfRow, bool[]? mask = null)
    {
        if (neuronsPerCore < 1) throw new ArgumentOutOfRangeException(nameof(neuronsPerCore), "at least one neuron per core");
        Rows = rows;
        FanIn = fanIn;
        NeuronsPerCore = neuronsPerCore;
        Cores = (rows + neuronsPerCore - 1) / neuronsPerCore;
        CoreOfRow = Check(coreOfRow);
        Mask = mask;
    }

    /// <summary>Consecutive rows, <paramref name="neuronsPerCore"/> to a core (a per-core scope with no trained partition).</summary>
    public static CoreLayout Contiguous(int rows, int fanIn, int neuronsPerCore) =>
        new(rows, fanIn, neuronsPerCore, CorePartition.Contiguous(rows, neuronsPerCore).CoreOfNeuron);

    /// <summary>The partition as the mapper reads it.</summary>
    public CorePartition Partition => new(CoreOfRow);

    /// <summary>Rows of each core, in increasing order.</summary>
    public int[][] RowsOfCores()
    {
        var lists = Enumerable.Range(0, Cores).Select(_ => new List<int>()).ToArray();
        for (int r = 0; r < Rows; r++) lists[CoreOfRow[r]].Add(r);
        return lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>Replaces the partition and/or the mask (null keeps the current one).</summary>
    public void Update(int[]? coreOfRow, bool[]? mask)
    {
        if (coreOfRow is not null) CoreOfRow = Check(coreOfRow);
        if (mask is not null)
        {
            if (mask.Length != Rows * FanIn) throw new ArgumentException($"a mask of {mask.Length} entries for {Rows}×{FanIn} weights.");
            Mask = mask;
        }
        Version++;
    }

    private int[] Check(int[] coreOfRow)
    {
        if (coreOfRow.Length != Rows) throw new ArgumentException($"{coreOfRow.Length} core indices for {Rows} rows.");
        var count = new int[Cores];
        foreach (int c in coreOfRow)
        {
            if ((uint)c >= (uint)Cores) throw new ArgumentException($"core {c} outside [0, {Cores}).");
            count[c]++;
        }
        for (int c = 0; c < Cores; c++)
            if (count[c] == 0 || count[c] > NeuronsPerCore)
                throw new ArgumentException($"core {c} holds {count[c]} rows; each of the {Cores} cores must hold 1..{NeuronsPerCore}.");
        return coreOfRow;
    }
}

/// <summary>
/// A constraint kind that can scope its values per core (a CAT codebook per core, TrueNorth's axon
/// types): nested in a <see cref="ConnectivitySpec"/> with a core budget it follows that spec's
/// trained partition; alone it packs rows contiguously, <see cref="NeuronsPerCore"/> to a core.
/// </summary>
public interface ICoreScopedSpec
{
    /// <summary>Neurons per core of the scope; 0 when this spec is not scoped per core.</summary>
    int NeuronsPerCore { get; }

    /// <summary>The layer's constraint, its per-core groups following <paramref name="layout"/> (kept current by its owner).</summary>
    WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn, CoreLayout layout);
}
