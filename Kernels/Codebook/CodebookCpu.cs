using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

// PLACEHOLDER: to be replaced by the real implementation.
public sealed class CodebookCpu : ICodebookKernels
{
    public CodebookCpu(CpuBackend backend) { }
    public void AssignGather(CodebookShape shape, DeviceBuffer<float> weights, DeviceBuffer<float> codebooks, DeviceBuffer<int> assignments, DeviceBuffer<float> quantized) => throw new NotImplementedException();
    public void CentroidGradient(CodebookShape shape, DeviceBuffer<float> gradQuantized, DeviceBuffer<int> assignments, DeviceBuffer<float> gradCodebooks) => throw new NotImplementedException();
    public void Project(int count, int bits, DeviceBuffer<float> latent, DeviceBuffer<float> projected, DeviceBuffer<float> scale) => throw new NotImplementedException();
}
