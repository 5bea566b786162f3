using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SpikeFit.Kernels.Core;

/// <summary>
/// Non-temporal (streaming) stores for the managed CPU kernels. A plain store to a line that is
/// not in cache first reads it (read-for-ownership), so a kernel writing two [T,B,N] tensors moves
/// four tensors' worth of memory; streaming stores skip that read. They only pay off when the
/// output is far larger than the caches, and need 32-byte-aligned addresses, so callers peel a
/// few scalar elements first and use them only above <see cref="MinBytes"/>.
/// </summary>
public static unsafe class StreamingStore
{
    /// <summary>Outputs smaller than this stay cached (the next layer reads them soon).</summary>
    public const long MinBytes = 8L << 20;

    public static bool Supported => Avx.IsSupported && Vector<float>.Count == 8;

    /// <summary>Whether a kernel writing <paramref name="outputBytes"/> should stream its stores.</summary>
    public static bool Worthwhile(long outputBytes) => Supported && outputBytes >= MinBytes;

    /// <summary>Scalar elements to process before <paramref name="p"/> is 32-byte aligned (at most <paramref name="len"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Peel(float* p, int len) => Math.Min(len, (int)(((32 - ((nint)p & 31)) & 31) >> 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Aligned(float* p) => ((nint)p & 31) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> value, float* p, bool streaming)
    {
        if (streaming) Avx.StoreAlignedNonTemporal(p, value.AsVector256());
        else value.Store(p);
    }

    /// <summary>Orders streaming stores before the work item reports completion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fence(bool streamed)
    {
        if (streamed) Sse.StoreFence();
    }
}
