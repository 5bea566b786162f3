using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// The spike-indexed convolution: a stride-1 convolution whose input holds spikes (0 or 1), kept as
/// one bit per channel (a <c>uint</c> mask per input pixel, C ≤ 32) instead of a float im2col matrix.
/// The forward and the weight gradient visit only the spikes (event-driven); the input gradient is
/// col2im(∂output·W) fused so ∂cols is never stored. Memory: the layer keeps R·H·W masks (4 bytes a
/// pixel) where im2col keeps R·Ho·Wo·K²·C floats (576 bytes a pixel for 16 channels and K = 3).
/// <para>
/// Same results as <see cref="ConvLayer"/> on the same backend: on the cpu backend bit for bit (the
/// sums run in the blocks and order of that backend's GEMM); on ILGPU backends within the dense
/// family's tolerance (<see cref="SpikeConvCheck"/>).
/// </para>
/// </summary>
public interface ISpikeConvKernels
{
    /// <summary>Whether these kernels beat im2col + GEMM on this backend (layers use them by default then).</summary>
    bool Preferred { get; }

    /// <summary>masks[pixel] bit c = input[pixel, c] ≠ 0 for input [R, H, W, C]; C ≤ 32. The input must hold only 0 and 1
    /// (the cpu backend refuses anything else; ILGPU backends treat any nonzero as a spike).</summary>
    void Pack(ConvShape shape, DeviceBuffer<float> input, DeviceBuffer<uint> masks);

    /// <summary>output[R·Ho·Wo, O] = cols·Wᵀ with cols the (never built) im2col matrix of the masked spikes; no bias.</summary>
    void Forward(ConvShape shape, DeviceBuffer<uint> masks, DeviceBuffer<float> weight, DeviceBuffer<float> output);

    /// <summary>∂W[O, K·K·C] = ∂outputᵀ·cols (+ ∂W when <paramref name="accumulate"/>).</summary>
    void WeightGrad(ConvShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<uint> masks, DeviceBuffer<float> gradWeight, bool accumulate);

    /// <summary>∂input = Col2Im(∂output·W), without the [R·Ho·Wo, K·K·C] ∂cols buffer.</summary>
    void InputGrad(ConvShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<float> weight, DeviceBuffer<float> gradInput);
}

/// <summary>Argument checks shared by the implementations of <see cref="ISpikeConvKernels"/>.</summary>
internal static class SpikeConvArguments
{
    /// <summary>Channels one mask holds.</summary>
    public const int MaxChannels = 32;

    public static long MaskLength(ConvShape s) => (long)s.R * s.H * s.W;

    public static void Shape(ConvShape s)
    {
        s.Validate();
        if (s.C > MaxChannels)
            throw new ArgumentException($"The spike-indexed convolution packs up to {MaxChannels} channels a pixel; {s} has {s.C}.");
    }

    public static void Pack(Backend b, ConvShape s, DeviceBuffer<float> input, DeviceBuffer<uint> masks)
    {
        Shape(s);
        b.Check(input, s.InputLength, nameof(input));
        b.Check(masks, MaskLength(s), nameof(masks));
    }

    public static void Forward(Backend b, ConvShape s, DeviceBuffer<uint> masks, DeviceBuffer<float> weight, DeviceBuffer<float> output)
    {
        Shape(s);
        b.Check(masks, MaskLength(s), nameof(masks));
        b.Check(weight, s.WeightLength, nameof(weight));
        b.Check(output, s.OutputLength, nameof(output));
    }

    public static void WeightGrad(Backend b, ConvShape s, DeviceBuffer<float> gradOutput, DeviceBuffer<uint> masks, DeviceBuffer<float> gradWeight)
    {
        Shape(s);
        b.Check(gradOutput, s.OutputLength, nameof(gradOutput));
        b.Check(masks, MaskLength(s), nameof(masks));
        b.Check(gradWeight, s.WeightLength, nameof(gradWeight));
    }

    public static void InputGrad(Backend b, ConvShape s, DeviceBuffer<float> gradOutput, DeviceBuffer<float> weight, DeviceBuffer<float> gradInput)
    {
        s.Validate();
        b.Check(gradOutput, s.OutputLength, nameof(gradOutput));
        b.Check(weight, s.WeightLength, nameof(weight));
        b.Check(gradInput, s.InputLength, nameof(gradInput));
    }
}
