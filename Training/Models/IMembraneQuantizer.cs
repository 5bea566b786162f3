using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;

namespace SpikeFit.Training.Models;

/// <summary>
/// Replaces a <see cref="LifLayer"/>'s forward by a quantized-membrane neuron (MINT's integer
/// membrane, <see cref="Constraints.MintMembrane"/>) with the same contract as
/// <see cref="ILifKernels.Forward"/>: it writes the pre-reset membrane h (in the float network's
/// current units) and the spikes [T, B, N]. The layer's backward is unchanged (the fused surrogate
/// kernel on that h: a straight-through estimator for the quantization). A weight constraint
/// attaches it through <see cref="Constraints.NetworkConstraints.Complete"/>.
/// </summary>
public interface IMembraneQuantizer
{
    /// <summary>Bits b_u of the stored membrane (what a deployed model records).</summary>
    int MembraneBits { get; }

    /// <summary>Forward over all steps; <paramref name="input"/> is [T,B,N], or [B,N] when <see cref="LifShape.BroadcastInput"/>.</summary>
    void Forward(LifShape shape, LifConfig config, DeviceBuffer<float> input, DeviceBuffer<float> membrane, DeviceBuffer<float> spikes);
}
