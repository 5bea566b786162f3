using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Encoding;

/// <summary>Scalar arguments of the Poisson kernel.</summary>
public struct PoissonKernelArgs
{
    public int B, P;
    public uint Seed;
}

/// <summary>
/// ILGPU implementation: one thread per output element (t, b, p). Each thread evaluates the
/// counter-based hash of its own key, so the result cannot depend on the launch layout.
/// </summary>
public sealed class EncodingIlgpu : IEncodingKernels
{
    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;

    public EncodingIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
    }

    internal static void PoissonKernel(Index1D i, ArrayView<float> pixels, ArrayView<int> sampleIds,
        ArrayView<float> spikes, PoissonKernelArgs a)
    {
        int bp = a.B * a.P;
        int t = i / bp;
        int r = i - t * bp;
        int b = r / a.P;
        int p = r - b * a.P;
        float u = CounterRng.Uniform(a.Seed, (uint)sampleIds[b], (uint)p, (uint)t);
        // u ∈ [0, 1), so u < x equals u < clamp(x, 0, 1) for every x (NaN never fires).
        spikes[i] = u < pixels[r] ? 1f : 0f;
    }

    public void Poisson(int t, int b, int p, uint seed, DeviceBuffer<float> pixels, DeviceBuffer<int> sampleIds,
        DeviceBuffer<float> spikes)
    {
        EncodingShape.Check(_backend, t, b, p, pixels, sampleIds, spikes);
        var args = new PoissonKernelArgs { B = b, P = p, Seed = seed };
        _cache.Get("encoding.poisson", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>,
            ArrayView<float>, PoissonKernelArgs>(PoissonKernel))(t * b * p, pixels.View, sampleIds.View, spikes.View, args);
    }
}
