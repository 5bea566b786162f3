using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Loss;

/// <summary>Readout losses.</summary>
public interface ILossKernels
{
    /// <summary>
    /// Softmax cross-entropy over time-summed outputs: logits[b,c] = scale·Σ_t x[t,b,c]
    /// (scale = 1: spike counts; scale = 1/T: mean membrane of a non-spiking output layer).
    /// Writes logits [B,C], the per-sample loss [B] (log-sum-exp − logit of the label) and
    /// ∂(mean loss)/∂x [T,B,C] = scale·(softmax − onehot)/B.
    /// </summary>
    void SoftmaxCrossEntropy(int t, int b, int c, float scale, DeviceBuffer<float> x, DeviceBuffer<int> labels,
        DeviceBuffer<float> logits, DeviceBuffer<float> losses, DeviceBuffer<float> gradX);
}
