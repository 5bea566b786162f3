using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Encoding;

// PLACEHOLDER: to be replaced by the real implementation.
public sealed class EncodingCpu : IEncodingKernels
{
    public EncodingCpu(CpuBackend backend) { }
    public void Poisson(int t, int b, int p, uint seed, DeviceBuffer<float> pixels, DeviceBuffer<int> sampleIds, DeviceBuffer<float> spikes) => throw new NotImplementedException();
}
