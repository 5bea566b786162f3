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
            // The K masks of one kernel row as one word when K·C ≤ 64: bit kx·C + c, so a bit's position
            // is its k within the row, and one loop (one mispredicted exit) serves the whole row.
            if (s.K * s.C <= 64)
            {
                ulong bits = RowBits(s, pm, r, y, ox);
                float* row = wt + (long)ky * s.K * s.C * ld;
                while (bits != 0)
                {
                    float* wr = row + BitOperations.TrailingZeroCount(bits) * ld;
                    bits &= bits - 1;
                    a0 += Vector.Load(wr);
                    a1 += Vector.Load(wr + vc);
                    a2 += Vector.Load(wr + 2 * vc);
                    a3 += Vector.Load(wr + 3 * vc);
                }
                continue;
            }
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

    /// <summary>The masks of input row y under kernel columns kx = 0..K−1 at output column ox, mask kx at bit kx·C (0 in the padding); K·C ≤ 64.</summary>
    private static ulong RowBits(ConvShape s, uint* pm, int r, int y, int ox)
    {
        ulong bits = 0;
        uint* row = pm + ((long)r * s.H + y) * s.W;
        for (int kx = 0; kx < s.K; kx++)
        {
            int x = ox + kx - s.Padding;
            if (x >= 0 && x < s.W) bits |= (ulong)row[x] << (kx * s.C);
        }
        return bits;
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
        int vc = Vector<float>.Count, ld = RoundUp(s.O, vc), len = s.Patch * ld, rows = s.OutputPixels;
        // The GEMM sums ∂W over output pixels in blocks (each from 0), then adds the blocks in order.
        // The blocks are independent, so tasks compute them in parallel into their own partials
        // ([k][o] with k = tap·C + c), each reading its ∂y rows once for all taps; a second pass
        // adds the partials to β·∂W in block order, element by element: the GEMM's exact sums.
        int blocks = block == int.MaxValue ? 1 : (rows + block - 1) / block;
        int span = blocks == 1 ? rows : block;
        var partial = ArrayPool<float>.Shared.Rent(blocks * len);
        try
        {
            _backend.ParallelFor(blocks, bi =>
            {
                fixed (float* pp = partial, pg = g)
                fixed (uint* pm = m)
                    WeightGradBlock(s, pg, pm, pp + (long)bi * len, ld, bi * span, Math.Min(rows, (bi + 1) * span));
            });
            int chunks = Math.Min(len / vc, 4 * _backend.Threads), per = (len / vc + chunks - 1) / chunks * vc;
            _backend.ParallelFor(chunks, ci =>
            {
                int j0 = ci * per, j1 = Math.Min(len, j0 + per);
                if (j0 >= j1) return;
                fixed (float* pp = partial, pgw = gw)
                {
                    // total[k][o] = β·∂W[o][k] (β = 1 when accumulating), then + each block in order.
                    for (int j = j0; j < j1; j++)
                    {
                        int k = j / ld, o = j - k * ld;
                        if (o >= s.O) continue;
                        long at = (long)o * s.Patch + k;
                        float total = accumulate ? pgw[at] : 0f;
                        for (int bi = 0; bi < blocks; bi++) total += pp[(long)bi * len + j];
                        pgw[at] = total;
                    }
                }
            });
        }
        finally { ArrayPool<float>.Shared.Return(partial); }
    }

    /// <summary>acc[k][o] = Σ over output pixels p in [p0, p1), ascending, whose input at k spiked, of ∂y[p, o].</summary>
    private static void WeightGradBlock(ConvShape s, float* g, uint* m, float* acc, int ld, int p0, int p1)
    {
        int vc = Vector<float>.Count, vecO = s.O / vc * vc, pixels = s.Ho * s.Wo;
        new Span<float>(acc, s.Patch * ld).Clear();
        int r = p0 / pixels, q = p0 - r * pixels, oy = q / s.Wo, ox = q - oy * s.Wo;
        bool four = s.O == 4 * vc, rowWord = s.K * s.C <= 64;
        for (int p = p0; p < p1; p++)
        {
            float* gp = g + (long)p * s.O;
            Vector<float> g0 = default, g1 = default, g2 = default, g3 = default;
            if (four) { g0 = Vector.Load(gp); g1 = Vector.Load(gp + vc); g2 = Vector.Load(gp + 2 * vc); g3 = Vector.Load(gp + 3 * vc); }
            for (int ky = 0; ky < s.K; ky++)
            {
                int y = oy + ky - s.Padding;
                if (y < 0 || y >= s.H) continue;
                if (rowWord)
                {
                    // One word for the kernel row (see RowBits): bit position = k within the row.
                    ulong bits = RowBits(s, m, r, y, ox);
                    float* rowAcc = acc + (long)ky * s.K * s.C * ld;
                    while (bits != 0)
                    {
                        float* a = rowAcc + BitOperations.TrailingZeroCount(bits) * ld;
                        bits &= bits - 1;
                        AddG(a, gp, s.O, vecO, vc, four, g0, g1, g2, g3);
                    }
                    continue;
                }
                for (int kx = 0; kx < s.K; kx++)
                {
                    int x = ox + kx - s.Padding;
                    if (x < 0 || x >= s.W) continue;
                    uint bits = m[((long)r * s.H + y) * s.W + x];
                    float* tapAcc = acc + (long)(ky * s.K + kx) * s.C * ld;
                    while (bits != 0)
                    {
                        float* a = tapAcc + BitOperations.TrailingZeroCount(bits) * ld;
                        bits &= bits - 1;
                        AddG(a, gp, s.O, vecO, vc, four, g0, g1, g2, g3);
                    }
                }
            }
            if (++ox == s.Wo)
            {
                ox = 0;
                if (++oy == s.Ho) { oy = 0; r++; }
            }
        }
    }

    /// <summary>a[o] += ∂y[p, o] for o &lt; O (four preloaded vectors when O is exactly four vectors).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void AddG(float* a, float* gp, int outputs, int vecO, int vc, bool four,
        Vector<float> g0, Vector<float> g1, Vector<float> g2, Vector<float> g3)
    {
        if (four)
        {
            (Vector.Load(a) + g0).Store(a);
            (Vector.Load(a + vc) + g1).Store(a + vc);
            (Vector.Load(a + 2 * vc) + g2).Store(a + 2 * vc);
            (Vector.Load(a + 3 * vc) + g3).Store(a + 3 * vc);
            return;
        }
        int o = 0;
        for (; o < vecO; o += vc) (Vector.Load(a + o) + Vector.Load(gp + o)).Store(a + o);
        for (; o < outputs; o++) a[o] += gp[o];
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
            // ∂cols rows of up to Group output pixels of one output row, computed together (they share every W load).
            var rows = ArrayPool<float>.Shared.Rent(Group * patch);
            try
            {
                fixed (float* pg = g, pw = w, pgi = gi, prows = rows)
                {
                    float* img = pgi + r * image;
                    new Span<float>(img, (int)image).Clear();
                    for (int oy = 0; oy < ho; oy++)
                        for (int ox0 = 0; ox0 < wo; ox0 += Group)
                        {
                            int count = Math.Min(Group, wo - ox0);
                            long p0 = ((long)r * ho + oy) * wo + ox0;
                            if (count == Group) GradColsRows4(pg + p0 * s.O, pw, s.O, patch, block, prows);
                            else
                                for (int i = 0; i < count; i++) GradColsRow(pg + (p0 + i) * s.O, pw, s.O, patch, block, prows + i * patch);
                            for (int i = 0; i < count; i++)
                            {
                                int x0 = ox0 + i - pad;
                                int lo = Math.Max(0, -x0), hi = Math.Min(k, s.W - x0);
                                if (hi <= lo) continue;
                                for (int ky = 0; ky < k; ky++)
                                {
                                    int y = oy + ky - pad;
                                    if (y < 0 || y >= s.H) continue;
                                    Add(img + ((long)y * s.W + x0 + lo) * c, prows + i * patch + (ky * k + lo) * c, (hi - lo) * c);
                                }
                            }
                        }
                }
            }
            finally { ArrayPool<float>.Shared.Return(rows); }
        });
    }

    /// <summary>Output pixels whose ∂cols rows <see cref="GradColsRows4"/> computes together.</summary>
    private const int Group = 4;

    /// <summary>
    /// <see cref="GradColsRow"/> for four consecutive ∂y rows (stride <paramref name="outputs"/>) into
    /// dst[4][n]: 4 rows × 3 vectors = 12 accumulators, each W load used four times. Every element is
    /// still one FMA chain over o in ascending order (in the same blocks), so the values are identical.
    /// </summary>
    private static void GradColsRows4(float* g, float* w, int outputs, int n, int block, float* dst)
    {
        int vc = Vector<float>.Count, j = 0;
        new Span<float>(dst, Group * n).Clear();
        float* g1 = g + outputs, g2 = g + 2 * outputs, g3 = g + 3 * outputs;
        float* d1 = dst + n, d2 = dst + 2 * n, d3 = dst + 3 * n;
        for (int o0 = 0; o0 < outputs; o0 += block)
        {
            int o1 = (int)Math.Min(outputs, (long)o0 + block);
            for (j = 0; j <= n - 3 * vc; j += 3 * vc)
            {
                Vector<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default,
                    a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
                for (int o = o0; o < o1; o++)
                {
                    float* wr = w + (long)o * n + j;
                    var w0 = Vector.Load(wr);
                    var w1 = Vector.Load(wr + vc);
                    var w2 = Vector.Load(wr + 2 * vc);
                    var x = new Vector<float>(g[o]);
                    a00 = Vector.FusedMultiplyAdd(x, w0, a00); a01 = Vector.FusedMultiplyAdd(x, w1, a01); a02 = Vector.FusedMultiplyAdd(x, w2, a02);
                    x = new Vector<float>(g1[o]);
                    a10 = Vector.FusedMultiplyAdd(x, w0, a10); a11 = Vector.FusedMultiplyAdd(x, w1, a11); a12 = Vector.FusedMultiplyAdd(x, w2, a12);
                    x = new Vector<float>(g2[o]);
                    a20 = Vector.FusedMultiplyAdd(x, w0, a20); a21 = Vector.FusedMultiplyAdd(x, w1, a21); a22 = Vector.FusedMultiplyAdd(x, w2, a22);
                    x = new Vector<float>(g3[o]);
                    a30 = Vector.FusedMultiplyAdd(x, w0, a30); a31 = Vector.FusedMultiplyAdd(x, w1, a31); a32 = Vector.FusedMultiplyAdd(x, w2, a32);
                }
                AddTo(dst + j, vc, a00, a01, a02);
                AddTo(d1 + j, vc, a10, a11, a12);
                AddTo(d2 + j, vc, a20, a21, a22);
                AddTo(d3 + j, vc, a30, a31, a32);
            }
        }
        // Columns left over (n not a multiple of 3 vectors): row by row.
        if (j < n)
            for (int i = 0; i < Group; i++) GradColsTail(g + (long)i * outputs, w, outputs, n, block, dst + (long)i * n, j);
    }

    private static void AddTo(float* d, int vc, Vector<float> a, Vector<float> b, Vector<float> c)
    {
        (Vector.Load(d) + a).Store(d);
        (Vector.Load(d + vc) + b).Store(d + vc);
        (Vector.Load(d + 2 * vc) + c).Store(d + 2 * vc);
    }

    /// <summary>Columns [j0, n) of one ∂cols row, added to dst (which holds 0 there): vectors, then scalars.</summary>
    private static void GradColsTail(float* g, float* w, int outputs, int n, int block, float* dst, int j0)
    {
        int vc = Vector<float>.Count;
        for (int o0 = 0; o0 < outputs; o0 += block)
        {
            int o1 = (int)Math.Min(outputs, (long)o0 + block), j = j0;
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
