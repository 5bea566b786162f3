using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Optim;

/// <summary>ILGPU implementation: one thread per parameter (elementwise, every access coalesced).</summary>
public sealed class OptimizerIlgpu : IOptimizerKernels
{
    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;

    public OptimizerIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
    }

    internal static void AdamKernel(Index1D i, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m,
        ArrayView<float> v, AdamKernelArgs a)
    {
        float g = grad[i];
        float mi = a.Beta1 * m[i] + a.OneMinusBeta1 * g;
        float vi = a.Beta2 * v[i] + a.OneMinusBeta2 * (g * g);
        m[i] = mi;
        v[i] = vi;
        float p = param[i];
        float update = mi * a.InvBias1 / (MathF.Sqrt(vi * a.InvBias2) + a.Epsilon);
        param[i] = p - a.LearningRate * (update + a.WeightDecay * p);
    }

    public void Adam(AdamConfig config, int step, int count, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> m, DeviceBuffer<float> v)
    {
        var args = AdamKernelArgs.From(config, step);
        AdamKernelArgs.Check(_backend, count, param, grad, m, v);
        if (count == 0) return;
        _cache.Get("optim.adam", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, AdamKernelArgs>(AdamKernel))(count, param.View, grad.View, m.View, v.View, args);
    }
}
