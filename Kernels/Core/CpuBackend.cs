using System.Numerics;
using System.Runtime.Intrinsics.X86;
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
/// The fast CPU path: managed SIMD code (Vector&lt;float&gt;, System.Numerics.Tensors) over managed
/// arrays, parallelised with Parallel.For. Synchronous: every call has finished when it returns.
/// </summary>
public sealed class CpuBackend : Backend
{
    private readonly ParallelOptions _parallel;

    public int Threads { get; }
    public override BackendKind Kind => BackendKind.Cpu;
    public override string DeviceName { get; }

    public override ILifKernels Lif { get; }
    public override IDenseKernels Dense { get; }
    public override ICodebookKernels Codebook { get; }
    public override ILossKernels Loss { get; }
    public override IOptimizerKernels Optim { get; }
    public override IEncodingKernels Encoding { get; }
    public override IConvKernels Conv { get; }
    public override ISpikeConvKernels SpikeConv { get; }
    public override IQuantizerKernels Quantizer { get; }

    public CpuBackend(int threads = 0)
    {
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        DeviceName = $"managed SIMD, {Threads} threads, {Vector<float>.Count}-wide float vectors ({Isa()})";
        Lif = new LifCpu(this);
        Dense = new DenseCpu(this);
        Codebook = new CodebookCpu(this);
        Loss = new LossCpu(this);
        Optim = new OptimizerCpu(this);
        Encoding = new EncodingCpu(this);
        Conv = new ConvCpu(this);
        SpikeConv = new SpikeConvCpu(this);
        Quantizer = new QuantizerCpu(this);
    }

    private static string Isa() =>
        Avx512F.IsSupported ? "AVX-512" : Avx2.IsSupported ? "AVX2" : Sse2.IsSupported ? "SSE2" :
        System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "NEON" : "scalar";

    /// <summary>Runs body(0..count-1) on the backend's threads; serial when there is one item or one thread.</summary>
    public void ParallelFor(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || Threads == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, _parallel, body);
    }

    /// <summary>Runs body(start, end) over contiguous chunks of [0, count), about one chunk per thread times <paramref name="chunksPerThread"/>.</summary>
    public void ParallelChunks(long count, Action<long, long> body, int chunksPerThread = 4, long minChunk = 4096)
    {
        if (count <= 0) return;
        long chunks = Math.Max(1, Math.Min(Threads * chunksPerThread, count / Math.Max(1, minChunk)));
        long size = (count + chunks - 1) / chunks;
        ParallelFor((int)chunks, c =>
        {
            long start = c * size, end = Math.Min(count, start + size);
            if (start < end) body(start, end);
        });
    }

    public override DeviceBuffer<T> Allocate<T>(long length)
    {
        if (length > Array.MaxLength) throw new ArgumentException($"Buffer of {length} elements exceeds the managed array limit.");
        var buffer = new DeviceBuffer<T>(this, new T[length]);
        TrackAllocation(buffer.Bytes);
        return buffer;
    }

    public override void Synchronize() { }

    public override void Copy(DeviceBuffer<float> source, DeviceBuffer<float> destination)
    {
        Check(source, source.Length, nameof(source));
        Check(destination, source.Length, nameof(destination));
        var src = source.Host;
        var dst = destination.Host;
        ParallelChunks(src.LongLength, (s, e) => src.AsSpan((int)s, (int)(e - s)).CopyTo(dst.AsSpan((int)s, (int)(e - s))), 1, 1 << 16);
    }

    public override void Dispose() { }
}
