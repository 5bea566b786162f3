using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// Convolution and pooling kernels over channels-last (NHWC) rows. The convolution's arithmetic is
/// one GEMM of the dense family (see <see cref="ConvLayer"/>); these kernels only move data. Every
/// output is fully written (write-only), and every sum is taken in a fixed order, so results are
/// deterministic on every backend (no atomics).
/// </summary>
public interface IConvKernels
{
    /// <summary>cols[(r·Ho + oy)·Wo + ox, (ky·K + kx)·C + c] = input[r, oy + ky − P, ox + kx − P, c], or 0 in the padding.</summary>
    void Im2Col(ConvShape shape, DeviceBuffer<float> input, DeviceBuffer<float> cols);

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: gradInput[r, y, x, c] = Σ gradCols[(r·Ho + oy)·Wo + ox, (ky·K + kx)·C + c]
    /// over oy = y + P − ky, ox = x + P − kx inside the output, added from 0 in ascending (oy, ox) order
    /// on every backend (no atomics), so results are deterministic and identical across backends.
    /// </summary>
    void Col2Im(ConvShape shape, DeviceBuffer<float> gradCols, DeviceBuffer<float> gradInput);

    /// <summary>
    /// output[r, oy, ox, c] = max of the 2×2 window at (2·oy, 2·ox); argmax[same index] = dy·2 + dx of the
    /// first maximum in the scan order (0,0), (0,1), (1,0), (1,1), so tied windows (common with spikes)
    /// always pick the same input.
    /// </summary>
    void MaxPool2x2Forward(PoolShape shape, DeviceBuffer<float> input, DeviceBuffer<float> output, DeviceBuffer<int> argmax);

    /// <summary>gradInput[r, y, x, c] = gradOutput of its window when (y, x) is that window's argmax, else 0 (also 0 in a floored odd row or column).</summary>
    void MaxPool2x2Backward(PoolShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<int> argmax, DeviceBuffer<float> gradInput);

    /// <summary>output = ((a + b) + (c + d))·0.25 over the 2×2 window, a..d in scan order.</summary>
    void AvgPool2x2Forward(PoolShape shape, DeviceBuffer<float> input, DeviceBuffer<float> output);

    /// <summary>gradInput[r, y, x, c] = 0.25·gradOutput of its window (0 in a floored odd row or column).</summary>
    void AvgPool2x2Backward(PoolShape shape, DeviceBuffer<float> gradOutput, DeviceBuffer<float> gradInput);
}
