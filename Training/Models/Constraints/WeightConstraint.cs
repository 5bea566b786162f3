using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// Turns a layer's latent float32 weights W into the weights Ŵ its forward pass computes with
/// (DESIGN §4–§5): a learnable codebook (CAT), a shared-weight codebook with frozen assignments
/// (Deep Compression), or a straight-through quantizer (QAT, binary, ternary, 2-bit). The layer
/// runs its usual GEMM on <see cref="Effective"/> and writes ∂L/∂Ŵ into the weight's gradient;
/// <see cref="Backward"/> turns that into the gradients the optimiser applies. One instance
/// belongs to one layer.
/// </summary>
public abstract class WeightConstraint : IDisposable
{
    /// <summary>The layer's weight parameter, laid out [rows = output channels, fan-in].</summary>
    protected Parameter Weight { get; }
    protected Backend Backend { get; }
    public int Rows { get; }
    public int FanIn { get; }

    protected WeightConstraint(Backend backend, Parameter weight, int rows, int fanIn)
    {
        if ((long)rows * fanIn != weight.Length)
            throw new ArgumentException($"{weight.Name}: {weight.Length} weights are not {rows} rows × {fanIn}.");
        Backend = backend;
        Weight = weight;
        Rows = rows;
        FanIn = fanIn;
    }

    /// <summary>The name of an extra tensor of this layer: "fc1.weight" gives "fc1.&lt;suffix&gt;".</summary>
    protected string ParameterName(string suffix)
    {
        string layer = Weight.Name.EndsWith(".weight", StringComparison.Ordinal) ? Weight.Name[..^".weight".Length] : Weight.Name;
        return layer + "." + suffix;
    }

    /// <summary>Extra trainable tensors (e.g. a codebook), after the layer's weight and bias.</summary>
    public virtual IReadOnlyList<Parameter> Parameters => Array.Empty<Parameter>();

    /// <summary>
    /// Extra tensors laid out [<see cref="Rows"/>, k], one row per output channel (a per-neuron
    /// codebook): structured pruning keeps the rows of the kept channels, as it does the weights'.
    /// </summary>
    public virtual IReadOnlyList<Parameter> RowParameters => Array.Empty<Parameter>();

    /// <summary>
    /// How the deployed weights are stored: bits of one value (b of the grid; 32 for float
    /// codebooks) and which weights share a codebook. Abstract so a new constraint must state it:
    /// <see cref="ModelMetrics"/> sizes the layer, and the chip fit checks it, from this alone.
    /// </summary>
    public abstract WeightStorage Storage { get; }

    /// <summary>Bits of one deployed weight value (<see cref="Storage"/>'s).</summary>
    public int WeightBits => Storage.Bits;

    /// <summary>Short description for logs, e.g. "CAT M=4 b=4 per layer".</summary>
    public abstract string Describe { get; }

    /// <summary>Ŵ from the current latent weights, on the device (called at every forward, so loads and resumes never see stale values).</summary>
    public abstract DeviceBuffer<float> Effective();

    /// <summary>Called after the layer's backward has written ∂L/∂Ŵ into the weight's gradient.</summary>
    public virtual void Backward() { }

    /// <summary>Called after every optimiser step (e.g. to re-project a codebook to its grid).</summary>
    public virtual void AfterUpdate() { }

    /// <summary>
    /// The core of each output neuron when this constraint was trained for a chip's cores (per-core
    /// input sets or codebooks); null when the layer was not, and the mapper packs it itself.
    /// </summary>
    public virtual Hardware.CorePartition? Partition => null;

    /// <summary>Host copy of Ŵ as deployed: what unique values, sizes and exports are counted from.</summary>
    public float[] EffectiveWeights() => Effective().ToArray();

    public abstract void Dispose();
}
