using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Loss;

/// <summary>Scalar arguments of the cross-entropy kernels.</summary>
public struct LossKernelArgs
{
    public int T, B, C;
    public float Scale;
    /// <summary>scale / B, the factor of the mean-loss gradient (computed on the host in double).</summary>
    public float GradScale;
}

/// <summary>
/// ILGPU implementation in two launches. (1) One thread per sample: the logits (loop over C and T
/// inside; C is small), their maximum, the log-sum-exp (kept in a scratch [B] buffer) and the loss.
/// (2) One thread per (b, c): the softmax gradient, written for every t, so consecutive threads
/// write consecutive addresses of [T,B,C] (coalesced).
/// </summary>
public sealed class LossIlgpu : ILossKernels
{
    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;
    private DeviceBuffer<float>? _logSumExp;

    public LossIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
    }

    internal static void StatsKernel(Index1D b, ArrayView<float> x, ArrayView<int> labels, ArrayView<float> logits,
        ArrayView<float> losses, ArrayView<float> logSumExp, LossKernelArgs a)
    {
        int step = a.B * a.C;
        int row = b * a.C;
        float max = float.NegativeInfinity;
        for (int c = 0; c < a.C; c++)
        {
            // Time sum in order t = 0, 1, ... (the managed path sums in the same order).
            float sum = 0f;
            int idx = row + c;
            for (int t = 0; t < a.T; t++)
            {
                sum += x[idx];
                idx += step;
            }
            float logit = a.Scale * sum;
            logits[row + c] = logit;
            max = MathF.Max(max, logit);
        }
        float sumExp = 0f;
        for (int c = 0; c < a.C; c++) sumExp += MathF.Exp(logits[row + c] - max);
        float lse = max + MathF.Log(sumExp);
        logSumExp[b] = lse;
        int label = labels[b];
        // Kernels cannot throw: an out-of-range label yields NaN (documented on the interface).
        losses[b] = (uint)label < (uint)a.C ? lse - logits[row + label] : float.NaN;
    }

    internal static void GradKernel(Index1D i, ArrayView<int> labels, ArrayView<float> logits,
        ArrayView<float> logSumExp, ArrayView<float> gradX, LossKernelArgs a)
    {
        int b = i / a.C;
        int c = i - b * a.C;
        int label = labels[b];
        float g = float.NaN;
        if ((uint)label < (uint)a.C)
        {
            float p = MathF.Exp(logits[i] - logSumExp[b]);
            g = a.GradScale * (c == label ? p - 1f : p);
        }
        int step = a.B * a.C;
        int idx = i;
        for (int t = 0; t < a.T; t++)
        {
            gradX[idx] = g;
            idx += step;
        }
    }

    public void SoftmaxCrossEntropy(int t, int b, int c, float scale, DeviceBuffer<float> x, DeviceBuffer<int> labels,
        DeviceBuffer<float> logits, DeviceBuffer<float> losses, DeviceBuffer<float> gradX)
    {
        LossShape.Check(_backend, t, b, c, scale, x, labels, logits, losses, gradX);
        if (_logSumExp is null || _logSumExp.Length < b)
        {
            _logSumExp?.Dispose();
            _logSumExp = _backend.Allocate<float>(b);
        }
        var args = new LossKernelArgs { T = t, B = b, C = c, Scale = scale, GradScale = (float)((double)scale / b) };
        _cache.Get("loss.xent.stats", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, LossKernelArgs>(StatsKernel))(
            b, x.View, labels.View, logits.View, losses.View, _logSumExp.View, args);
        _cache.Get("loss.xent.grad", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, LossKernelArgs>(GradKernel))(
            b * c, labels.View, logits.View, _logSumExp.View, gradX.View, args);
    }
}
