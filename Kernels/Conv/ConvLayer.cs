using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// A stride-1 convolution layer as im2col + one GEMM of the dense family: with cols = Im2Col(input)
/// [R·Ho·Wo, K·K·C] and W stored [O, K·K·C], output[R·Ho·Wo, O] = cols·Wᵀ + b, which is exactly the
/// NHWC output [R, Ho, Wo, O]. Spiking inputs make cols mostly zeros, which the cpu GEMM skips.
/// </summary>
public static class ConvLayer
{
    /// <summary>
    /// output = conv(input, weight) + bias. <paramref name="cols"/> (<see cref="ConvShape.ColsLength"/>
    /// elements) receives the im2col matrix; keep it for <see cref="Backward"/>.
    /// </summary>
    public static void Forward(Backend backend, ConvShape shape, DeviceBuffer<float> input, DeviceBuffer<float> weight,
        DeviceBuffer<float>? bias, DeviceBuffer<float> cols, DeviceBuffer<float> output)
    {
        shape.Validate();
        backend.Conv.Im2Col(shape, input, cols);
        backend.Dense.Gemm(new GemmOp(shape.OutputPixels, shape.O, shape.Patch, TransA: false, TransB: true), cols, weight, output);
        if (bias is not null) backend.Dense.AddBias(shape.OutputPixels, shape.O, output, bias);
    }

    /// <summary>
    /// Backward from ∂output [R·Ho·Wo, O]: ∂W = β·∂W + ∂outputᵀ·cols, ∂b = β·∂b + Σ_rows ∂output
    /// (β = 1 when <paramref name="accumulate"/>), and, when <paramref name="gradInput"/> is given,
    /// ∂cols = ∂output·W then ∂input = Col2Im(∂cols). <paramref name="cols"/> must hold Im2Col(input)
    /// as <see cref="Forward"/> left it. <paramref name="gradCols"/> (needed only with gradInput) may be
    /// the same buffer as <paramref name="cols"/>: ∂W is computed first, then cols is overwritten.
    /// </summary>
    public static void Backward(Backend backend, ConvShape shape, DeviceBuffer<float> cols, DeviceBuffer<float> weight,
        DeviceBuffer<float> gradOutput, DeviceBuffer<float>? gradInput, DeviceBuffer<float>? gradCols,
        DeviceBuffer<float> gradWeight, DeviceBuffer<float>? gradBias, bool accumulate = false)
    {
        shape.Validate();
        if (gradInput is not null && gradCols is null)
            throw new ArgumentException("Convolution backward needs a gradCols buffer to compute gradInput.", nameof(gradCols));
        float beta = accumulate ? 1f : 0f;
        int rows = shape.OutputPixels;
        backend.Dense.Gemm(new GemmOp(shape.O, shape.Patch, rows, TransA: true, Beta: beta), gradOutput, cols, gradWeight);
        if (gradBias is not null) backend.Dense.ColumnSum(rows, shape.O, gradOutput, gradBias, beta);
        if (gradInput is null) return;
        backend.Dense.Gemm(new GemmOp(rows, shape.Patch, shape.O), gradOutput, weight, gradCols!);
        backend.Conv.Col2Im(shape, gradCols!, gradInput);
    }
}
