using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Conv;
using SpikeFit.Kernels.Dense;
using SpikeFit.Kernels.Encoding;
using SpikeFit.Kernels.Lif;
using SpikeFit.Kernels.Loss;
using SpikeFit.Kernels.Optim;
using SpikeFit.Kernels.Quantize;

namespace SpikeFit.Kernels.Core;

/// <summary>
/// A place where kernels run: the fast managed CPU path, or an ILGPU accelerator (CUDA, OpenCL,
/// ILGPU's CPU simulator). Each kernel family is an interface with one implementation per
/// kind of backend, so callers and tests are written once.
/// </summary>
public abstract class Backend : IDisposable
{
    public abstract BackendKind Kind { get; }

    /// <summary>Human-readable device name, e.g. "NVIDIA H100 80GB HBM3" or "managed SIMD (2 threads, AVX2)".</summary>
    public abstract string DeviceName { get; }

    /// <summary>A zero-filled buffer of <paramref name="length"/> elements.</summary>
    public abstract DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged;

    private long _allocated, _peak;

    /// <summary>Bytes held by this backend's live buffers.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocated);

    /// <summary>The most bytes held at once since creation or <see cref="ResetPeak"/> (benchmarks report it).</summary>
    public long PeakAllocatedBytes => Interlocked.Read(ref _peak);

    public void ResetPeak() => Interlocked.Exchange(ref _peak, AllocatedBytes);

    protected void TrackAllocation(long bytes)
    {
        long now = Interlocked.Add(ref _allocated, bytes);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
    }

    internal void TrackFree(long bytes) => Interlocked.Add(ref _allocated, -bytes);

    private long _uploads, _downloads, _uploadBytes, _downloadBytes;

    /// <summary>Host↔device copies made through this backend's buffers since creation (a test reads it
    /// before and after a training step to prove the step keeps its work on the device).</summary>
    public TransferCounts Transfers => new(Interlocked.Read(ref _uploads), Interlocked.Read(ref _downloads),
        Interlocked.Read(ref _uploadBytes), Interlocked.Read(ref _downloadBytes));

    internal void CountUpload(long bytes)
    {
        Interlocked.Increment(ref _uploads);
        Interlocked.Add(ref _uploadBytes, bytes);
    }

    internal void CountDownload(long bytes)
    {
        Interlocked.Increment(ref _downloads);
        Interlocked.Add(ref _downloadBytes, bytes);
    }

    /// <summary>Waits until all queued work has finished.</summary>
    public abstract void Synchronize();

    public abstract ILifKernels Lif { get; }
    public abstract IDenseKernels Dense { get; }
    public abstract ICodebookKernels Codebook { get; }
    public abstract ILossKernels Loss { get; }
    public abstract IOptimizerKernels Optim { get; }
    public abstract IEncodingKernels Encoding { get; }
    public abstract IConvKernels Conv { get; }
    /// <summary>The spike-indexed convolution (bit-packed spiking input; see <see cref="ISpikeConvKernels"/>).</summary>
    public abstract ISpikeConvKernels SpikeConv { get; }
    public abstract IQuantizerKernels Quantizer { get; }

    /// <summary>Device-to-device copy (the bandwidth yardstick of <c>bench lif</c>).</summary>
    public abstract void Copy(DeviceBuffer<float> source, DeviceBuffer<float> destination);

    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var buffer = Allocate<T>(data.Length);
        buffer.CopyFrom(data);
        return buffer;
    }

    public override string ToString() => $"{Kind.CliName()} ({DeviceName})";

    public abstract void Dispose();

    /// <summary>Throws when a buffer belongs to another backend or is too short.</summary>
    protected internal void Check<T>(DeviceBuffer<T> buffer, long needed, string name) where T : unmanaged
    {
        if (!ReferenceEquals(buffer.Owner, this))
            throw new ArgumentException($"Buffer '{name}' belongs to {buffer.Owner}, not {this}.");
        if (buffer.Length < needed)
            throw new ArgumentException($"Buffer '{name}' has {buffer.Length} elements; {needed} are needed.");
    }
}
