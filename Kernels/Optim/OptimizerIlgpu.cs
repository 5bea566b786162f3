using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Optim;

// PLACEHOLDER: to be replaced by the real implementation.
public sealed class OptimizerIlgpu : IOptimizerKernels
{
    public OptimizerIlgpu(IlgpuBackend backend) { }
    public void Adam(AdamConfig config, int step, int count, DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v) => throw new NotImplementedException();
}
