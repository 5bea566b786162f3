using System.Numerics;
using System.Runtime.InteropServices;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Optim;

/// <summary>
/// Fast managed implementation: contiguous chunks per thread, Vector&lt;float&gt; arithmetic with
/// the same operation order as the ILGPU kernel, scalar tail.
/// </summary>
public sealed class OptimizerCpu : IOptimizerKernels
{
    private readonly CpuBackend _backend;

    public OptimizerCpu(CpuBackend backend) => _backend = backend;

    public void Adam(AdamConfig config, int step, int count, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> m, DeviceBuffer<float> v)
    {
        var a = AdamKernelArgs.From(config, step);
        AdamKernelArgs.Check(_backend, count, param, grad, m, v);
        var pa = param.Host;
        var ga = grad.Host;
        var ma = m.Host;
        var va = v.Host;
        // Each chunk runs whole vectors, then a scalar tail of fewer than Vector<float>.Count elements.
        _backend.ParallelChunks(count, (start, end) => Update(a, pa.AsSpan((int)start, (int)(end - start)),
            ga.AsSpan((int)start, (int)(end - start)), ma.AsSpan((int)start, (int)(end - start)),
            va.AsSpan((int)start, (int)(end - start))), chunksPerThread: 4, minChunk: 8192);
    }

    private static void Update(AdamKernelArgs a, Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v)
    {
        var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
        var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
        var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
        var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
        var beta1 = new Vector<float>(a.Beta1);
        var beta2 = new Vector<float>(a.Beta2);
        var omb1 = new Vector<float>(a.OneMinusBeta1);
        var omb2 = new Vector<float>(a.OneMinusBeta2);
        var inv1 = new Vector<float>(a.InvBias1);
        var inv2 = new Vector<float>(a.InvBias2);
        var eps = new Vector<float>(a.Epsilon);
        var lr = new Vector<float>(a.LearningRate);
        var wd = new Vector<float>(a.WeightDecay);
        for (int k = 0; k < pv.Length; k++)
        {
            var gk = gv[k];
            var mk = beta1 * mv[k] + omb1 * gk;
            var vk = beta2 * vv[k] + omb2 * (gk * gk);
            mv[k] = mk;
            vv[k] = vk;
            var pk = pv[k];
            var update = mk * inv1 / (Vector.SquareRoot(vk * inv2) + eps);
            pv[k] = pk - lr * (update + wd * pk);
        }
        for (int i = pv.Length * Vector<float>.Count; i < p.Length; i++)
        {
            float gi = g[i];
            float mi = a.Beta1 * m[i] + a.OneMinusBeta1 * gi;
            float vi = a.Beta2 * v[i] + a.OneMinusBeta2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            float update = mi * a.InvBias1 / (MathF.Sqrt(vi * a.InvBias2) + a.Epsilon);
            p[i] -= a.LearningRate * (update + a.WeightDecay * p[i]);
        }
    }
}
