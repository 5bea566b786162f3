using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

/// <summary>
/// A dense layer Y[R,O] = X[R,I]·Wᵀ + b with W stored [O, I] (one row per output neuron, so
/// pruning a neuron removes a row). R is usually T·B: the time steps are batched into one GEMM.
/// </summary>
public static class DenseLayer
{
    public static void Forward(IDenseKernels k, int rows, int inputs, int outputs,
        DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias, DeviceBuffer<float> y)
    {
        k.Gemm(new GemmOp(rows, outputs, inputs, TransA: false, TransB: true), x, weight, y);
        if (bias is not null) k.AddBias(rows, outputs, y, bias);
    }

    /// <summary>
    /// Backward: ∂X = ∂Y·W (skipped when <paramref name="gradX"/> is null, e.g. the first layer),
    /// ∂W = β_w·∂W + ∂Yᵀ·X, ∂b = β_w·∂b + Σ_r ∂Y (β_w = 1 accumulates over calls).
    /// </summary>
    public static void Backward(IDenseKernels k, int rows, int inputs, int outputs,
        DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> gradY,
        DeviceBuffer<float>? gradX, DeviceBuffer<float> gradWeight, DeviceBuffer<float>? gradBias,
        bool accumulate = false)
    {
        float beta = accumulate ? 1f : 0f;
        if (gradX is not null)
            k.Gemm(new GemmOp(rows, inputs, outputs), gradY, weight, gradX);
        k.Gemm(new GemmOp(outputs, inputs, rows, TransA: true, Beta: beta), gradY, x, gradWeight);
        if (gradBias is not null) k.ColumnSum(rows, outputs, gradY, gradBias, beta);
    }
}
