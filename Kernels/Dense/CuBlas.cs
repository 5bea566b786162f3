using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using SpikeFit.Kernels.Devices;

namespace SpikeFit.Kernels.Dense;

/// <summary>
/// A minimal cuBLAS binding: just cublasSgemm on the accelerator's default stream. ILGPU.Algorithms
/// has its own binding, but it only probes libcublas.so.10/11/12 and CUDA 13 machines ship .so.13
/// (DESIGN §2), so this one resolves the library itself and binds four exports by function pointer.
/// UNTESTED on real hardware from the machine it was written on (no GPU there).
/// </summary>
public sealed unsafe class CuBlas : IDisposable
{
    private const int OpN = 0, OpT = 1; // cublasOperation_t
    private static readonly string[] Versions = { "13", "12", "11" };

    private readonly CudaAccelerator _accelerator;
    private readonly delegate* unmanaged<IntPtr, int> _destroy;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, float*, IntPtr, int, IntPtr, int, float*, IntPtr, int, int> _sgemm;
    private IntPtr _handle;

    /// <summary>The library file that was loaded, e.g. "libcublas.so.13".</summary>
    public string LibraryPath { get; }

    private CuBlas(CudaAccelerator accelerator, IntPtr library, string path)
    {
        _accelerator = accelerator;
        LibraryPath = path;
        var create = (delegate* unmanaged<IntPtr*, int>)NativeLibrary.GetExport(library, "cublasCreate_v2");
        var setStream = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibrary.GetExport(library, "cublasSetStream_v2");
        _destroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "cublasDestroy_v2");
        _sgemm = (delegate* unmanaged<IntPtr, int, int, int, int, int, float*, IntPtr, int, IntPtr, int, float*, IntPtr, int, int>)
            NativeLibrary.GetExport(library, "cublasSgemm_v2");

        // cuBLAS works in the calling thread's current CUDA context: make it the accelerator's.
        accelerator.Bind();
        IntPtr handle;
        ThrowIfFailed(create(&handle), "cublasCreate_v2");
        _handle = handle;
        // Same stream as ILGPU's kernels, so GEMMs and kernels stay in submission order.
        var stream = (CudaStream)accelerator.DefaultStream;
        ThrowIfFailed(setStream(_handle, stream.StreamPtr), "cublasSetStream_v2");
    }

    /// <summary>Loads cuBLAS for a CUDA accelerator; null (with the reason) when the library or an export is missing.</summary>
    public static CuBlas? TryCreate(Accelerator accelerator, out string? reason)
    {
        reason = null;
        if (accelerator is not CudaAccelerator cuda) { reason = "not a CUDA accelerator"; return null; }
        if (!OperatingSystem.IsLinux()) { reason = "library probing is Linux-only"; return null; }
        var tried = new List<string>();
        var (library, path) = CudaLibraryResolver.TryLoadFirst(CudaLibraryResolver.Candidates("libcublas", Versions), tried);
        if (library == IntPtr.Zero || path is null)
        {
            reason = $"libcublas not found (tried {string.Join(", ", tried)})";
            return null;
        }
        try
        {
            return new CuBlas(cuda, library, path);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or InvalidOperationException)
        {
            reason = $"{path}: {e.Message}";
            return null;
        }
    }

    /// <summary>Where libcublas can be found (for <c>spikefit devices</c>), without creating a handle.</summary>
    public static (string? Path, IReadOnlyList<string> Tried) Probe()
    {
        var tried = new List<string>();
        if (!OperatingSystem.IsLinux()) return (null, tried);
        var (handle, path) = CudaLibraryResolver.TryLoadFirst(CudaLibraryResolver.Candidates("libcublas", Versions), tried);
        if (handle != IntPtr.Zero) NativeLibrary.Free(handle);
        return (path, tried);
    }

    /// <summary>
    /// Row-major C[M,N] = α·op(A)·op(B) + β·C. cuBLAS is column-major, and a row-major matrix read
    /// column-major is its transpose, so this asks cuBLAS for Cᵀ = op(B)ᵀ·op(A)ᵀ: B first, A second,
    /// m = N, n = M, each leading dimension the stored row length. With β = 0 cuBLAS does not read C.
    /// </summary>
    public void Sgemm(GemmOp op, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        if (_handle == IntPtr.Zero) throw new ObjectDisposedException(nameof(CuBlas));
        _accelerator.Bind();
        float alpha = op.Alpha, beta = op.Beta;
        int ldb = op.TransB ? op.K : op.N; // B stored [N,K] or [K,N]
        int lda = op.TransA ? op.M : op.K; // A stored [K,M] or [M,K]
        int status = _sgemm(_handle, op.TransB ? OpT : OpN, op.TransA ? OpT : OpN, op.N, op.M, op.K,
            &alpha, b.LoadEffectiveAddressAsPtr(), ldb, a.LoadEffectiveAddressAsPtr(), lda,
            &beta, c.LoadEffectiveAddressAsPtr(), op.N);
        ThrowIfFailed(status, "cublasSgemm_v2");
    }

    private static void ThrowIfFailed(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed with cublasStatus_t {status}.");
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero) return;
        _accelerator.Bind();
        _destroy(_handle);
        _handle = IntPtr.Zero;
    }
}
