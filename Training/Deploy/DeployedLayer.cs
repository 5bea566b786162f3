using System.Text.Json.Serialization;
using SpikeFit.Kernels.Lif;

namespace SpikeFit.Training.Deploy;

/// <summary>What one entry of a deployed model's layer list does.</summary>
public enum DeployedOp
{
    /// <summary>Fully connected: W [Rows = outputs, FanIn = inputs].</summary>
    Dense,
    /// <summary>Convolution, stride 1, channels-last: W [Rows = output channels, K, K, input channels].</summary>
    Conv,
    /// <summary>Leaky integrate-and-fire neurons on the previous weighted layer's current.</summary>
    Lif,
    /// <summary>2×2 max pooling, stride 2 (odd sizes floor); on spikes a logical OR.</summary>
    MaxPool2,
    /// <summary>Non-spiking leaky integrator (membrane readout): h = β·v + I, no threshold.</summary>
    Integrator,
}

/// <summary>
/// One layer of a deployed model as the <c>.sfdm</c> JSON header describes it. Shapes are
/// channels-last (H, W, C); a flat vector is (1, 1, N). Weighted layers (Dense, Conv) also say where
/// their tensors lie in the payload; neuron layers (Lif, Integrator) carry their constants.
/// </summary>
public sealed record DeployedLayer
{
    /// <summary>The training network's layer name (e.g. fc1, lif1, conv2, pool1, readout).</summary>
    public required string Name { get; init; }
    /// <summary>What the layer does.</summary>
    public required DeployedOp Op { get; init; }
    /// <summary>Input height, width and channels.</summary>
    public int InH { get; init; } = 1;
    /// <summary>Input width.</summary>
    public int InW { get; init; } = 1;
    /// <summary>Input channels (features of a flat vector).</summary>
    public int InC { get; init; }
    /// <summary>Output height.</summary>
    public int OutH { get; init; } = 1;
    /// <summary>Output width.</summary>
    public int OutW { get; init; } = 1;
    /// <summary>Output channels (features of a flat vector).</summary>
    public int OutC { get; init; }

    // Weighted layers.
    /// <summary>Rows of W: dense outputs or conv output channels.</summary>
    public int Rows { get; init; }
    /// <summary>Columns of W: dense inputs, or K·K·input channels (order ky, kx, c).</summary>
    public int FanIn { get; init; }
    /// <summary>Conv kernel size K (0 for dense).</summary>
    public int Kernel { get; init; }
    /// <summary>Conv zero padding (0 for dense).</summary>
    public int Padding { get; init; }
    /// <summary>Codebook size M.</summary>
    public int M { get; init; }
    /// <summary>Grid bits b: levels q ∈ [−2^(b−1), 2^(b−1) − 1].</summary>
    public int Bits { get; init; }
    /// <summary>Bits per packed index, ⌈log2 M⌉.</summary>
    public int IndexBits { get; init; }
    /// <summary>True: one codebook per output row (Rows groups); false: one per layer.</summary>
    public bool PerNeuron { get; init; }
    /// <summary>The layer's scale Δ (float32): weight value = Δ·q.</summary>
    public float Scale { get; init; }
    /// <summary>True for the first weighted layer, whose input is the 8-bit image (accumulator unit Δ/255);
    /// false when the input is spikes (unit Δ).</summary>
    public bool PixelInput { get; init; }
    /// <summary>Byte offset of the packed indices in the payload, and their byte count.</summary>
    public long IndicesOffset { get; init; }
    /// <summary>Bytes of packed indices: ⌈Rows·FanIn·IndexBits / 8⌉.</summary>
    public long IndicesBytes { get; init; }
    /// <summary>Byte offset of the levels (int16 little-endian, [groups, M]).</summary>
    public long LevelsOffset { get; init; }
    /// <summary>Byte offset of the biases (int64 little-endian, [Rows], units of the accumulator unit / 2^BiasFractionBits).</summary>
    public long BiasOffset { get; init; }

    // Format version 2 (chip layouts, DEPLOY.md); absent in version 1 files, whose defaults mean "none".
    /// <summary>Cores the rows are partitioned into (0: no partition). The core of each row is stored as int32 [Rows] at <see cref="CoresOffset"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Cores { get; init; }
    /// <summary>Byte offset of the core index of each row (int32 little-endian, [Rows]) when <see cref="Cores"/> &gt; 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long CoresOffset { get; init; }
    /// <summary>One codebook per core (Cores groups, group of row r = its core).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool PerCore { get; init; }
    /// <summary>TrueNorth layout: the packed indices are the axon types [Cores, FanIn] (IndexBits each) and the
    /// levels are per neuron [Rows, M]: weight (r, j) = Δ·q[r, type[core(r), j]].</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TrueNorth { get; init; }
    /// <summary>True when a 1-bit-per-synapse presence mask [Rows, FanIn] is stored at <see cref="MaskOffset"/>; an absent synapse weighs 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool HasMask { get; init; }
    /// <summary>Byte offset of the presence mask (bits packed as the indices, 1 bit each).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long MaskOffset { get; init; }

    // Neuron layers.
    /// <summary>Leak β (float32 as trained); the integer path uses round(β·2^16).</summary>
    public float Beta { get; init; }
    /// <summary>Threshold θ (Lif only), in the float network's current units.</summary>
    public float Theta { get; init; }
    /// <summary>Soft (v = h − θ·s) or hard (v = h·(1 − s)) reset (Lif only).</summary>
    public ResetMode Reset { get; init; }
    /// <summary>MINT (format version 2, Lif only): the membrane is a saturating b_u-bit integer count of the
    /// previous weighted layer's scale Δ = s, threshold ⌈θ/s⌉, leak ⌊β·v + ½⌋ (DEPLOY.md); 0: the fixed-point membrane.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int MembraneBits { get; init; }

    /// <summary>Number of codebook groups: Rows when per neuron (and TrueNorth), Cores when per core, else 1.</summary>
    public int Groups => PerNeuron ? Rows : PerCore ? Cores : 1;

    /// <summary>Packed indices stored: one per synapse [Rows, FanIn], or (TrueNorth) one axon type per core and column [Cores, FanIn].</summary>
    public long IndexCount => TrueNorth ? (long)Cores * FanIn : (long)Rows * FanIn;

    /// <summary>Bytes of the presence mask: ⌈Rows·FanIn / 8⌉, or 0 without one.</summary>
    public long MaskBytes => HasMask ? IndexPacking.PackedLength((long)Rows * FanIn, 1) : 0;

    /// <summary>True when the layer needs format version 2 (cores, a mask, the TrueNorth layout, or a MINT membrane).</summary>
    public bool NeedsVersion2 => Cores > 0 || PerCore || TrueNorth || HasMask || MembraneBits > 0;

    /// <summary>True for Dense and Conv.</summary>
    public bool IsWeighted => Op is DeployedOp.Dense or DeployedOp.Conv;

    /// <summary>Output features per sample.</summary>
    public int OutSize => OutH * OutW * OutC;

    /// <summary>Input features per sample.</summary>
    public int InSize => InH * InW * InC;

    /// <summary>Bytes this layer takes in the payload: packed indices, int16 levels, int64 biases, and (version 2) core indices and mask.</summary>
    public long PayloadBytes => IsWeighted ? IndicesBytes + 2L * Groups * M + 8L * Rows + (Cores > 0 ? 4L * Rows : 0) + MaskBytes : 0;
}
