using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// The spike-indexed convolution on the managed CPU path. Bit-identical to im2col + <see cref="DenseCpu"/>
/// on the same data: a spike multiplies by exactly 1 and a zero adds exactly 0, so skipping zeros
/// changes nothing as long as the nonzero terms are summed in the GEMM's order. Each sum therefore
/// runs over the reduction index in ascending order, in the blocks <see cref="DenseCpu.ReductionBlock"/>
/// reports for the GEMM that im2col would have run (each block from 0, added to the result in order).
/// The input gradient computes one ∂cols row at a time (the GEMM's per-element sums) and scatters it
/// exactly as <see cref="ConvCpu.Col2Im"/> does, in ascending output position.
/// </summary>
public sealed unsafe class SpikeConvCpu : ISpikeConvKernels
{
    private readonly CpuBackend _backend;

    public SpikeConvCpu(CpuBackend backend) => _backend = backend;

    /// <summary>On the CPU skipping ~80 % zeros and the im2col copy beats the blocked GEMM (see BENCHMARKS.md, W2).</summary>
    public bool Preferred => true;

    private DenseCpu Dense => (DenseCpu)_backend.Dense;

    public void Pack(ConvShape s, DeviceBuffer<float> input, DeviceBuffer<uint> masks)
    {
        SpikeConvArguments.Pack(_backend, s, input, masks);
        var x = input.Host;
        var m = masks.Host;
        int c = s.C, bad = 0;
        _backend.ParallelChunks(SpikeConvArguments.MaskLength(s), (start, end) =>
        {
            fixed (float* px = x)
            fixed (uint* pm = m)
            {
                bool ok = true;
                for (long i = start; i < end; i++)
                {
                    float* v = px + i * c;
                    uint bits = 0;
                    int ch = 0;
                    if (Vector256.IsHardwareAccelerated)
                        for (; ch <= c - 8; ch += 8)
                        {
                            var a = Vector256.Load(v + ch);
                            var zero = Vector256.Equals(a, Vector256<float>.Zero);
                            ok &= (zero | Vector256.Equals(a, Vector256<float>.One)).ExtractMostSignificantBits() == 0xFFu;
                            bits |= (~zero.ExtractMostSignificantBits() & 0xFFu) << ch;
                        }
                    for (; ch < c; ch++)
                    {
                        float f = v[ch];
                        ok &= f == 0f || f == 1f;
                        bits |= (f != 0f ? 1u : 0u) << ch;
                    }
                    pm[i] = bits;
                }
                if (!ok) Interlocked.Exchange(ref bad, 1);
            }
        });
        if (bad != 0)
            throw new ArgumentException($"The spike-indexed convolution needs an input of 0s and 1s (spikes); {s}'s input holds other values.");
    }

    /// <summary>Sampled density of the im2col matrix the masks stand for (same positions as the GEMM would sample).</summary>
    private static double ColsDensity(ConvShape s, uint[] m) => DenseCpu.SampledDensity(at =>
    {
        long p = at / s.Patch;
        int k = (int)(at - p * s.Patch), tap = k / s.C, c = k - tap * s.C, ky = tap / s.K, kx = tap - ky * s.K;
        int pixels = s.Ho * s.Wo;
        long r = p / pixels;
        int q = (int)(p - r * pixels), oy = q / s.Wo, ox = q - oy * s.Wo;
        int y = oy + ky - s.Padding, x = ox + kx - s.Padding;
        return y >= 0 && y < s.H && x >= 0 && x < s.W && (m[(r * s.H + y) * s.W + x] >> c & 1u) != 0;
    }, s.ColsLength);

    private static int RoundUp(int n, int m) => (n + m - 1) / m * m;

    public void Forward(ConvShape s, DeviceBuffer<uint> masks, DeviceBuffer<float> weight, DeviceBuffer<float> output)
    {
        SpikeConvArguments.Forward(_backend, s, masks, weight, output);
        var m = masks.Host;
        var w = weight.Host;
        var y = output.Host;
        var op = new GemmOp(s.OutputPixels, s.O, s.Patch, TransA: false, TransB: true);
        int block = Dense.ReductionBlock(op, ColsDensity(s, m), DenseCpu.SampledDensity(i => w[i] != 0f, s.WeightLength));
        int vc = Vector<float>.Count, ld = RoundUp(s.O, vc);
        // Wᵀ [Patch, ld]: one spike's contribution to all O outputs is a contiguous, zero-padded row.
        var wt = ArrayPool<float>.Shared.Rent(s.Patch * ld);
        try
        {
            Array.Clear(wt, 0, s.Patch * ld);
            for (int o = 0; o < s.O; o++)
                for (int k = 0; k < s.Patch; k++) wt[k * ld + o] = w[(long)o * s.Patch + k];
            bool fast = ld == 4 * vc && block >= s.Patch;
            _backend.ParallelFor(s.R * s.Ho, item =>
            {
                int r = item / s.Ho, oy = item - r * s.Ho;
                float* spill = stackalloc float[2 * ld];
                fixed (uint* pm = m)
                fixed (float* pw = wt, py = y)
                    for (int ox = 0; ox < s.Wo; ox++)
                    {
                        float* dst = py + ((long)item * s.Wo + ox) * s.O;
                        if (fast) ForwardPixel4(s, pm, pw, r, oy, ox, dst, spill);
                        else ForwardPixel(s, pm, pw, ld, block, r, oy, ox, dst, spill);
                    }
            });
        }
        finally { ArrayPool<float>.Shared.Return(wt); }
    }

    /// <summary>O = 4 vectors and one reduction block: the accumulators stay in registers.</summary>
    private static void ForwardPixel4(ConvShape s, uint* pm, float* wt, int r, int oy, int ox, float* dst, float* spill)
    {
        int vc = Vector<float>.Count, ld = 4 * vc;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int ky = 0; ky < s.K; ky++)
        {
            int y = oy + ky - s.Padding;
            if (y < 0 || y >= s.H) continue;
            for (int kx = 0; kx < s.K; kx++)
            {
                int x = ox + kx - s.Padding;
                if (x < 0 || x >= s.W) continue;
                uint bits = pm[((long)r * s.H + y) * s.W + x];
                float* row = wt + (long)(ky * s.K + kx) * s.C * ld;
                while (bits != 0)
                {
                    float* wr = row + BitOperations.TrailingZeroCount(bits) * ld;
                    bits &= bits - 1;
                    a0 += Vector.Load(wr);
                    a1 += Vector.Load(wr + vc);
                    a2 += Vector.Load(wr + 2 * vc);
                    a3 += Vector.Load(wr + 3 * vc);
                }
            }
        }
        if (s.O == ld)
        {
            a0.Store(dst); a1.Store(dst + vc); a2.Store(dst + 2 * vc); a3.Store(dst + 3 * vc);
            return;
        }
        a0.Store(spill); a1.Store(spill + vc); a2.Store(spill + 2 * vc); a3.Store(spill + 3 * vc);
        for (int o = 0; o < s.O; o++) dst[o] = spill[o];
    }

    /// <summary>Any O and any reduction block: sums over k in blocks of <paramref name="block"/>, each from 0, added in order.</summary>
    private static void ForwardPixel(ConvShape s, uint* pm, float* wt, int ld, int block, int r, int oy, int ox, float* dst, float* scratch)
    {
        float* acc = scratch, total = scratch + ld;
        new Span<float>(scratch, 2 * ld).Clear();
        long next = block;
        for (int ky = 0; ky < s.K; ky++)
        {
            int y = oy + ky - s.Padding;
            if (y < 0 || y >= s.H) continue;
            for (int kx = 0; kx < s.K; kx++)
            {
                int x = ox + kx - s.Padding;
                if (x < 0 || x >= s.W) continue;
                uint bits = pm[((long)r * s.H + y) * s.W + x];
                int kBase = (ky * s.K + kx) * s.C;
                while (bits != 0)
                {
                    int k = kBase + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    for (; k >= next; next += block) Fold(total, acc, ld);
                    AddRow(acc, wt + (long)k * ld, ld);
                }
            }
        }
        Fold(total, acc, ld);
        for (int o = 0; o < s.O; o++) dst[o] = total[o];
    }

    /// <summary>total += acc; acc = 0 (the end of a reduction block).</summary>
    private static void Fold(float* total, float* acc, int n)
    {
        AddRow(total, acc, n);
        new Span<float>(acc, n).Clear();
    }

    /// <summary>dst[j] += src[j] for j &lt; n, n a multiple of the vector width.</summary>
    private static void AddRow(float* dst, float* src, int n)
    {
        int vc = Vector<float>.Count;
        for (int j = 0; j < n; j += vc) (Vector.Load(dst + j) + Vector.Load(src + j)).Store(dst + j);
    }

    public void WeightGrad(ConvShape s, DeviceBuffer<float> gradOutput, DeviceBuffer<uint> masks, DeviceBuffer<float> gradWeight, bool accumulate)
    {
        SpikeConvArguments.WeightGrad(_backend, s, gradOutput, masks, gradWeight);
        var g = gradOutput.Host;
        var m = masks.Host;
        var gw = gradWeight.Host;
        var op = new GemmOp(s.O, s.Patch, s.OutputPixels, TransA: true, Beta: accumulate ? 1f : 0f);
        int block = Dense.ReductionBlock(op, DenseCpu.SampledDensity(i => g[i] != 0f, s.OutputLength), ColsDensity(s, m));
        int vc = Vector<float>.Count, ld = RoundUp(s.O, vc), vecO = s.O / vc * vc;
        // One task per kernel tap (ky, kx): it owns ∂W[:, tap, :] and scans every output pixel in
        // ascending order, so each sum has the GEMM's order no matter how tasks are scheduled.
        _backend.ParallelFor(s.K * s.K, tap =>
        {
            int ky = tap / s.K, kx = tap - ky * s.K, span = s.C * ld;
            var buffer = ArrayPool<float>.Shared.Rent(2 * span);
            try
            {
                fixed (float* pb = buffer, pg = g, pgw = gw)
                fixed (uint* pm = m)
                {
                    float* acc = pb, total = pb + span;
                    new Span<float>(pb, 2 * span).Clear();
                    // β·∂W with β = 1 when accumulating: the GEMM adds its first block to the old ∂W.
                    if (accumulate)
                        for (int c = 0; c < s.C; c++)
                            for (int o = 0; o < s.O; o++) total[c * ld + o] = pgw[(long)o * s.Patch + tap * s.C + c];
                    long p = 0, next = block;
                    for (int r = 0; r < s.R; r++)
                        for (int oy = 0; oy < s.Ho; oy++)
                        {
                            int y = oy + ky - s.Padding;
                            bool rowInside = y >= 0 && y < s.H;
                            for (int ox = 0; ox < s.Wo; ox++, p++)
                            {
                                if (p == next)
                                {
                                    Fold(total, acc, span);
                                    next += block;
                                }
                                int x = ox + kx - s.Padding;
                                if (!rowInside || x < 0 || x >= s.W) continue;
                                uint bits = pm[((long)r * s.H + y) * s.W + x];
                                float* gp = pg + p * s.O;
                                while (bits != 0)
                                {
                                    float* a = acc + BitOperations.TrailingZeroCount(bits) * ld;
                                    bits &= bits - 1;
                                    int o = 0;
                                    for (; o < vecO; o += vc) (Vector.Load(a + o) + Vector.Load(gp + o)).Store(a + o);
                                    for (; o < s.O; o++) a[o] += gp[o];
                                }
                            }
                        }
                    Fold(total, acc, span);
                    for (int c = 0; c < s.C; c++)
                        for (int o = 0; o < s.O; o++) pgw[(long)o * s.Patch + tap * s.C + c] = total[c * ld + o];
                }
            }
            finally { ArrayPool<float>.Shared.Return(buffer); }
        });
    }

    public void InputGrad(ConvShape s, DeviceBuffer<float> gradOutput, DeviceBuffer<float> weight, DeviceBuffer<float> gradInput)
    {
        SpikeConvArguments.InputGrad(_backend, s, gradOutput, weight, gradInput);
        var g = gradOutput.Host;
        var w = weight.Host;
        var gi = gradInput.Host;
        var op = new GemmOp(s.OutputPixels, s.Patch, s.O);
        int block = Dense.ReductionBlock(op, DenseCpu.SampledDensity(i => g[i] != 0f, s.OutputLength),
            DenseCpu.SampledDensity(i => w[i] != 0f, s.WeightLength));
        int ho = s.Ho, wo = s.Wo, k = s.K, c = s.C, pad = s.Padding, patch = s.Patch;
        long image = (long)s.H * s.W * c;
        // One image per task, like ConvCpu.Col2Im: output pixels in ascending order, each ∂cols row
        // computed into a small buffer and scattered into the image, so every input element receives
        // its terms in the same order as Col2Im(∂output·W).
        _backend.ParallelFor(s.R, r =>
        {
            var row = ArrayPool<float>.Shared.Rent(patch);
            try
            {
                fixed (float* pg = g, pw = w, pgi = gi, prow = row)
                {
                    float* img = pgi + r * image;
                    new Span<float>(img, (int)image).Clear();
                    for (int oy = 0; oy < ho; oy++)
                        for (int ox = 0; ox < wo; ox++)
                        {
                            long p = ((long)r * ho + oy) * wo + ox;
                            GradColsRow(pg + p * s.O, pw, s.O, patch, block, prow);
                            int x0 = ox - pad;
                            int lo = Math.Max(0, -x0), hi = Math.Min(k, s.W - x0);
                            if (hi <= lo) continue;
                            for (int ky = 0; ky < k; ky++)
                            {
                                int y = oy + ky - pad;
                                if (y < 0 || y >= s.H) continue;
                                Add(img + ((long)y * s.W + x0 + lo) * c, prow + (ky * k + lo) * c, (hi - lo) * c);
                            }
                        }
                }
            }
            finally { ArrayPool<float>.Shared.Return(row); }
        });
    }

    /// <summary>
    /// dst[j] = Σ_o g[o]·W[o, j] for j &lt; n, summed over o in ascending order with FMA in blocks of
    /// <paramref name="block"/> (each from 0, added in order): one row of the GEMM ∂output·W. Six
    /// vector accumulators at a time keep six independent FMA chains in flight.
    /// </summary>
    private static void GradColsRow(float* g, float* w, int outputs, int n, int block, float* dst)
    {
        int vc = Vector<float>.Count, j = 0;
        new Span<float>(dst, n).Clear();
        for (int o0 = 0; o0 < outputs; o0 += block)
        {
            int o1 = (int)Math.Min(outputs, (long)o0 + block);
            for (j = 0; j <= n - 6 * vc; j += 6 * vc)
            {
                Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
                for (int o = o0; o < o1; o++)
                {
                    var x = new Vector<float>(g[o]);
                    float* wr = w + (long)o * n + j;
                    a0 = Vector.FusedMultiplyAdd(x, Vector.Load(wr), a0);
                    a1 = Vector.FusedMultiplyAdd(x, Vector.Load(wr + vc), a1);
                    a2 = Vector.FusedMultiplyAdd(x, Vector.Load(wr + 2 * vc), a2);
                    a3 = Vector.FusedMultiplyAdd(x, Vector.Load(wr + 3 * vc), a3);
                    a4 = Vector.FusedMultiplyAdd(x, Vector.Load(wr + 4 * vc), a4);
                    a5 = Vector.FusedMultiplyAdd(x, Vector.Load(wr + 5 * vc), a5);
                }
                (Vector.Load(dst + j) + a0).Store(dst + j);
                (Vector.Load(dst + j + vc) + a1).Store(dst + j + vc);
                (Vector.Load(dst + j + 2 * vc) + a2).Store(dst + j + 2 * vc);
                (Vector.Load(dst + j + 3 * vc) + a3).Store(dst + j + 3 * vc);
                (Vector.Load(dst + j + 4 * vc) + a4).Store(dst + j + 4 * vc);
                (Vector.Load(dst + j + 5 * vc) + a5).Store(dst + j + 5 * vc);
            }
            for (; j <= n - vc; j += vc)
            {
                Vector<float> a = default;
                for (int o = o0; o < o1; o++) a = Vector.FusedMultiplyAdd(new Vector<float>(g[o]), Vector.Load(w + (long)o * n + j), a);
                (Vector.Load(dst + j) + a).Store(dst + j);
            }
            for (; j < n; j++)
            {
                float a = 0f;
                for (int o = o0; o < o1; o++) a = MathF.FusedMultiplyAdd(g[o], w[(long)o * n + j], a);
                dst[j] += a;
            }
        }
    }

    /// <summary>dst[j] += src[j] for j &lt; n (elementwise, so the per-element order is the caller's loop order).</summary>
    private static void Add(float* dst, float* src, int n)
    {
        int j = 0, vc = Vector<float>.Count;
        for (; j <= n - vc; j += vc) Vector.Store(Vector.Load(dst + j) + Vector.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }
}
