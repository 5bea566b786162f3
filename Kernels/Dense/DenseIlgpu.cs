using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

/// <summary>Scalar arguments of the GEMM kernels.</summary>
public struct GemmKernelArgs
{
    public int M, N, K;
    public int TransA, TransB;
    public float Alpha, Beta;

    public static GemmKernelArgs From(GemmOp op) => new()
    {
        M = op.M, N = op.N, K = op.K,
        TransA = op.TransA ? 1 : 0, TransB = op.TransB ? 1 : 0,
        Alpha = op.Alpha, Beta = op.Beta,
    };
}

/// <summary>
/// ILGPU implementation (CUDA, OpenCL, ILGPU CPU). GEMM: cuBLAS on CUDA when libcublas loads
/// (SPIKEFIT_CUBLAS=0 turns it off), else a 16×16 shared-memory tiled kernel, else (devices with
/// fewer than 256 threads per group) one thread per output. Column sums use a fixed two-pass
/// partition (row chunks, then the chunks in order), so they are deterministic with no atomics.
/// </summary>
public sealed class DenseIlgpu : IDenseKernels, IDisposable
{
    private const int Tile = 16;
    private const int TilePitch = Tile + 1; // pad shared rows so transposed tile stores avoid bank conflicts
    /// <summary>Rows per partial sum in the first pass of <see cref="ColumnSum"/>.</summary>
    private const int SumChunk = 64;

    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;
    private readonly bool _tiled;
    private CuBlas? _cublas;
    private MemoryBuffer1D<float, Stride1D.Dense>? _partials;

    public DenseIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
        _tiled = backend.Accelerator.MaxNumThreadsPerGroup >= Tile * Tile;
        string? why = null;
        if (backend.Kind == BackendKind.Cuda && Environment.GetEnvironmentVariable("SPIKEFIT_CUBLAS") != "0")
            _cublas = CuBlas.TryCreate(backend.Accelerator, out why);
        CuBlasUnavailableReason = why;
        GemmImplementation = _cublas is not null ? $"cuBLAS ({_cublas.LibraryPath})"
            : _tiled ? "ILGPU tiled 16x16" : "ILGPU one thread per output";
    }

    public string GemmImplementation { get; }

    /// <summary>Why cuBLAS is not used on a CUDA backend (null when it is, or when the backend is not CUDA).</summary>
    public string? CuBlasUnavailableReason { get; }

    // ───────────────────────────── kernels ─────────────────────────────

    /// <summary>
    /// One 16×16 group per 16×16 tile of C. Each K step stages a tile of op(A) and of op(B) in shared
    /// memory; threads load along the stored matrix's contiguous axis (coalesced for either
    /// transpose) and write the transposed position when the operand is transposed.
    /// </summary>
    internal static void TiledKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmKernelArgs g)
    {
        var sa = SharedMemory.Allocate<float>(Tile * TilePitch); // sa[i·pitch + k] = op(A)[row0+i, k0+k]
        var sb = SharedMemory.Allocate<float>(Tile * TilePitch); // sb[k·pitch + j] = op(B)[k0+k, col0+j]
        int tx = Group.IdxX, ty = Group.IdxY;
        int row0 = Grid.IdxY * Tile, col0 = Grid.IdxX * Tile;
        float acc = 0f;
        for (int k0 = 0; k0 < g.K; k0 += Tile)
        {
            if (g.TransA == 0)
            {
                int i = row0 + ty, k = k0 + tx; // A stored [M,K]
                float v = 0f;
                if (i < g.M && k < g.K) v = a[i * g.K + k];
                sa[ty * TilePitch + tx] = v;
            }
            else
            {
                int i = row0 + tx, k = k0 + ty; // A stored [K,M]
                float v = 0f;
                if (i < g.M && k < g.K) v = a[k * g.M + i];
                sa[tx * TilePitch + ty] = v;
            }
            if (g.TransB == 0)
            {
                int k = k0 + ty, j = col0 + tx; // B stored [K,N]
                float v = 0f;
                if (k < g.K && j < g.N) v = b[k * g.N + j];
                sb[ty * TilePitch + tx] = v;
            }
            else
            {
                int k = k0 + tx, j = col0 + ty; // B stored [N,K]
                float v = 0f;
                if (k < g.K && j < g.N) v = b[j * g.K + k];
                sb[tx * TilePitch + ty] = v;
            }
            Group.Barrier();

            // Unrolled by hand (ILGPU 1.5.3 does not unroll); padded entries are zero.
            int ra = ty * TilePitch;
            acc += sa[ra + 0] * sb[0 * TilePitch + tx];
            acc += sa[ra + 1] * sb[1 * TilePitch + tx];
            acc += sa[ra + 2] * sb[2 * TilePitch + tx];
            acc += sa[ra + 3] * sb[3 * TilePitch + tx];
            acc += sa[ra + 4] * sb[4 * TilePitch + tx];
            acc += sa[ra + 5] * sb[5 * TilePitch + tx];
            acc += sa[ra + 6] * sb[6 * TilePitch + tx];
            acc += sa[ra + 7] * sb[7 * TilePitch + tx];
            acc += sa[ra + 8] * sb[8 * TilePitch + tx];
            acc += sa[ra + 9] * sb[9 * TilePitch + tx];
            acc += sa[ra + 10] * sb[10 * TilePitch + tx];
            acc += sa[ra + 11] * sb[11 * TilePitch + tx];
            acc += sa[ra + 12] * sb[12 * TilePitch + tx];
            acc += sa[ra + 13] * sb[13 * TilePitch + tx];
            acc += sa[ra + 14] * sb[14 * TilePitch + tx];
            acc += sa[ra + 15] * sb[15 * TilePitch + tx];
            Group.Barrier();
        }
        int row = row0 + ty, col = col0 + tx;
        if (row < g.M && col < g.N)
        {
            int at = row * g.N + col;
            if (g.Beta == 0f) c[at] = g.Alpha * acc; // C is write-only: NaN there must not propagate
            else c[at] = g.Alpha * acc + g.Beta * c[at];
        }
    }

    /// <summary>Fallback for small groups: one thread per element of C, x = column, y = row.</summary>
    internal static void SimpleKernel(Index2D idx, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmKernelArgs g)
    {
        int col = idx.X, row = idx.Y;
        int aStep = g.TransA == 0 ? 1 : g.M, aBase = g.TransA == 0 ? row * g.K : row;
        int bStep = g.TransB == 0 ? g.N : 1, bBase = g.TransB == 0 ? col : col * g.K;
        float acc = 0f;
        for (int k = 0; k < g.K; k++) acc += a[aBase + k * aStep] * b[bBase + k * bStep];
        int at = row * g.N + col;
        if (g.Beta == 0f) c[at] = g.Alpha * acc;
        else c[at] = g.Alpha * acc + g.Beta * c[at];
    }

    internal static void AddBiasKernel(Index1D i, ArrayView<float> y, ArrayView<float> bias, int cols) =>
        y[i] += bias[i % cols];

    /// <summary>Pass 1: partial[chunk, col] = Σ of rows [chunk·SumChunk, +SumChunk) in order; consecutive threads read consecutive columns.</summary>
    internal static void PartialSumKernel(Index1D i, ArrayView<float> x, ArrayView<float> partial, int rows, int cols)
    {
        int col = i % cols, chunk = i / cols;
        int r0 = chunk * SumChunk, r1 = IntrinsicMath.Min(rows, r0 + SumChunk);
        float s = 0f;
        for (int r = r0; r < r1; r++) s += x[r * cols + col];
        partial[i] = s;
    }

    /// <summary>Pass 2 (and the whole job when rows fit one chunk): sums[col] = β·sums[col] + Σ_chunk partial in chunk order.</summary>
    internal static void FinishSumKernel(Index1D col, ArrayView<float> partial, ArrayView<float> sums, int chunks, int cols, float beta)
    {
        float s = 0f;
        for (int q = 0; q < chunks; q++) s += partial[q * cols + col];
        if (beta == 0f) sums[col] = s;
        else sums[col] = beta * sums[col] + s;
    }

    // ───────────────────────────── launches ─────────────────────────────

    public GemmPrecision Precision { get; set; }

    private DeviceBuffer<float>? _roundedA, _roundedB;

    /// <summary>dst[i] = src[i] rounded to <paramref name="mantissaBits"/> explicit bits (<see cref="GemmRounding.RoundBits"/>).</summary>
    internal static void RoundKernel(Index1D i, ArrayView<float> src, ArrayView<float> dst, int mantissaBits) =>
        dst[i] = Interop.IntAsFloat(GemmRounding.RoundBits(Interop.FloatAsInt(src[i]), mantissaBits));

    /// <summary>A rounded copy of an operand in a scratch buffer grown on demand (counted in the backend's memory).</summary>
    private DeviceBuffer<float> Rounded(DeviceBuffer<float> src, long length, ref DeviceBuffer<float>? scratch)
    {
        if (scratch is null || scratch.Length < length)
        {
            scratch?.Dispose();
            scratch = _backend.Allocate<float>(length);
        }
        _cache.Get("dense.round", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(RoundKernel))(
            (int)length, src.View, scratch.View, GemmRounding.MantissaBits(Precision));
        return scratch;
    }

    public void Gemm(GemmOp op, DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c)
    {
        DenseArguments.Gemm(_backend, op, a, b, c);
        if (Precision != GemmPrecision.Fp32 && op.Alpha != 0f)
        {
            // Rounded operands, then the float32 GEMM (cuBLAS or the tiled kernel) on them: TF32/BF16
            // inputs with float32 accumulation. The values are what tensor cores compute; the speed is not
            // (no tensor-core math mode is requested; the rounding pass costs one read and write per operand).
            a = Rounded(a, op.LengthA, ref _roundedA);
            b = Rounded(b, op.LengthB, ref _roundedB);
        }
        if (_cublas is not null)
        {
            _cublas.Sgemm(op, a.View, b.View, c.View);
            return;
        }
        var args = GemmKernelArgs.From(op);
        if (_tiled)
        {
            var kernel = _cache.Get("dense.gemm.tiled", acc =>
                acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmKernelArgs>(TiledKernel));
            var grid = new Index2D((op.N + Tile - 1) / Tile, (op.M + Tile - 1) / Tile);
            kernel(new KernelConfig(grid, new Index2D(Tile, Tile)), a.View, b.View, c.View, args);
        }
        else
        {
            _cache.Get("dense.gemm.simple", acc =>
                acc.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmKernelArgs>(SimpleKernel))(
                new Index2D(op.N, op.M), a.View, b.View, c.View, args);
        }
    }

    public void AddBias(int rows, int cols, DeviceBuffer<float> y, DeviceBuffer<float> bias)
    {
        DenseArguments.AddBias(_backend, rows, cols, y, bias);
        _cache.Get("dense.bias", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(AddBiasKernel))(
            rows * cols, y.View, bias.View, cols);
    }

    public void ColumnSum(int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> sums, float beta = 0f)
    {
        DenseArguments.ColumnSum(_backend, rows, cols, x, sums);
        var finish = _cache.Get("dense.colsum.finish", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, float>(FinishSumKernel));
        if (rows <= SumChunk)
        {
            // One chunk: the input rows are the partials.
            finish(cols, x.View, sums.View, rows, cols, beta);
            return;
        }
        int chunks = (rows + SumChunk - 1) / SumChunk;
        long needed = (long)chunks * cols;
        if (_partials is null || _partials.Length < needed)
        {
            // Kernels queued on the stream may still read the old buffer: wait before freeing it.
            _backend.Synchronize();
            _partials?.Dispose();
            _partials = _backend.Accelerator.Allocate1D<float>(needed);
        }
        var partial = _partials.View;
        _cache.Get("dense.colsum.partial", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(PartialSumKernel))(
            (int)needed, x.View, partial, rows, cols);
        finish(cols, partial, sums.View, chunks, cols, beta);
    }

    public void Dispose()
    {
        _partials?.Dispose();
        _partials = null;
        _roundedA?.Dispose();
        _roundedB?.Dispose();
        (_roundedA, _roundedB) = (null, null);
        _cublas?.Dispose();
        _cublas = null;
    }
}
