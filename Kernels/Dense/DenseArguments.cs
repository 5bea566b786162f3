using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

/// <summary>Argument checks shared by every implementation of <see cref="IDenseKernels"/>.</summary>
internal static class DenseArguments
{
    public static void Gemm(Backend backend, GemmOp op, DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c)
    {
        op.Validate();
        backend.Check(a, op.LengthA, nameof(a));
        backend.Check(b, op.LengthB, nameof(b));
        backend.Check(c, op.LengthC, nameof(c));
    }

    public static void AddBias(Backend backend, int rows, int cols, DeviceBuffer<float> y, DeviceBuffer<float> bias)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"AddBias sizes must be positive, got rows={rows}, cols={cols}.");
        backend.Check(y, (long)rows * cols, nameof(y));
        backend.Check(bias, cols, nameof(bias));
    }

    public static void ColumnSum(Backend backend, int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> sums)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"ColumnSum sizes must be positive, got rows={rows}, cols={cols}.");
        backend.Check(x, (long)rows * cols, nameof(x));
        backend.Check(sums, cols, nameof(sums));
    }
}
