using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

/// <summary>Which algorithm <see cref="DenseCpu"/> used for its last GEMM (for benchmarks and tests).</summary>
public enum CpuGemmPath { None, Dense, SparseA, SparseB, ScaleOnly }

/// <summary>
/// Fast managed GEMM. Dense operands go through a GotoBLAS-style blocked product: op(B) is packed
/// once into NR-wide column panels, op(A) into MR-row panels per KC block, and a register-blocked
/// MR×NR micro-kernel (6 rows × 2 <see cref="Vector{T}"/>) accumulates in registers. Transposes
/// cost nothing extra because packing reads either layout. When an operand is mostly zeros
/// (spikes: binary, 5–20 % ones) the product skips its zeros instead: C[i,:] += a_ik·B[k,:] only
/// for nonzero a_ik, which does density × the dense work.
/// Every summation order depends only on the shapes, so results are deterministic.
/// </summary>
public sealed unsafe class DenseCpu : IDenseKernels
{
    private const int MR = 6;
    private const int KC = 256;
    private const int MC = 96; // MR multiple; an MC×KC panel of A (96 KB) stays in L2 across all column panels
    private static int VC => Vector<float>.Count;
    private static int NR => 2 * Vector<float>.Count;

    /// <summary>At or below this fraction of nonzeros the zero-skipping path is used (measured break-even on 2048×512×784: about 0.35).</summary>
    public const double SparseThreshold = 0.25;

    /// <summary>GEMMs below this many flops run on the calling thread (task start-up costs more than the work).</summary>
    private const double SerialFlops = 2e5;

    private readonly CpuBackend _backend;

    public DenseCpu(CpuBackend backend) => _backend = backend;

    public string GemmImplementation =>
        $"managed SIMD {MR}x{NR} register-blocked, zero-skipping below {SparseThreshold:P0} density, {_backend.Threads} threads";

    /// <summary>The path taken by the last <see cref="Gemm"/> call on this backend.</summary>
    public CpuGemmPath LastPath { get; private set; }

    /// <summary>Forces a path (null = automatic): for benchmarks and tests of both paths on the same data.</summary>
    public CpuGemmPath? ForcePath { get; set; }

    public GemmPrecision Precision { get; set; }

    public void Gemm(GemmOp op, DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c)
    {
        DenseArguments.Gemm(_backend, op, a, b, c);
        if (Precision != GemmPrecision.Fp32 && op.Alpha != 0f)
        {
            // Rounded copies of both operands, then the float32 product of those (fp32 accumulation).
            var ra = ArrayPool<float>.Shared.Rent((int)op.LengthA);
            var rb = ArrayPool<float>.Shared.Rent((int)op.LengthB);
            try
            {
                RoundInto(a.Host, ra, op.LengthA);
                RoundInto(b.Host, rb, op.LengthB);
                GemmArrays(op, ra, rb, c.Host);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(ra);
                ArrayPool<float>.Shared.Return(rb);
            }
            return;
        }
        GemmArrays(op, a.Host, b.Host, c.Host);
    }

    private void RoundInto(float[] src, float[] dst, long length)
    {
        int bits = GemmRounding.MantissaBits(Precision);
        _backend.ParallelChunks(length, (s, e) =>
        {
            for (long i = s; i < e; i++) dst[i] = GemmRounding.Round(src[i], bits);
        }, 2, 1 << 15);
    }

    private void GemmArrays(GemmOp op, float[] A, float[] B, float[] C)
    {
        bool parallel = op.Flops >= SerialFlops && _backend.Threads > 1;

        if (op.Alpha == 0f)
        {
            // BLAS semantics: with α = 0 the operands are not read.
            ScaleC(C, op.LengthC, op.Beta);
            LastPath = CpuGemmPath.ScaleOnly;
            return;
        }

        var path = ForcePath ?? Choose(op, A, B);
        LastPath = path;
        switch (path)
        {
            case CpuGemmPath.SparseA: SparseA(op, A, B, C, parallel); break;
            case CpuGemmPath.SparseB: SparseB(op, A, B, C, parallel); break;
            default: DenseGemm(op, A, B, C, parallel); break;
        }
    }

    /// <summary>Zero-skipping needs output rows at least this wide to beat the blocked kernel.</summary>
    public const int MinSparseWidth = 128;

    private static CpuGemmPath Choose(GemmOp op, float[] A, float[] B) =>
        Choose(op, SampledDensity(A, op.LengthA), SampledDensity(B, op.LengthB));

    /// <summary>
    /// The length of the blocks in which <see cref="Gemm"/> would sum the reduction (K) dimension of
    /// <paramref name="op"/> given its operands' sampled densities: <see cref="KC"/> for the blocked
    /// kernel (each block summed from 0, then added to C in block order), or the whole reduction for
    /// the zero-skipping paths (one running sum). Kernels that must reproduce this GEMM bit for bit
    /// without materialising an operand (the spike-indexed convolution) sum in the same blocks.
    /// </summary>
    public int ReductionBlock(GemmOp op, double densityA, double densityB) =>
        (ForcePath ?? Choose(op, densityA, densityB)) is CpuGemmPath.SparseA or CpuGemmPath.SparseB ? int.MaxValue : KC;

    /// <summary>The blocked kernel's reduction block (see <see cref="ReductionBlock"/>).</summary>
    public const int ReductionBlockDense = KC;

    private static CpuGemmPath Choose(GemmOp op, double dA, double dB)
    {
        // Zero-skipping only pays when the other operand's rows are long enough to vectorise.
        // (Measured: 2048×10×512 with 10 % spikes is faster dense.)
        // Zero-skipping loses to the blocked kernel on narrow outputs: the conv net's 32 channels and
        // the 10-class readout measured 1.5–4× slower zero-skipping (fully JIT-optimised code).
        if (dA <= SparseThreshold && dA <= dB && op.N >= MinSparseWidth) return CpuGemmPath.SparseA;
        if (dB <= SparseThreshold && op.M >= MinSparseWidth) return CpuGemmPath.SparseB;
        return CpuGemmPath.Dense;
    }

    /// <summary>
    /// Fraction of nonzeros among about 2048 elements at fixed pseudo-random positions (one per
    /// stride, jittered so periodic data cannot alias). Deterministic for given data.
    /// </summary>
    internal static double SampledDensity(float[] x, long length) => SampledDensity(i => x[i] != 0f, length);

    /// <summary>
    /// <see cref="SampledDensity(float[], long)"/> of an operand given by element (it need not exist
    /// as an array: the spike-indexed convolution asks about the im2col matrix it never builds).
    /// Same positions, so the same answer as for the materialised array.
    /// </summary>
    public static double SampledDensity(Func<long, bool> nonzero, long length)
    {
        const int Samples = 2048;
        if (length <= Samples)
        {
            int nz = 0;
            for (int i = 0; i < length; i++) if (nonzero(i)) nz++;
            return (double)nz / length;
        }
        long stride = length / Samples;
        int count = 0;
        uint h = 2166136261;
        for (int s = 0; s < Samples; s++)
        {
            h = h * 1664525u + 1013904223u;
            long at = s * stride + (long)((h >> 8) % (ulong)stride);
            if (nonzero(at)) count++;
        }
        return (double)count / Samples;
    }

    private void ScaleC(float[] C, long length, float beta)
    {
        var span = C.AsSpan(0, (int)length);
        if (beta == 0f) span.Clear();
        else if (beta != 1f)
        {
            var v = new Vector<float>(beta);
            var vs = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(span);
            for (int i = 0; i < vs.Length; i++) vs[i] *= v;
            for (int i = vs.Length * Vector<float>.Count; i < span.Length; i++) span[i] *= beta;
        }
    }

    private void For(bool parallel, int count, Action<int> body)
    {
        if (parallel) _backend.ParallelFor(count, body);
        else for (int i = 0; i < count; i++) body(i);
    }

    // ───────────────────────────── dense path ─────────────────────────────

    private void DenseGemm(GemmOp op, float[] A, float[] B, float[] C, bool parallel)
    {
        int M = op.M, N = op.N, K = op.K, nr = NR;
        int panels = (N + nr - 1) / nr;
        var bPack = ArrayPool<float>.Shared.Rent(panels * K * nr);
        try
        {
            For(parallel, panels, p => PackB(op, B, bPack, p));

            int rowBlocks = (M + MC - 1) / MC;
            // Split the columns too when there are too few row blocks to keep every thread busy.
            int want = parallel ? 2 * _backend.Threads : 1;
            int groups = Math.Min(panels, Math.Max(1, (want + rowBlocks - 1) / rowBlocks));
            int perGroup = (panels + groups - 1) / groups;
            groups = (panels + perGroup - 1) / perGroup;
            var args = new DenseArgs(M, N, K, op.TransA, op.Alpha, op.Beta, perGroup, panels);
            For(parallel, rowBlocks * groups, task => DenseTask(args, A, bPack, C, task / groups, task % groups));
        }
        finally { ArrayPool<float>.Shared.Return(bPack); }
    }

    private readonly record struct DenseArgs(int M, int N, int K, bool TransA, float Alpha, float Beta, int PanelsPerGroup, int Panels);

    /// <summary>Packs op(B)'s column panel p as [K][NR], zero-padded past column N.</summary>
    private static void PackB(GemmOp op, float[] B, float[] pack, int p)
    {
        int K = op.K, N = op.N, nr = NR, j0 = p * nr, width = Math.Min(nr, N - j0);
        fixed (float* pb = B, pp = pack)
        {
            float* dst = pp + (long)p * K * nr;
            if (!op.TransB)
            {
                // B stored [K,N]: each k contributes one contiguous run.
                for (int k = 0; k < K; k++)
                {
                    float* src = pb + (long)k * N + j0;
                    float* d = dst + (long)k * nr;
                    if (width == nr) { Vector.Load(src).Store(d); Vector.Load(src + VC).Store(d + VC); }
                    else
                    {
                        int j = 0;
                        for (; j < width; j++) d[j] = src[j];
                        for (; j < nr; j++) d[j] = 0f;
                    }
                }
            }
            else
            {
                // B stored [N,K]: read each row of B contiguously, write it down one panel column.
                for (int jj = 0; jj < nr; jj++)
                {
                    float* d = dst + jj;
                    if (jj < width)
                    {
                        float* src = pb + (long)(j0 + jj) * K;
                        for (int k = 0; k < K; k++) d[(long)k * nr] = src[k];
                    }
                    else for (int k = 0; k < K; k++) d[(long)k * nr] = 0f;
                }
            }
        }
    }

    /// <summary>Packs op(A)[i0.., k0..k0+kc) as MR-row panels [kc][MR], zero-padded past row M.</summary>
    private static void PackA(in DenseArgs g, float* pa, float* pack, int i0, int mc, int k0, int kc)
    {
        int M = g.M, K = g.K;
        if (g.TransA && i0 + mc <= M)
        {
            // A stored [K,M]: each k holds MR consecutive rows, so copy runs of MR along k.
            for (int mb = 0; mb < mc; mb += MR)
            {
                float* dst = pack + (long)mb * kc;
                float* src = pa + (long)k0 * M + i0 + mb;
                for (int k = 0; k < kc; k++, src += M, dst += MR)
                {
                    dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2];
                    dst[3] = src[3]; dst[4] = src[4]; dst[5] = src[5];
                }
            }
            return;
        }
        for (int mb = 0; mb < mc; mb += MR)
        {
            float* dst = pack + (long)mb * kc;
            for (int r = 0; r < MR; r++)
            {
                int i = i0 + mb + r;
                if (i >= M)
                {
                    for (int k = 0; k < kc; k++) dst[k * MR + r] = 0f;
                }
                else if (!g.TransA)
                {
                    float* src = pa + (long)i * K + k0;
                    for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
                }
                else
                {
                    float* src = pa + (long)k0 * M + i;
                    for (int k = 0; k < kc; k++) dst[k * MR + r] = src[(long)k * M];
                }
            }
        }
    }

    private static void DenseTask(DenseArgs g, float[] A, float[] bPack, float[] C, int rowBlock, int group)
    {
        int i0 = rowBlock * MC, mc = Math.Min(MC, g.M - i0);
        int mcPadded = (mc + MR - 1) / MR * MR;
        int p0 = group * g.PanelsPerGroup, p1 = Math.Min(g.Panels, p0 + g.PanelsPerGroup);
        int nr = NR;
        var aPack = ArrayPool<float>.Shared.Rent(MC * KC);
        try
        {
            fixed (float* pa = A, pbp = bPack, pc = C, pap = aPack)
            {
                for (int k0 = 0; k0 < g.K; k0 += KC)
                {
                    int kc = Math.Min(KC, g.K - k0);
                    bool first = k0 == 0;
                    PackA(g, pa, pap, i0, mcPadded, k0, kc);
                    for (int p = p0; p < p1; p++)
                    {
                        int j0 = p * nr, cols = Math.Min(nr, g.N - j0);
                        float* bPanel = pbp + (long)p * g.K * nr + (long)k0 * nr;
                        for (int mb = 0; mb < mc; mb += MR)
                        {
                            int rows = Math.Min(MR, mc - mb);
                            Micro(pap + (long)mb * kc, bPanel, kc, pc + (long)(i0 + mb) * g.N + j0, g.N, rows, cols,
                                g.Alpha, first ? g.Beta : 1f, first && g.Beta == 0f);
                        }
                    }
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(aPack); }
    }

    /// <summary>
    /// The 6×(2·VC) micro-kernel: 12 vector accumulators over kc steps of packed A and B, then
    /// C = α·acc + β·C (β = <paramref name="beta"/>, or C write-only when <paramref name="overwrite"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro(float* a, float* b, int kc, float* c, int ldc, int rows, int cols, float alpha, float beta, bool overwrite)
    {
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int vc = Vector<float>.Count;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + vc);
            var x = new Vector<float>(a[0]);
            c00 = Vector.FusedMultiplyAdd(x, b0, c00); c01 = Vector.FusedMultiplyAdd(x, b1, c01);
            x = new Vector<float>(a[1]);
            c10 = Vector.FusedMultiplyAdd(x, b0, c10); c11 = Vector.FusedMultiplyAdd(x, b1, c11);
            x = new Vector<float>(a[2]);
            c20 = Vector.FusedMultiplyAdd(x, b0, c20); c21 = Vector.FusedMultiplyAdd(x, b1, c21);
            x = new Vector<float>(a[3]);
            c30 = Vector.FusedMultiplyAdd(x, b0, c30); c31 = Vector.FusedMultiplyAdd(x, b1, c31);
            x = new Vector<float>(a[4]);
            c40 = Vector.FusedMultiplyAdd(x, b0, c40); c41 = Vector.FusedMultiplyAdd(x, b1, c41);
            x = new Vector<float>(a[5]);
            c50 = Vector.FusedMultiplyAdd(x, b0, c50); c51 = Vector.FusedMultiplyAdd(x, b1, c51);
            a += MR;
            b += 2 * vc;
        }

        if (rows == MR && cols == 2 * vc)
        {
            var al = new Vector<float>(alpha);
            StoreRow(c, vc, c00, c01, al, beta, overwrite);
            StoreRow(c + ldc, vc, c10, c11, al, beta, overwrite);
            StoreRow(c + 2 * ldc, vc, c20, c21, al, beta, overwrite);
            StoreRow(c + 3 * ldc, vc, c30, c31, al, beta, overwrite);
            StoreRow(c + 4 * ldc, vc, c40, c41, al, beta, overwrite);
            StoreRow(c + 5 * ldc, vc, c50, c51, al, beta, overwrite);
            return;
        }

        // Edge tile: spill the accumulators and write only the valid part.
        float* t = stackalloc float[MR * 2 * Vector<float>.Count];
        int w = 2 * vc;
        c00.Store(t); c01.Store(t + vc);
        c10.Store(t + w); c11.Store(t + w + vc);
        c20.Store(t + 2 * w); c21.Store(t + 2 * w + vc);
        c30.Store(t + 3 * w); c31.Store(t + 3 * w + vc);
        c40.Store(t + 4 * w); c41.Store(t + 4 * w + vc);
        c50.Store(t + 5 * w); c51.Store(t + 5 * w + vc);
        for (int r = 0; r < rows; r++)
        {
            float* row = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
                row[j] = overwrite ? alpha * t[r * w + j] : alpha * t[r * w + j] + beta * row[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, int vc, Vector<float> lo, Vector<float> hi, Vector<float> alpha, float beta, bool overwrite)
    {
        if (overwrite)
        {
            (alpha * lo).Store(c);
            (alpha * hi).Store(c + vc);
        }
        else if (beta == 1f)
        {
            Vector.FusedMultiplyAdd(alpha, lo, Vector.Load(c)).Store(c);
            Vector.FusedMultiplyAdd(alpha, hi, Vector.Load(c + vc)).Store(c + vc);
        }
        else
        {
            var be = new Vector<float>(beta);
            Vector.FusedMultiplyAdd(alpha, lo, be * Vector.Load(c)).Store(c);
            Vector.FusedMultiplyAdd(alpha, hi, be * Vector.Load(c + vc)).Store(c + vc);
        }
    }

    // ───────────────────────────── zero-skipping paths ─────────────────────────────

    /// <summary>
    /// The nonzeros of a [rows, cols] matrix stored with element (r, k) at r·rs + k·cs, as one
    /// segment of capacity <c>cols</c> per row (no prefix pass needed): Index/Value[r·cols + n], n &lt; Count[r].
    /// </summary>
    private sealed class SparseRows : IDisposable
    {
        public readonly int Rows, Cols;
        public readonly int[] Index, Count;
        public readonly float[] Value;

        public SparseRows(int rows, int cols)
        {
            Rows = rows; Cols = cols;
            Index = ArrayPool<int>.Shared.Rent(rows * cols);
            Value = ArrayPool<float>.Shared.Rent(rows * cols);
            Count = ArrayPool<int>.Shared.Rent(rows);
        }

        public void Dispose()
        {
            ArrayPool<int>.Shared.Return(Index);
            ArrayPool<float>.Shared.Return(Value);
            ArrayPool<int>.Shared.Return(Count);
        }
    }

    private SparseRows Gather(float[] src, int rows, int cols, bool rowMajor, bool parallel)
    {
        var s = new SparseRows(rows, cols);
        if (rowMajor)
        {
            // Element (r, k) at r·cols + k: scan each row contiguously, skipping all-zero vectors.
            For(parallel && rows >= 16, (rows + 15) / 16, block =>
            {
                int vc = Vector<float>.Count;
                fixed (float* ps = src, pv = s.Value)
                fixed (int* pi = s.Index)
                {
                    for (int r = block * 16, rEnd = Math.Min(rows, r + 16); r < rEnd; r++)
                    {
                        float* row = ps + (long)r * cols;
                        int* idx = pi + (long)r * cols;
                        float* val = pv + (long)r * cols;
                        int n = 0, k = 0;
                        // Branch-free compaction: always write, advance only past nonzeros (the
                        // segment holds cols entries, so the speculative write stays inside it).
                        // Random spikes would mispredict a branch on every other element.
                        for (; k <= cols - vc; k += vc)
                        {
                            if (Vector.EqualsAll(Vector.Load(row + k), Vector<float>.Zero)) continue;
                            for (int q = k; q < k + vc; q++)
                            {
                                float v = row[q];
                                idx[n] = q; val[n] = v;
                                n += v != 0f ? 1 : 0;
                            }
                        }
                        for (; k < cols; k++)
                        {
                            float v = row[k];
                            idx[n] = k; val[n] = v;
                            n += v != 0f ? 1 : 0;
                        }
                        s.Count[r] = n;
                    }
                }
            });
        }
        else
        {
            // Element (r, k) at k·rows + r (stored transposed): transpose, then gather row-major.
            // (Appending to every row's segment while walking k writes `rows` streams a
            // power-of-two stride apart, which thrashes the cache: 7 ms instead of 1 ms.)
            var t = ArrayPool<float>.Shared.Rent(rows * cols);
            try
            {
                Transpose(src, cols, rows, t, parallel);
                s.Dispose();
                return Gather(t, rows, cols, rowMajor: true, parallel);
            }
            finally { ArrayPool<float>.Shared.Return(t); }
        }
        return s;
    }

    /// <summary>
    /// out[i, j] = α·Σ_n val·D[idx, j] + β·out[i, j] over the nonzeros of row i (β = 0: write-only),
    /// for a dense D [K, n] with element (k, j) at k·sk + j·sj. D is first packed into contiguous
    /// K×nb column slabs (nb = 8 vectors): a slab stays in L2 while many rows pick rows of it,
    /// and packing removes the power-of-two row stride (e.g. 512 floats) that would map a slab
    /// onto a few cache sets. Tasks are (slab) × (64 rows), slab-major.
    /// </summary>
    private void SparseTimesDense(SparseRows a, float[] d, long sk, long sj, int n, float[] output, float alpha, float beta, bool parallel)
    {
        int vc = Vector<float>.Count, nb = 8 * vc, K = a.Cols;
        const int RowChunk = 64;
        int colBlocks = (n + nb - 1) / nb, rowChunks = (a.Rows + RowChunk - 1) / RowChunk;
        var slabs = ArrayPool<float>.Shared.Rent(colBlocks * K * nb);
        try
        {
            For(parallel && colBlocks > 1, colBlocks, cb =>
            {
                int j0 = cb * nb, width = Math.Min(nb, n - j0);
                fixed (float* pd = d, ps = slabs)
                {
                    float* slab = ps + (long)cb * K * nb;
                    if (sj == 1)
                        for (int k = 0; k < K; k++)
                        {
                            float* src = pd + k * sk + j0;
                            float* dst = slab + (long)k * nb;
                            for (int j = 0; j < width; j++) dst[j] = src[j];
                        }
                    else
                        for (int j = 0; j < width; j++)
                        {
                            float* src = pd + (j0 + j) * sj;
                            float* dst = slab + j;
                            for (int k = 0; k < K; k++) dst[(long)k * nb] = src[k * sk];
                        }
                }
            });

            For(parallel, colBlocks * rowChunks, task =>
            {
                int cb = task / rowChunks, j0 = cb * nb, width = Math.Min(nb, n - j0);
                int r0 = task % rowChunks * RowChunk, r1 = Math.Min(a.Rows, r0 + RowChunk);
                fixed (float* ps = slabs, po = output, pv = a.Value)
                fixed (int* pi = a.Index)
                {
                    float* t = stackalloc float[8 * Vector<float>.Count];
                    float* slab = ps + (long)cb * K * nb;
                    var al = new Vector<float>(alpha);
                    for (int r = r0; r < r1; r++)
                    {
                        int count = a.Count[r];
                        int* idx = pi + (long)r * K;
                        float* val = pv + (long)r * K;
                        float* outRow = po + (long)r * n + j0;
                        int j = 0;
                        if (width == nb)
                        {
                            Row8(idx, val, count, slab, nb, t);
                            for (int q = 0; q < 8; q++) StoreVector(outRow + q * vc, Vector.Load(t + q * vc), al, beta);
                            j = nb;
                        }
                        for (; j <= width - vc; j += vc)
                        {
                            var acc = Vector<float>.Zero;
                            for (int e = 0; e < count; e++)
                                acc = Vector.FusedMultiplyAdd(new Vector<float>(val[e]), Vector.Load(slab + (long)idx[e] * nb + j), acc);
                            StoreVector(outRow + j, acc, al, beta);
                        }
                        for (; j < width; j++)
                        {
                            float acc = 0f;
                            for (int e = 0; e < count; e++) acc = MathF.FusedMultiplyAdd(val[e], slab[(long)idx[e] * nb + j], acc);
                            outRow[j] = beta == 0f ? alpha * acc : alpha * acc + beta * outRow[j];
                        }
                    }
                }
            });
        }
        finally { ArrayPool<float>.Shared.Return(slabs); }
    }

    /// <summary>Eight vector accumulators over one sparse row: acc += val·dense[idx, 0..8·VC).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row8(int* idx, float* val, int count, float* col, int ld, float* result)
    {
        int vc = Vector<float>.Count;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int e = 0; e < count; e++)
        {
            var x = new Vector<float>(val[e]);
            float* p = col + (long)idx[e] * ld;
            a0 = Vector.FusedMultiplyAdd(x, Vector.Load(p), a0);
            a1 = Vector.FusedMultiplyAdd(x, Vector.Load(p + vc), a1);
            a2 = Vector.FusedMultiplyAdd(x, Vector.Load(p + 2 * vc), a2);
            a3 = Vector.FusedMultiplyAdd(x, Vector.Load(p + 3 * vc), a3);
            a4 = Vector.FusedMultiplyAdd(x, Vector.Load(p + 4 * vc), a4);
            a5 = Vector.FusedMultiplyAdd(x, Vector.Load(p + 5 * vc), a5);
            a6 = Vector.FusedMultiplyAdd(x, Vector.Load(p + 6 * vc), a6);
            a7 = Vector.FusedMultiplyAdd(x, Vector.Load(p + 7 * vc), a7);
        }
        a0.Store(result); a1.Store(result + vc); a2.Store(result + 2 * vc); a3.Store(result + 3 * vc);
        a4.Store(result + 4 * vc); a5.Store(result + 5 * vc); a6.Store(result + 6 * vc); a7.Store(result + 7 * vc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector(float* p, Vector<float> acc, Vector<float> alpha, float beta)
    {
        if (beta == 0f) (alpha * acc).Store(p);
        else Vector.FusedMultiplyAdd(alpha, acc, new Vector<float>(beta) * Vector.Load(p)).Store(p);
    }

    /// <summary>
    /// dst[cols, rows] = srcᵀ for src [rows, cols], in 8×8 blocks: with power-of-two row lengths
    /// the lines of one block share a cache set, and 8 of them fit its ways where 32 thrash.
    /// </summary>
    private void Transpose(float[] src, int rows, int cols, float[] dst, bool parallel)
    {
        const int Block = 8, Band = 64;
        int bands = (rows + Band - 1) / Band;
        For(parallel && bands > 1, bands, band =>
        {
            int rb0 = band * Band, rb1 = Math.Min(rows, rb0 + Band);
            fixed (float* ps = src, pd = dst)
            {
                for (int c0 = 0; c0 < cols; c0 += Block)
                {
                    int c1 = Math.Min(cols, c0 + Block);
                    for (int r0 = rb0; r0 < rb1; r0 += Block)
                    {
                        int r1 = Math.Min(rb1, r0 + Block);
                        for (int c = c0; c < c1; c++)
                        {
                            float* d = pd + (long)c * rows;
                            float* s = ps + c;
                            for (int r = r0; r < r1; r++) d[r] = s[(long)r * cols];
                        }
                    }
                }
            }
        });
    }

    /// <summary>Sparse op(A): C = α·op(A)·op(B) + β·C.</summary>
    private void SparseA(GemmOp op, float[] A, float[] B, float[] C, bool parallel)
    {
        using var rows = Gather(A, op.M, op.K, rowMajor: !op.TransA, parallel);
        // op(B)[k,j]: B[j·K + k] when stored [N,K], else B[k·N + j].
        SparseTimesDense(rows, B, op.TransB ? 1 : op.N, op.TransB ? op.K : 1, op.N, C, op.Alpha, op.Beta, parallel);
    }

    /// <summary>
    /// Sparse op(B): computes Cᵀ[N,M] = op(B)ᵀ·op(A)ᵀ with the zero-skipping product (op(B)ᵀ is
    /// the sparse left operand), then C = Cᵀᵀ + β·C. This is ∂W = ∂Yᵀ·X with spiking X.
    /// </summary>
    private void SparseB(GemmOp op, float[] A, float[] B, float[] C, bool parallel)
    {
        int M = op.M, N = op.N, K = op.K;
        // op(B)ᵀ[j,k] = op(B)[k,j]: row-major when B is stored [N,K] (TransB).
        using var rows = Gather(B, N, K, rowMajor: op.TransB, parallel);
        var ct = ArrayPool<float>.Shared.Rent((int)op.LengthC);
        try
        {
            // op(A)ᵀ[k,i] = op(A)[i,k]: A[k·M + i] when stored [K,M], else A[i·K + k].
            SparseTimesDense(rows, A, op.TransA ? M : 1, op.TransA ? 1 : K, M, ct, op.Alpha, 0f, parallel);
            AddTransposed(ct, N, M, C, op.Beta, parallel);
        }
        finally { ArrayPool<float>.Shared.Return(ct); }
    }

    /// <summary>C[i,j] = t[j,i] + β·C[i,j] for t [n, m] (β = 0: C write-only).</summary>
    private void AddTransposed(float[] t, int n, int m, float[] C, float beta, bool parallel)
    {
        const int Block = 32;
        int rowBlocks = (m + Block - 1) / Block;
        For(parallel && rowBlocks > 1, rowBlocks, rb =>
        {
            int i0 = rb * Block, i1 = Math.Min(m, i0 + Block);
            for (int j0 = 0; j0 < n; j0 += Block)
            {
                int j1 = Math.Min(n, j0 + Block);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                    {
                        long at = (long)i * n + j;
                        float v = t[(long)j * m + i];
                        C[at] = beta == 0f ? v : v + beta * C[at];
                    }
            }
        });
    }

    // ───────────────────────────── bias ─────────────────────────────

    public void AddBias(int rows, int cols, DeviceBuffer<float> y, DeviceBuffer<float> bias)
    {
        DenseArguments.AddBias(_backend, rows, cols, y, bias);
        var Y = y.Host;
        var b = bias.Host;
        int rowsPerChunk = Math.Max(1, 16384 / cols);
        int chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        For((long)rows * cols >= 1 << 16, chunks, chunk =>
        {
            var bs = new ReadOnlySpan<float>(b, 0, cols);
            for (int r = chunk * rowsPerChunk, end = Math.Min(rows, r + rowsPerChunk); r < end; r++)
            {
                var row = Y.AsSpan(r * cols, cols);
                AddInPlace(row, bs);
            }
        });
    }

    /// <summary>Each task owns a range of columns and adds the rows in order 0..rows−1, so every column's sum has a fixed order.</summary>
    public void ColumnSum(int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> sums, float beta = 0f)
    {
        DenseArguments.ColumnSum(_backend, rows, cols, x, sums);
        var X = x.Host;
        var S = sums.Host;
        const int Width = 256;
        int blocks = (cols + Width - 1) / Width;
        For((long)rows * cols >= 1 << 16, blocks, block =>
        {
            int c0 = block * Width, width = Math.Min(Width, cols - c0);
            Span<float> acc = stackalloc float[Width];
            acc = acc[..width];
            acc.Clear();
            for (int r = 0; r < rows; r++)
                AddInPlace(acc, new ReadOnlySpan<float>(X, r * cols + c0, width));
            var dst = S.AsSpan(c0, width);
            if (beta == 0f) acc.CopyTo(dst);
            else
                for (int j = 0; j < width; j++) dst[j] = beta * dst[j] + acc[j];
        });
    }

    /// <summary>dst[i] += src[i], vectorised.</summary>
    private static void AddInPlace(Span<float> dst, ReadOnlySpan<float> src)
    {
        int i = 0, vc = Vector<float>.Count;
        fixed (float* d = dst, s = src)
        {
            for (; i <= dst.Length - vc; i += vc) (Vector.Load(d + i) + Vector.Load(s + i)).Store(d + i);
            for (; i < dst.Length; i++) d[i] += s[i];
        }
    }
}
