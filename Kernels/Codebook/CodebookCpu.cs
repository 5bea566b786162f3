using System.Numerics;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

/// <summary>
/// Fast managed implementation. AssignGather scans the codebook with Vector&lt;float&gt; lanes over
/// consecutive weights (the same float32 distances and strict-less-than scan as the ILGPU kernel,
/// so both backends pick the same index). CentroidGradient sums fixed-size chunks in float64 and
/// combines the chunks in a fixed order: the result is bitwise reproducible and independent of the
/// thread count.
/// </summary>
public sealed unsafe class CodebookCpu : ICodebookKernels
{
    /// <summary>Weights per gradient chunk; fixed (not derived from the thread count) so results never depend on it.</summary>
    internal const int GradientChunk = 16384;

    private readonly CpuBackend _backend;

    public CodebookCpu(CpuBackend backend) => _backend = backend;

    public void AssignGather(CodebookShape shape, DeviceBuffer<float> weights, DeviceBuffer<float> codebooks,
        DeviceBuffer<int> assignments, DeviceBuffer<float> quantized)
    {
        CodebookArguments.AssignGather(_backend, shape, weights, codebooks, assignments, quantized);
        var w = weights.Host;
        var c = codebooks.Host;
        var a = assignments.Host;
        var q = quantized.Host;
        int len = shape.GroupLength, m = shape.M;
        _backend.ParallelChunks(shape.Weights, (start, end) =>
        {
            fixed (float* pw = w, pc = c, pq = q)
            fixed (int* pa = a)
            {
                // A chunk may span several groups: walk it one group run at a time.
                for (long i = start; i < end;)
                {
                    long g = i / len;
                    long runEnd = Math.Min(end, (g + 1) * len);
                    AssignRun(pw + i, (int)(runEnd - i), pc + g * m, m, pa + i, pq + i);
                    i = runEnd;
                }
            }
        }, chunksPerThread: 4, minChunk: 8192);
    }

    /// <summary>Nearest entry of one codebook for a run of weights, Vector&lt;float&gt; lanes then a scalar tail.</summary>
    private static void AssignRun(float* w, int n, float* c, int m, int* a, float* q)
    {
        int vc = Vector<float>.Count, j = 0;
        for (; j <= n - vc; j += vc)
        {
            var x = Vector.Load(w + j);
            var bestC = new Vector<float>(c[0]);
            var best = Vector.Abs(x - bestC);
            var bestM = Vector<int>.Zero;
            for (int k = 1; k < m; k++)
            {
                var ck = new Vector<float>(c[k]);
                var d = Vector.Abs(x - ck);
                var closer = Vector.LessThan(d, best); // strict: ties keep the lower index
                best = Vector.ConditionalSelect(closer, d, best);
                bestC = Vector.ConditionalSelect(closer, ck, bestC);
                bestM = Vector.ConditionalSelect(closer, new Vector<int>(k), bestM);
            }
            bestM.Store(a + j);
            bestC.Store(q + j);
        }
        for (; j < n; j++)
        {
            float x = w[j], bestC = c[0], best = MathF.Abs(x - bestC);
            int bestM = 0;
            for (int k = 1; k < m; k++)
            {
                float d = MathF.Abs(x - c[k]);
                if (d < best) { best = d; bestM = k; bestC = c[k]; }
            }
            a[j] = bestM;
            q[j] = bestC;
        }
    }

    public void CentroidGradient(CodebookShape shape, DeviceBuffer<float> gradQuantized, DeviceBuffer<int> assignments,
        DeviceBuffer<float> gradCodebooks)
    {
        CodebookArguments.CentroidGradient(_backend, shape, gradQuantized, assignments, gradCodebooks);
        var gq = gradQuantized.Host;
        var a = assignments.Host;
        var outp = gradCodebooks.Host;
        int len = shape.GroupLength, m = shape.M;
        int perGroup = (len + GradientChunk - 1) / GradientChunk;
        var partial = new double[(long)shape.Groups * perGroup * m];
        _backend.ParallelFor(shape.Groups * perGroup, item =>
        {
            int g = item / perGroup, k = item - g * perGroup;
            long start = (long)g * len + (long)k * GradientChunk;
            int n = Math.Min(GradientChunk, len - k * GradientChunk);
            // Four accumulator banks break the load-add-store chain when neighbours share a centroid.
            Span<double> banks = m > 1024 ? new double[4 * m] : stackalloc double[4 * m];
            banks.Clear();
            fixed (float* pg0 = gq)
            fixed (int* pa0 = a)
            fixed (double* acc = banks)
            {
                float* pg = pg0 + start;
                int* pa = pa0 + start;
                double* b1 = acc + m, b2 = acc + 2 * m, b3 = acc + 3 * m;
                int j = 0;
                for (; j <= n - 4; j += 4)
                {
                    int a0 = pa[j], a1 = pa[j + 1], a2 = pa[j + 2], a3 = pa[j + 3];
                    if ((uint)a0 < (uint)m) acc[a0] += pg[j];
                    if ((uint)a1 < (uint)m) b1[a1] += pg[j + 1];
                    if ((uint)a2 < (uint)m) b2[a2] += pg[j + 2];
                    if ((uint)a3 < (uint)m) b3[a3] += pg[j + 3];
                }
                for (; j < n; j++)
                {
                    int aj = pa[j];
                    if ((uint)aj < (uint)m) acc[aj] += pg[j];
                }
                var dst = partial.AsSpan(item * m, m);
                for (int c = 0; c < m; c++) dst[c] = (acc[c] + b1[c]) + (b2[c] + b3[c]);
            }
        });
        // Fixed-order combine of the chunks of each group.
        for (int g = 0; g < shape.Groups; g++)
            for (int c = 0; c < m; c++)
            {
                double s = 0;
                for (int k = 0; k < perGroup; k++) s += partial[((long)g * perGroup + k) * m + c];
                outp[g * m + c] = (float)s;
            }
    }

    public void Project(int count, int bits, DeviceBuffer<float> latent, DeviceBuffer<float> projected, DeviceBuffer<float> scale)
    {
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        CodebookArguments.Project(_backend, count, latent, projected, scale);
        var c = latent.Host.AsSpan(0, count);
        var p = projected.Host.AsSpan(0, count);
        float maxAbs = 0f;
        foreach (var x in c) maxAbs = MathF.Max(maxAbs, MathF.Abs(x));
        float delta = maxAbs / qMax;
        // Reads c[i] before writing p[i], so latent and projected may be the same buffer.
        for (int i = 0; i < count; i++) p[i] = CodebookMath.Project(c[i], delta, qMin, qMax);
        scale.Host[0] = delta;
    }

    public void ProjectDistinct(int groups, int m, int bits, DeviceBuffer<float> latent, DeviceBuffer<float> projected,
        DeviceBuffer<float> scale)
    {
        CodebookArguments.ProjectDistinct(_backend, groups, m, bits, latent, projected, scale);
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        int count = groups * m;
        var c = latent.Host.AsSpan(0, count);
        var p = projected.Host.AsSpan(0, count);
        float maxAbs = 0f;
        foreach (var x in c) maxAbs = CodebookMath.MaxAbsStep(maxAbs, x);
        float delta = maxAbs / CodebookMath.DistinctDivisor(m, bits);
        if (!(delta > 0f) || !float.IsFinite(delta))
        {
            p.Clear();
            scale.Host[0] = 0f;
            return;
        }
        // Tiny (M values per group): serial, like the host function it replaces.
        Span<int> order = m <= 256 ? stackalloc int[m] : new int[m];
        Span<int> levels = m <= 256 ? stackalloc int[m] : new int[m];
        for (int g = 0; g < groups; g++)
            CodebookMath.ProjectGroup(c.Slice(g * m, m), p.Slice(g * m, m), delta, qMin, qMax, order, levels);
        scale.Host[0] = delta;
    }

    public void Gather(CodebookShape shape, DeviceBuffer<float> codebooks, DeviceBuffer<int> assignments, DeviceBuffer<float> quantized)
    {
        CodebookArguments.Gather(_backend, shape, codebooks, assignments, quantized);
        var c = codebooks.Host;
        var a = assignments.Host;
        var q = quantized.Host;
        int len = shape.GroupLength, m = shape.M;
        _backend.ParallelChunks(shape.Weights, (start, end) =>
        {
            for (long i = start; i < end; i++) q[i] = c[i / len * m + a[i]];
        }, chunksPerThread: 2, minChunk: 16384);
    }

    public void Accumulate(int count, DeviceBuffer<float> partial, DeviceBuffer<float> total, bool first)
    {
        CodebookArguments.Accumulate(_backend, count, partial, total);
        var p = partial.Host;
        var t = total.Host;
        for (int i = 0; i < count; i++) t[i] = first ? p[i] : t[i] + p[i];
    }
}
