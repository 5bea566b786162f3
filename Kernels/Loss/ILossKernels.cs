using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Loss;

/// <summary>Readout losses.</summary>
public interface ILossKernels
{
    /// <summary>
    /// Softmax cross-entropy over time-summed outputs: logits[b,c] = scale·Σ_t x[t,b,c]
    /// (scale = 1: spike counts; scale = 1/T: mean membrane of a non-spiking output layer).
    /// Writes logits [B,C], the per-sample loss [B] (log-sum-exp − logit of the label, computed
    /// after subtracting the row maximum so large logits cannot overflow) and
    /// ∂(mean loss)/∂x [T,B,C] = scale·(softmax − onehot)/B.
    /// <para>
    /// A label outside [0, C): the managed cpu backend throws <see cref="ArgumentException"/>
    /// naming the sample index and the label before writing anything; ILGPU backends cannot
    /// throw from a kernel, so they write NaN as that sample's loss and as its gradient rows
    /// (its logits are still valid). A NaN mean loss therefore signals a bad label.
    /// </para>
    /// </summary>
    /// <exception cref="ArgumentException">A dimension is not positive, the tensors exceed 2^31
    /// elements, a buffer is too short or belongs to another backend, or (cpu only) a label is out of range.</exception>
    void SoftmaxCrossEntropy(int t, int b, int c, float scale, DeviceBuffer<float> x, DeviceBuffer<int> labels,
        DeviceBuffer<float> logits, DeviceBuffer<float> losses, DeviceBuffer<float> gradX);
}
