using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

// PLACEHOLDER: to be replaced by the real implementation.
public sealed class DenseCpu : IDenseKernels
{
    public DenseCpu(CpuBackend backend) { }
    public string GemmImplementation => throw new NotImplementedException();
    public void Gemm(GemmOp op, DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c) => throw new NotImplementedException();
    public void AddBias(int rows, int cols, DeviceBuffer<float> y, DeviceBuffer<float> bias) => throw new NotImplementedException();
    public void ColumnSum(int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> sums, float beta = 0f) => throw new NotImplementedException();
}
