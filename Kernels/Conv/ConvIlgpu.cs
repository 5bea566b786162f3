using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Conv;

/// <summary>Scalar arguments of the im2col/col2im kernels.</summary>
public struct ConvKernelArgs
{
    public int H, W, C, K, P, Ho, Wo;

    public ConvKernelArgs(ConvShape s)
    {
        H = s.H; W = s.W; C = s.C; K = s.K; P = s.Padding; Ho = s.Ho; Wo = s.Wo;
    }
}

/// <summary>Scalar arguments of the pooling kernels.</summary>
public struct PoolKernelArgs
{
    public int H, W, C, Ho, Wo;

    public PoolKernelArgs(PoolShape s)
    {
        H = s.H; W = s.W; C = s.C; Ho = s.Ho; Wo = s.Wo;
    }
}

/// <summary>
/// ILGPU implementation: one thread per element written, channel index fastest, so neighbouring
/// threads read and write neighbouring addresses (coalesced). Gradients are gathers (each thread
/// sums what reaches its own element in a fixed order): deterministic, no atomics.
/// </summary>
public sealed class ConvIlgpu : IConvKernels
{
    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;

    public ConvIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
    }

    /// <summary>Thread i writes cols element i = (row, (ky·K + kx)·C + c).</summary>
    internal static void Im2ColKernel(Index1D i, ArrayView<float> input, ArrayView<float> cols, ConvKernelArgs a)
    {
        int patch = a.K * a.K * a.C;
        int row = i / patch;
        int col = i - row * patch;
        int kpos = col / a.C;
        int c = col - kpos * a.C;
        int ky = kpos / a.K;
        int kx = kpos - ky * a.K;
        int pixels = a.Ho * a.Wo;
        int r = row / pixels;
        int p = row - r * pixels;
        int oy = p / a.Wo;
        int ox = p - oy * a.Wo;
        int y = oy + ky - a.P, x = ox + kx - a.P;
        cols[i] = y >= 0 && y < a.H && x >= 0 && x < a.W ? input[((r * a.H + y) * a.W + x) * a.C + c] : 0f;
    }

    /// <summary>
    /// Thread i owns gradInput element i = (r, y, x, c) and sums the cols entries that read it in
    /// ascending output position (oy, ox), i.e. (ky, kx) descending: the order in which the cpu
    /// path's row-wise scatter adds them, so both give bit-identical results.
    /// </summary>
    internal static void Col2ImKernel(Index1D i, ArrayView<float> gradCols, ArrayView<float> gradInput, ConvKernelArgs a)
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
                sum += gradCols[((r * a.Ho + oy) * a.Wo + ox) * patch + (ky * a.K + kx) * a.C + c];
            }
        }
        gradInput[i] = sum;
    }

    /// <summary>Thread i writes output element i = (r, oy, ox, c); strict &gt; keeps the first maximum in scan order.</summary>
    internal static void MaxPoolForwardKernel(Index1D i, ArrayView<float> input, ArrayView<float> output, ArrayView<int> argmax,
        PoolKernelArgs a)
    {
        int c = i % a.C;
        int pix = i / a.C;
        int ox = pix % a.Wo;
        int ro = pix / a.Wo;
        int oy = ro % a.Ho;
        int r = ro / a.Ho;
        int top = ((r * a.H + 2 * oy) * a.W + 2 * ox) * a.C + c;
        int bottom = top + a.W * a.C;
        float best = input[top];
        int at = 0;
        float v = input[top + a.C];
        if (v > best) { best = v; at = 1; }
        v = input[bottom];
        if (v > best) { best = v; at = 2; }
        v = input[bottom + a.C];
        if (v > best) { best = v; at = 3; }
        output[i] = best;
        argmax[i] = at;
    }

    /// <summary>Thread i owns gradInput element i: its window's gradient when it is that window's argmax, else 0.</summary>
    internal static void MaxPoolBackwardKernel(Index1D i, ArrayView<float> gradOutput, ArrayView<int> argmax,
        ArrayView<float> gradInput, PoolKernelArgs a)
    {
        int c = i % a.C;
        int pix = i / a.C;
        int x = pix % a.W;
        int ry = pix / a.W;
        int y = ry % a.H;
        int r = ry / a.H;
        int oy = y >> 1, ox = x >> 1;
        float g = 0f;
        if (oy < a.Ho && ox < a.Wo)
        {
            int o = ((r * a.Ho + oy) * a.Wo + ox) * a.C + c;
            if (argmax[o] == ((y & 1) << 1 | (x & 1))) g = gradOutput[o];
        }
        gradInput[i] = g;
    }

    internal static void AvgPoolForwardKernel(Index1D i, ArrayView<float> input, ArrayView<float> output, PoolKernelArgs a)
    {
        int c = i % a.C;
        int pix = i / a.C;
        int ox = pix % a.Wo;
        int ro = pix / a.Wo;
        int oy = ro % a.Ho;
        int r = ro / a.Ho;
        int top = ((r * a.H + 2 * oy) * a.W + 2 * ox) * a.C + c;
        int bottom = top + a.W * a.C;
        output[i] = (input[top] + input[top + a.C] + (input[bottom] + input[bottom + a.C])) * 0.25f;
    }

    internal static void AvgPoolBackwardKernel(Index1D i, ArrayView<float> gradOutput, ArrayView<float> gradInput, PoolKernelArgs a)
    {
        int c = i % a.C;
        int pix = i / a.C;
        int x = pix % a.W;
        int ry = pix / a.W;
        int y = ry % a.H;
        int r = ry / a.H;
        int oy = y >> 1, ox = x >> 1;
        gradInput[i] = oy < a.Ho && ox < a.Wo ? 0.25f * gradOutput[((r * a.Ho + oy) * a.Wo + ox) * a.C + c] : 0f;
    }

    public void Im2Col(ConvShape shape, DeviceBuffer<float> input, DeviceBuffer<float> cols)
    {
        ConvArguments.Im2Col(_backend, shape, input, cols);
        _cache.Get("conv.im2col", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ConvKernelArgs>(Im2ColKernel))((int)shape.ColsLength, input.View, cols.View, new ConvKernelArgs(shape));
    }

    public void Col2Im(ConvShape shape, DeviceBuffer<float> gradCols, DeviceBuffer<float> gradInput)
    {
        ConvArguments.Col2Im(_backend, shape, gradCols, gradInput);
        _cache.Get("conv.col2im", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ConvKernelArgs>(Col2ImKernel))((int)shape.InputLength, gradCols.View, gradInput.View, new ConvKernelArgs(shape));
    }

    public void MaxPool2x2Forward(PoolShape shape, DeviceBuffer<float> input, DeviceBuffer<float> output, DeviceBuffer<int> argmax)
    {
        ConvArguments.PoolForward(_backend, shape, input, output);
        ConvArguments.Argmax(_backend, shape, argmax);
        _cache.Get("conv.maxpool.forward", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<int>, PoolKernelArgs>(MaxPoolForwardKernel))((int)shape.OutputLength, input.View, output.View, argmax.View,
            new PoolKernelArgs(shape));
    }

    public void MaxPool2x2Backward(PoolShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<int> argmax, DeviceBuffer<float> gradInput)
    {
        ConvArguments.PoolBackward(_backend, shape, gradOutput, gradInput);
        ConvArguments.Argmax(_backend, shape, argmax);
        _cache.Get("conv.maxpool.backward", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>,
            ArrayView<float>, PoolKernelArgs>(MaxPoolBackwardKernel))((int)shape.InputLength, gradOutput.View, argmax.View,
            gradInput.View, new PoolKernelArgs(shape));
    }

    public void AvgPool2x2Forward(PoolShape shape, DeviceBuffer<float> input, DeviceBuffer<float> output)
    {
        ConvArguments.PoolForward(_backend, shape, input, output);
        _cache.Get("conv.avgpool.forward", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            PoolKernelArgs>(AvgPoolForwardKernel))((int)shape.OutputLength, input.View, output.View, new PoolKernelArgs(shape));
    }

    public void AvgPool2x2Backward(PoolShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<float> gradInput)
    {
        ConvArguments.PoolBackward(_backend, shape, gradOutput, gradInput);
        _cache.Get("conv.avgpool.backward", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            PoolKernelArgs>(AvgPoolBackwardKernel))((int)shape.InputLength, gradOutput.View, gradInput.View, new PoolKernelArgs(shape));
    }
}
