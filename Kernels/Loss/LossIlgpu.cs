using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Loss;

// PLACEHOLDER: to be replaced by the real implementation.
public sealed class LossIlgpu : ILossKernels
{
    public LossIlgpu(IlgpuBackend backend) { }
    public void SoftmaxCrossEntropy(int t, int b, int c, float scale, DeviceBuffer<float> x, DeviceBuffer<int> labels, DeviceBuffer<float> logits, DeviceBuffer<float> losses, DeviceBuffer<float> gradX) => throw new NotImplementedException();
}
