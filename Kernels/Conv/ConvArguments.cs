using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Conv;

/// <summary>Argument checks shared by every implementation of <see cref="IConvKernels"/>.</summary>
internal static class ConvArguments
{
    public static void Im2Col(Backend backend, ConvShape s, DeviceBuffer<float> input, DeviceBuffer<float> cols)
    {
        s.Validate();
        backend.Check(input, s.InputLength, nameof(input));
        backend.Check(cols, s.ColsLength, nameof(cols));
    }

    public static void Col2Im(Backend backend, ConvShape s, DeviceBuffer<float> gradCols, DeviceBuffer<float> gradInput)
    {
        s.Validate();
        backend.Check(gradCols, s.ColsLength, nameof(gradCols));
        backend.Check(gradInput, s.InputLength, nameof(gradInput));
    }

    public static void PoolForward(Backend backend, PoolShape s, DeviceBuffer<float> input, DeviceBuffer<float> output)
    {
        s.Validate();
        backend.Check(input, s.InputLength, nameof(input));
        backend.Check(output, s.OutputLength, nameof(output));
    }

    public static void PoolBackward(Backend backend, PoolShape s, DeviceBuffer<float> gradOutput, DeviceBuffer<float> gradInput)
    {
        s.Validate();
        backend.Check(gradOutput, s.OutputLength, nameof(gradOutput));
        backend.Check(gradInput, s.InputLength, nameof(gradInput));
    }

    public static void Argmax(Backend backend, PoolShape s, DeviceBuffer<int> argmax) =>
        backend.Check(argmax, s.OutputLength, nameof(argmax));
}
