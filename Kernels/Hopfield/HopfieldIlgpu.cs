using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Hopfield;

/// <summary>
/// ILGPU implementation (CUDA, OpenCL, ILGPU CPU). The asynchronous dynamics is sequential within
/// a trial, so it runs one thread per trial: the thread owns row t of the state and field
/// buffers and walks the neurons in the fixed order 0..N−1. The elementwise helpers run one
/// thread per element; the sign step and the overlaps run one thread per trial with a fixed-order loop.
/// </summary>
public sealed class HopfieldIlgpu : IHopfieldKernels
{
    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;

    public HopfieldIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
    }

    // ───────────────────────────── kernels ─────────────────────────────

    internal static void ScaleRowsKernel(Index1D i, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> y, int cols) =>
        y[i] = x[i] * scale[i / cols];

    internal static void ZeroDiagonalKernel(Index1D i, ArrayView<float> m, int n) => m[i * n + i] = 0f;

    internal static void AsyncKernel(Index1D t, ArrayView<float> j, ArrayView<float> s, ArrayView<float> h,
        ArrayView<int> sweeps, HopfieldArgs a)
    {
        int n = a.N;
        int row = t * n;
        int sweep = 0;
        bool converged = false;
        while (sweep < a.MaxSweeps)
        {
            sweep++;
            int flips = 0;
            for (int i = 0; i < n; i++)
            {
                float si = s[row + i];
                if (si * h[row + i] < 0f)
                {
                    float sn = -si;
                    s[row + i] = sn;
                    flips++;
                    float c = 2f * sn;
                    int jr = i * n;
                    int k = 0;
                    // Loop unrolling is off in ILGPU 1.5.3: unroll the field update by hand.
                    for (; k + 4 <= n; k += 4)
                    {
                        h[row + k] += c * j[jr + k];
                        h[row + k + 1] += c * j[jr + k + 1];
                        h[row + k + 2] += c * j[jr + k + 2];
                        h[row + k + 3] += c * j[jr + k + 3];
                    }
                    for (; k < n; k++) h[row + k] += c * j[jr + k];
                }
            }
            if (flips == 0)
            {
                converged = true;
                break;
            }
        }
        sweeps[t] = converged ? sweep : -sweep;
    }

    internal static void SignStepKernel(Index1D t, ArrayView<float> h, ArrayView<float> s, ArrayView<float> prev,
        ArrayView<int> status, HopfieldArgs a)
    {
        int row = t * a.N;
        bool same = true, cycle = true;
        for (int i = 0; i < a.N; i++)
        {
            float si = s[row + i];
            float hi = h[row + i];
            float ni = hi > 0f ? 1f : hi < 0f ? -1f : si;
            if (ni != si) same = false;
            if (ni != prev[row + i]) cycle = false;
            prev[row + i] = si;
            s[row + i] = ni;
        }
        status[t] = same ? 1 : cycle ? 2 : 0;
    }

    internal static void OverlapKernel(Index1D t, ArrayView<float> p, ArrayView<float> s, ArrayView<float> m, HopfieldArgs a)
    {
        int row = t * a.N;
        int pr = (t + a.FirstPattern) * a.N;
        float sum = 0f;
        for (int i = 0; i < a.N; i++) sum += p[pr + i] * s[row + i];
        m[t] = sum / a.N;
    }

    // ───────────────────────────── launches ─────────────────────────────

    public void ScaleRows(int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> scale, DeviceBuffer<float> y)
    {
        long len = HopfieldArguments.ScaleRows(_backend, rows, cols, x, scale, y);
        _cache.Get("hopfield.scale-rows", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(
            ScaleRowsKernel))((int)len, x.View, scale.View, y.View, cols);
    }

    public void ZeroDiagonal(int n, DeviceBuffer<float> matrix)
    {
        HopfieldArguments.ZeroDiagonal(_backend, n, matrix);
        _cache.Get("hopfield.zero-diagonal", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int>(
            ZeroDiagonalKernel))(n, matrix.View, n);
    }

    public void AsyncRetrieve(HopfieldArgs args, DeviceBuffer<float> couplings, DeviceBuffer<float> state,
        DeviceBuffer<float> fields, DeviceBuffer<int> sweeps)
    {
        HopfieldArguments.AsyncRetrieve(_backend, args, couplings, state, fields, sweeps);
        _cache.Get("hopfield.async", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, HopfieldArgs>(
            AsyncKernel))(args.Trials, couplings.View, state.View, fields.View, sweeps.View, args);
    }

    public void SignStep(HopfieldArgs args, DeviceBuffer<float> fields, DeviceBuffer<float> state,
        DeviceBuffer<float> previous, DeviceBuffer<int> status)
    {
        HopfieldArguments.SignStep(_backend, args, fields, state, previous, status);
        _cache.Get("hopfield.sign-step", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, HopfieldArgs>(
            SignStepKernel))(args.Trials, fields.View, state.View, previous.View, status.View, args);
    }

    public void Overlaps(HopfieldArgs args, DeviceBuffer<float> patterns, DeviceBuffer<float> state, DeviceBuffer<float> overlaps)
    {
        HopfieldArguments.Overlaps(_backend, args, patterns, state, overlaps);
        _cache.Get("hopfield.overlaps", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, HopfieldArgs>(
            OverlapKernel))(args.Trials, patterns.View, state.View, overlaps.View, args);
    }
}
