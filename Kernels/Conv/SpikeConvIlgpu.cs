using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// The spike-indexed convolution on ILGPU backends: one thread per element written, each summing its
/// terms in ascending order (forward: over k; ∂W: over output pixels; ∂input: as
/// <see cref="ConvIlgpu.Col2ImKernel"/>, each ∂cols term being Σ_o ∂y·W). Correct on every device
/// and tested against the float64 reference; not tuned: the ∂W kernel has only O·K²·C threads, each
/// looping over all R·Ho·Wo pixels, so on a GPU im2col + GEMM stays the default (<see cref="Preferred"/>
/// is false) and the layer uses these kernels only when asked to (to save the im2col memory).
/// </summary>
public sealed class SpikeConvIlgpu : ISpikeConvKernels
{
    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;

    public SpikeConvIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
    }

    public bool Preferred => false;

    internal static void PackKernel(Index1D pixel, ArrayView<float> input, ArrayView<uint> masks, int channels)
    {
        uint bits = 0;
        for (int c = 0; c < channels; c++)
            if (input[pixel * channels + c] != 0f) bits |= 1u << c;
        masks[pixel] = bits;
    }

    /// <summary>Thread i writes output element (p, o): Σ over spiking k ascending of W[o, k].</summary>
    internal static void ForwardKernel(Index1D i, ArrayView<uint> masks, ArrayView<float> weight, ArrayView<float> output, ConvKernelArgs a, int outputs)
    {
        int o = i % outputs;
        int p = i / outputs;
        int pixels = a.Ho * a.Wo;
        int r = p / pixels;
        int q = p - r * pixels;
        int oy = q / a.Wo;
        int ox = q - oy * a.Wo;
        int patch = a.K * a.K * a.C;
        float sum = 0f;
        for (int ky = 0; ky < a.K; ky++)
        {
            int y = oy + ky - a.P;
            if (y < 0 || y >= a.H) continue;
            for (int kx = 0; kx < a.K; kx++)
            {
                int x = ox + kx - a.P;
                if (x < 0 || x >= a.W) continue;
                uint bits = masks[(r * a.H + y) * a.W + x];
                int kBase = (ky * a.K + kx) * a.C;
                for (int c = 0; c < a.C; c++)
                    if ((bits >> c & 1u) != 0) sum += weight[o * patch + kBase + c];
            }
        }
        output[i] = sum;
    }

    /// <summary>Thread i owns ∂W element (o, k): Σ over output pixels ascending whose input at k spiked of ∂y[p, o].</summary>
    internal static void WeightGradKernel(Index1D i, ArrayView<float> gradOutput, ArrayView<uint> masks, ArrayView<float> gradWeight,
        ConvKernelArgs a, int outputs, int rows, float beta)
    {
        int patch = a.K * a.K * a.C;
        int o = i / patch;
        int k = i - o * patch;
        int tap = k / a.C;
        int c = k - tap * a.C;
        int ky = tap / a.K;
        int kx = tap - ky * a.K;
        int pixels = a.Ho * a.Wo;
        float sum = 0f;
        for (int p = 0; p < rows; p++)
        {
            int r = p / pixels;
            int q = p - r * pixels;
            int oy = q / a.Wo;
            int ox = q - oy * a.Wo;
            int y = oy + ky - a.P, x = ox + kx - a.P;
            if (y < 0 || y >= a.H || x < 0 || x >= a.W) continue;
            if ((masks[(r * a.H + y) * a.W + x] >> c & 1u) != 0) sum += gradOutput[p * outputs + o];
        }
        gradWeight[i] = beta == 0f ? sum : sum + beta * gradWeight[i];
    }

    /// <summary>Thread i owns ∂input element (r, y, x, c): Col2Im's gather with each ∂cols term computed as Σ_o ∂y·W.</summary>
    internal static void InputGradKernel(Index1D i, ArrayView<float> gradOutput, ArrayView<float> weight, ArrayView<float> gradInput,
        ConvKernelArgs a, int outputs)
    {
        int c = i % a.C;
        int pix = i / a.C;
        int x = pix % a.W;
        int ry = pix / a.W;
        int y = ry % a.H;
        int r = ry / a.H;
        int patch = a.K * a.K * a.C;
        float sum = 0f;
        for (int ky = a.K - 1; ky >= 0; ky--)
        {
            int oy = y + a.P - ky;
            if (oy < 0 || oy >= a.Ho) continue;
            for (int kx = a.K - 1; kx >= 0; kx--)
            {
                int ox = x + a.P - kx;
                if (ox < 0 || ox >= a.Wo) continue;
                int p = (r * a.Ho + oy) * a.Wo + ox;
                int k = (ky * a.K + kx) * a.C + c;
                float term = 0f;
                for (int o = 0; o < outputs; o++) term += gradOutput[p * outputs + o] * weight[o * patch + k];
                sum += term;
            }
        }
        gradInput[i] = sum;
    }

    public void Pack(ConvShape shape, DeviceBuffer<float> input, DeviceBuffer<uint> masks)
    {
        SpikeConvArguments.Pack(_backend, shape, input, masks);
        _cache.Get("spikeconv.pack", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<uint>, int>(PackKernel))(
            (int)SpikeConvArguments.MaskLength(shape), input.View, masks.View, shape.C);
    }

    public void Forward(ConvShape shape, DeviceBuffer<uint> masks, DeviceBuffer<float> weight, DeviceBuffer<float> output)
    {
        SpikeConvArguments.Forward(_backend, shape, masks, weight, output);
        _cache.Get("spikeconv.forward", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, ArrayView<float>, ArrayView<float>,
            ConvKernelArgs, int>(ForwardKernel))((int)shape.OutputLength, masks.View, weight.View, output.View, new ConvKernelArgs(shape), shape.O);
    }

    public void WeightGrad(ConvShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<uint> masks, DeviceBuffer<float> gradWeight, bool accumulate)
    {
        SpikeConvArguments.WeightGrad(_backend, shape, gradOutput, masks, gradWeight);
        _cache.Get("spikeconv.weightgrad", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<uint>, ArrayView<float>,
            ConvKernelArgs, int, int, float>(WeightGradKernel))((int)shape.WeightLength, gradOutput.View, masks.View, gradWeight.View,
            new ConvKernelArgs(shape), shape.O, shape.OutputPixels, accumulate ? 1f : 0f);
    }

    public void InputGrad(ConvShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<float> weight, DeviceBuffer<float> gradInput)
    {
        SpikeConvArguments.InputGrad(_backend, shape, gradOutput, weight, gradInput);
        _cache.Get("spikeconv.inputgrad", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ConvKernelArgs, int>(InputGradKernel))((int)shape.InputLength, gradOutput.View, weight.View, gradInput.View, new ConvKernelArgs(shape), shape.O);
    }
}
