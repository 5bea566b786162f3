using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Loss;

/// <summary>
/// Fast managed implementation, parallel over chunks of samples. Each sample accumulates its
/// logits row by walking t outermost (every read is a contiguous run of C floats), so the
/// per-logit summation order is t = 0, 1, ... as on ILGPU.
/// </summary>
public sealed class LossCpu : ILossKernels
{
    private readonly CpuBackend _backend;

    public LossCpu(CpuBackend backend) => _backend = backend;

    public void SoftmaxCrossEntropy(int t, int b, int c, float scale, DeviceBuffer<float> x, DeviceBuffer<int> labels,
        DeviceBuffer<float> logits, DeviceBuffer<float> losses, DeviceBuffer<float> gradX)
    {
        LossShape.Check(_backend, t, b, c, scale, x, labels, logits, losses, gradX);
        var lab = labels.Host;
        // Validate every label before writing anything, so a bad batch leaves the outputs untouched.
        for (int i = 0; i < b; i++)
            if ((uint)lab[i] >= (uint)c) throw new ArgumentException(LossShape.BadLabel(i, lab[i], c), nameof(labels));

        var xs = x.Host;
        var lg = logits.Host;
        var ls = losses.Host;
        var gx = gradX.Host;
        int step = b * c;
        float gradScale = (float)((double)scale / b);
        // A sample is only T·C work, so hand each thread a run of samples rather than one.
        _backend.ParallelChunks(b, (start, end) =>
        {
            var g = c <= 1024 ? stackalloc float[c] : new float[c];
            for (int s = (int)start; s < end; s++)
            {
                int row = s * c;
                var logit = lg.AsSpan(row, c);
                logit.Clear();
                for (int tt = 0; tt < t; tt++)
                {
                    var xr = xs.AsSpan(tt * step + row, c);
                    for (int j = 0; j < c; j++) logit[j] += xr[j];
                }
                float max = float.NegativeInfinity;
                for (int j = 0; j < c; j++)
                {
                    logit[j] *= scale;
                    max = MathF.Max(max, logit[j]);
                }
                float sumExp = 0f;
                for (int j = 0; j < c; j++) sumExp += MathF.Exp(logit[j] - max);
                float lse = max + MathF.Log(sumExp);
                int label = lab[s];
                ls[s] = lse - logit[label];
                for (int j = 0; j < c; j++)
                {
                    float p = MathF.Exp(logit[j] - lse);
                    g[j] = gradScale * (j == label ? p - 1f : p);
                }
                for (int tt = 0; tt < t; tt++) g.CopyTo(gx.AsSpan(tt * step + row, c));
            }
        }, chunksPerThread: 4, minChunk: 16);
    }
}
