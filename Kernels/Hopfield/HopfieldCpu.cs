using System.Numerics;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Hopfield;

/// <summary>
/// Fast managed implementation: trials run in parallel (Parallel.For over rows), and a flip's
/// field update h += 2·s_i·J[i, :] is a contiguous Vector&lt;float&gt; axpy over row i of J
/// (J is symmetric, so row i is column i). The per-element operations are those of the ILGPU
/// kernel (h + (±2)·J with an exact product), so both give bit-identical states.
/// </summary>
public sealed unsafe class HopfieldCpu : IHopfieldKernels
{
    private readonly CpuBackend _backend;

    public HopfieldCpu(CpuBackend backend) => _backend = backend;

    public void ScaleRows(int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> scale, DeviceBuffer<float> y)
    {
        HopfieldArguments.ScaleRows(_backend, rows, cols, x, scale, y);
        var X = x.Host; var S = scale.Host; var Y = y.Host;
        _backend.ParallelFor(rows, r =>
        {
            var src = X.AsSpan(r * cols, cols);
            var dst = Y.AsSpan(r * cols, cols);
            var sv = new Vector<float>(S[r]);
            int vc = Vector<float>.Count, k = 0;
            for (; k <= cols - vc; k += vc) (new Vector<float>(src.Slice(k)) * sv).CopyTo(dst.Slice(k));
            for (; k < cols; k++) dst[k] = src[k] * S[r];
        });
    }

    public void ZeroDiagonal(int n, DeviceBuffer<float> matrix)
    {
        HopfieldArguments.ZeroDiagonal(_backend, n, matrix);
        var m = matrix.Host;
        for (long i = 0; i < n; i++) m[i * n + i] = 0f;
    }

    public void AsyncRetrieve(HopfieldArgs args, DeviceBuffer<float> couplings, DeviceBuffer<float> state,
        DeviceBuffer<float> fields, DeviceBuffer<int> sweeps)
    {
        HopfieldArguments.AsyncRetrieve(_backend, args, couplings, state, fields, sweeps);
        var J = couplings.Host; var S = state.Host; var H = fields.Host; var W = sweeps.Host;
        int n = args.N;
        _backend.ParallelFor(args.Trials, t =>
        {
            fixed (float* pj = J, ps = S, ph = H)
                W[t] = Trial(n, args.MaxSweeps, pj, ps + (long)t * n, ph + (long)t * n);
        });
    }

    private static int Trial(int n, int maxSweeps, float* j, float* s, float* h)
    {
        int vc = Vector<float>.Count;
        for (int sweep = 1; sweep <= maxSweeps; sweep++)
        {
            int flips = 0;
            for (int i = 0; i < n; i++)
            {
                float si = s[i];
                if (si * h[i] >= 0f) continue;
                float sn = -si;
                s[i] = sn;
                flips++;
                float c = 2f * sn;
                var cv = new Vector<float>(c);
                float* row = j + (long)i * n;
                int k = 0;
                for (; k <= n - vc; k += vc)
                    (Vector.Load(h + k) + cv * Vector.Load(row + k)).Store(h + k);
                for (; k < n; k++) h[k] += c * row[k];
            }
            if (flips == 0) return sweep;
        }
        return -maxSweeps;
    }

    public void SignStep(HopfieldArgs args, DeviceBuffer<float> fields, DeviceBuffer<float> state,
        DeviceBuffer<float> previous, DeviceBuffer<int> status)
    {
        HopfieldArguments.SignStep(_backend, args, fields, state, previous, status);
        var H = fields.Host; var S = state.Host; var P = previous.Host; var st = status.Host;
        int n = args.N;
        _backend.ParallelFor(args.Trials, t =>
        {
            bool same = true, cycle = true;
            int row = t * n;
            for (int i = row; i < row + n; i++)
            {
                float si = S[i], hi = H[i];
                float ni = hi > 0f ? 1f : hi < 0f ? -1f : si;
                if (ni != si) same = false;
                if (ni != P[i]) cycle = false;
                P[i] = si;
                S[i] = ni;
            }
            st[t] = same ? 1 : cycle ? 2 : 0;
        });
    }

    public void Overlaps(HopfieldArgs args, DeviceBuffer<float> patterns, DeviceBuffer<float> state, DeviceBuffer<float> overlaps)
    {
        HopfieldArguments.Overlaps(_backend, args, patterns, state, overlaps);
        var Pt = patterns.Host; var S = state.Host; var M = overlaps.Host;
        int n = args.N;
        _backend.ParallelFor(args.Trials, t =>
        {
            // ±1 products: the dot product is an integer, exact in any summation order.
            var p = Pt.AsSpan((t + args.FirstPattern) * n, n);
            var s = S.AsSpan(t * n, n);
            var acc = Vector<float>.Zero;
            int vc = Vector<float>.Count, k = 0;
            for (; k <= n - vc; k += vc) acc += new Vector<float>(p.Slice(k)) * new Vector<float>(s.Slice(k));
            float dot = Vector.Sum(acc);
            for (; k < n; k++) dot += p[k] * s[k];
            M[t] = dot / n;
        });
    }
}
