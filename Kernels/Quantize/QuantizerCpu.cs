using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Quantize;

/// <summary>
/// Managed implementation: the reductions run serially in index order with the host quantizers'
/// arithmetic (float max, float64 sums), so the result is bitwise that of <c>Ste.Forward</c>;
/// the per-weight pass runs in parallel chunks. A weighted layer has at most a few hundred
/// thousand weights, so the serial reductions cost well under a millisecond.
/// </summary>
public sealed class QuantizerCpu : IQuantizerKernels
{
    private readonly CpuBackend _backend;

    public QuantizerCpu(CpuBackend backend) => _backend = backend;

    public void Quantize(QuantizerKind kind, int bits, int count, DeviceBuffer<float> latent, DeviceBuffer<float> quantized,
        DeviceBuffer<float> scale)
    {
        QuantizerMath.Validate(_backend, kind, bits, count, latent, quantized, scale);
        var w = latent.Host;
        var q = quantized.Host;
        float result;
        switch (kind)
        {
            case QuantizerKind.UniformSymmetric:
            {
                int qmax = QuantizerMath.SymmetricQMax(bits);
                float s = MaxAbs(w, count) / qmax;
                Apply(count, i => q[i] = CodebookMath.Project(w[i], s, -qmax, qmax));
                result = s;
                break;
            }
            case QuantizerKind.Binary:
            {
                float a = MeanAbs(w, count);
                Apply(count, i => q[i] = QuantizerMath.Binary(w[i], a));
                result = a;
                break;
            }
            case QuantizerKind.Ternary:
            {
                float delta = (float)(QuantizerMath.TernaryFactor * (double)MeanAbs(w, count));
                double sum = 0;
                int above = 0;
                for (int i = 0; i < count; i++)
                {
                    float x = MathF.Abs(w[i]);
                    if (x > delta) { sum += x; above++; }
                }
                float a = above > 0 ? (float)(sum / above) : 0f;
                Apply(count, i => q[i] = QuantizerMath.Ternary(w[i], delta, a));
                result = a;
                break;
            }
            case QuantizerKind.UniformTwoBit:
            {
                float a = MaxAbs(w, count);
                float step = QuantizerMath.TwoBitStep(a);
                Apply(count, i => q[i] = QuantizerMath.TwoBit(w[i], a, step));
                result = a > 0f ? a : 0f;
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
        scale.Host[0] = result;
    }

    private void Apply(int count, Action<int> body) =>
        _backend.ParallelChunks(count, (start, end) =>
        {
            for (long i = start; i < end; i++) body((int)i);
        }, chunksPerThread: 2, minChunk: 16384);

    private static float MaxAbs(float[] w, int count)
    {
        float m = 0f;
        for (int i = 0; i < count; i++) m = MathF.Max(m, MathF.Abs(w[i]));
        return m;
    }

    private static float MeanAbs(float[] w, int count)
    {
        double s = 0;
        for (int i = 0; i < count; i++) s += MathF.Abs(w[i]);
        return (float)(s / count);
    }
}
