using ILGPU;
using ILGPU.Runtime;

namespace SpikeFit.Kernels.Core;

/// <summary>
/// A one-dimensional buffer owned by a backend. The fast CPU backend keeps a managed array
/// (so its SIMD code works on spans with no pinning or bounds-checked indexers); ILGPU
/// backends keep a device <see cref="MemoryBuffer1D{T,TStride}"/>. Kernels receive buffers and
/// take the representation their backend owns.
/// </summary>
public sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly T[]? _host;
    private MemoryBuffer1D<T, Stride1D.Dense>? _device;

    public long Length { get; }
    public Backend Owner { get; }

    internal DeviceBuffer(Backend owner, T[] host)
    {
        Owner = owner;
        _host = host;
        Length = host.LongLength;
    }

    /// <summary>ILGPU cannot allocate zero elements, so the device buffer may be longer than <paramref name="length"/>.</summary>
    internal DeviceBuffer(Backend owner, MemoryBuffer1D<T, Stride1D.Dense> device, long length)
    {
        Owner = owner;
        _device = device;
        Length = length;
    }

    private bool _disposed;

    private static long ElementBytes => System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>Bytes this buffer holds on its backend.</summary>
    public long Bytes => _device?.LengthInBytes ?? Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>The managed storage (fast CPU backend only).</summary>
    public T[] Host => _host ?? throw new InvalidOperationException(
        $"This buffer lives on {Owner.Kind.CliName()}; host access is only for the cpu backend.");

    /// <summary>The device view (ILGPU backends only).</summary>
    public ArrayView1D<T, Stride1D.Dense> View => (_device ?? throw new InvalidOperationException(
        "This buffer lives on the managed cpu backend and has no ILGPU view.")).View.SubView(0, Math.Max(1, Length));

    public void CopyFrom(ReadOnlySpan<T> source)
    {
        if (source.Length != Length)
            throw new ArgumentException($"Source has {source.Length} elements, buffer has {Length}.");
        Owner.CountUpload(ElementBytes * Length);
        if (_host is not null) source.CopyTo(_host);
        else if (Length > 0) View.SubView(0, Length).CopyFromCPU(source.ToArray());
    }

    public void CopyTo(Span<T> destination)
    {
        if (destination.Length != Length)
            throw new ArgumentException($"Destination has {destination.Length} elements, buffer has {Length}.");
        Owner.CountDownload(ElementBytes * Length);
        if (_host is not null) _host.AsSpan().CopyTo(destination);
        else
        {
            Owner.Synchronize();
            if (Length == 0) return;
            var tmp = new T[Length];
            View.SubView(0, Length).CopyToCPU(tmp);
            tmp.AsSpan().CopyTo(destination);
        }
    }

    public T[] ToArray()
    {
        var result = new T[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>Sets every element to <paramref name="value"/> (tests poison outputs with NaN).</summary>
    public void Fill(T value)
    {
        // A host-side fill uploaded on ILGPU backends: counted as an upload everywhere.
        Owner.CountUpload(ElementBytes * Length);
        if (_host is not null) Array.Fill(_host, value);
        else
        {
            if (Length == 0) return;
            var tmp = new T[Length];
            Array.Fill(tmp, value);
            View.SubView(0, Length).CopyFromCPU(tmp);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Owner.TrackFree(Bytes);
        _device?.Dispose();
        _device = null;
    }
}
