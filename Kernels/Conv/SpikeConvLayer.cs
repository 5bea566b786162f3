using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// A stride-1 convolution of a spiking input through <see cref="ISpikeConvKernels"/>: the counterpart
/// of <see cref="ConvLayer"/> that keeps one bit per input spike for the backward instead of the
/// float im2col matrix, and skips the zeros.
/// </summary>
public static class SpikeConvLayer
{
    /// <summary>Masks (R·H·W elements) for a shape: what the layer keeps between forward and backward.</summary>
    public static long MaskLength(ConvShape shape) => SpikeConvArguments.MaskLength(shape);

    /// <summary>Whether a layer of this shape can run spike-indexed (C ≤ 32 channels a mask).</summary>
    public static bool Supports(ConvShape shape) => shape.C <= SpikeConvArguments.MaxChannels;

    /// <summary>masks = Pack(input); output = conv(input, weight) + bias.</summary>
    public static void Forward(Backend backend, ConvShape shape, DeviceBuffer<float> input, DeviceBuffer<float> weight,
        DeviceBuffer<float>? bias, DeviceBuffer<uint> masks, DeviceBuffer<float> output)
    {
        backend.SpikeConv.Pack(shape, input, masks);
        backend.SpikeConv.Forward(shape, masks, weight, output);
        if (bias is not null) backend.Dense.AddBias(shape.OutputPixels, shape.O, output, bias);
    }

    /// <summary>As <see cref="ConvLayer.Backward"/>, from the masks <see cref="Forward"/> left instead of cols.</summary>
    public static void Backward(Backend backend, ConvShape shape, DeviceBuffer<uint> masks, DeviceBuffer<float> weight,
        DeviceBuffer<float> gradOutput, DeviceBuffer<float>? gradInput, DeviceBuffer<float> gradWeight, DeviceBuffer<float>? gradBias,
        bool accumulate = false)
    {
        backend.SpikeConv.WeightGrad(shape, gradOutput, masks, gradWeight, accumulate);
        if (gradBias is not null) backend.Dense.ColumnSum(shape.OutputPixels, shape.O, gradOutput, gradBias, accumulate ? 1f : 0f);
        if (gradInput is not null) backend.SpikeConv.InputGrad(shape, gradOutput, weight, gradInput);
    }
}
