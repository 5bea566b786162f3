using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Quantize;

/// <summary>Scalar arguments of the quantizer kernels.</summary>
public struct QuantizerKernelArgs
{
    public int Count, Blocks, Kind, Stage;
    public float QMax;
}

/// <summary>
/// ILGPU implementation (CUDA, OpenCL, ILGPU CPU). A reduction pass sums (or maxes) |w| over fixed
/// chunks of <see cref="ChunkLength"/> weights, one block each (thread t takes every T-th weight of
/// the chunk in order, then a fixed-pairing shared-memory tree); a one-thread pass combines the
/// chunk partials in chunk order and writes the scale (and the ternary threshold) to a small
/// device buffer; an element-wise pass reads it and quantizes. Nothing is read back: the result is
/// deterministic on a device (float32, so within 2e-5 relative of the float64 host mean).
/// Ternary runs two reductions (mean|w| for Δ, then Σ|w| and the count above Δ for α).
/// </summary>
public sealed class QuantizerIlgpu : IQuantizerKernels, IDisposable
{
    /// <summary>Weights per reduction block; fixed so the summation order depends on the data size only.</summary>
    public const int ChunkLength = 4096;
    private const int MaxThreads = 256;

    // Reduction modes (Stage of the reduce kernel).
    private const int ReduceMax = 0, ReduceSum = 1, ReduceAbove = 2;
    // Finish stages (Stage of the finish kernel).
    private const int FinishScale = 0, FinishThreshold = 1, FinishAlpha = 2;
    // stats[]: 0 = the scale/α the element pass uses, 1 = ternary threshold, 2 = 2-bit step.
    private const int StatScale = 0, StatThreshold = 1, StatStep = 2;

    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;
    private readonly int _threads;
    private readonly DeviceBuffer<float> _stats;
    private DeviceBuffer<float>? _partialSums;
    private DeviceBuffer<int>? _partialCounts;

    public QuantizerIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
        int t = 1;
        while (t * 2 <= Math.Min(MaxThreads, backend.Accelerator.MaxNumThreadsPerGroup)) t *= 2;
        _threads = t;
        _stats = backend.Allocate<float>(4);
    }

    // ---------------------------------------------------------------- kernels

    /// <summary>One block per chunk: max|w|, Σ|w|, or Σ|w| and the count over |w| &gt; stats[threshold].</summary>
    internal static void ReduceKernel(ArrayView<float> w, ArrayView<float> stats, ArrayView<float> partialSums,
        ArrayView<int> partialCounts, QuantizerKernelArgs a)
    {
        var sums = SharedMemory.Allocate<float>(MaxThreads);
        var counts = SharedMemory.Allocate<int>(MaxThreads);
        int t = Group.IdxX, threads = Group.DimX, block = Grid.IdxX;
        int start = block * ChunkLength;
        int end = IntrinsicMath.Min(start + ChunkLength, a.Count);
        float threshold = a.Stage == ReduceAbove ? stats[StatThreshold] : 0f;
        float acc = 0f;
        int n = 0;
        for (int i = start + t; i < end; i += threads)
        {
            if (a.Stage == ReduceMax) acc = CodebookMath.MaxAbsStep(acc, w[i]);
            else
            {
                float x = MathF.Abs(w[i]);
                if (a.Stage == ReduceSum) acc += x;
                else if (x > threshold)
                {
                    acc += x;
                    n++;
                }
            }
        }
        sums[t] = acc;
        counts[t] = n;
        Group.Barrier();
        for (int s = threads / 2; s > 0; s /= 2)
        {
            if (t < s)
            {
                sums[t] = a.Stage == ReduceMax ? CodebookMath.MaxAbsStep(sums[t], sums[t + s]) : sums[t] + sums[t + s];
                counts[t] += counts[t + s];
            }
            Group.Barrier();
        }
        if (t == 0)
        {
            partialSums[block] = sums[0];
            partialCounts[block] = counts[0];
        }
    }

    /// <summary>One thread: combines the chunk partials in order and derives the scale, threshold or α.</summary>
    internal static void FinishKernel(Index1D i, ArrayView<float> partialSums, ArrayView<int> partialCounts,
        ArrayView<float> stats, ArrayView<float> scale, QuantizerKernelArgs a)
    {
        bool max = a.Kind == (int)QuantizerKind.UniformSymmetric || a.Kind == (int)QuantizerKind.UniformTwoBit;
        float acc = 0f;
        int n = 0;
        for (int b = 0; b < a.Blocks; b++)
        {
            acc = max ? CodebookMath.MaxAbsStep(acc, partialSums[b]) : acc + partialSums[b];
            n += partialCounts[b];
        }
        if (a.Stage == FinishThreshold)
        {
            stats[StatThreshold] = QuantizerMath.TernaryFactor * (acc / a.Count);
            return;
        }
        float s;
        if (a.Kind == (int)QuantizerKind.UniformSymmetric) s = acc / a.QMax;
        else if (a.Kind == (int)QuantizerKind.UniformTwoBit)
        {
            s = acc > 0f ? acc : 0f;
            stats[StatStep] = QuantizerMath.TwoBitStep(acc);
        }
        else if (a.Stage == FinishAlpha) s = n > 0 ? acc / n : 0f;
        else s = acc / a.Count; // binary: mean|w|
        stats[StatScale] = s;
        scale[0] = s;
    }

    internal static void ApplyKernel(Index1D i, ArrayView<float> w, ArrayView<float> q, ArrayView<float> stats,
        QuantizerKernelArgs a)
    {
        float x = w[i], s = stats[StatScale];
        if (a.Kind == (int)QuantizerKind.UniformSymmetric) q[i] = CodebookMath.Project(x, s, -a.QMax, a.QMax);
        else if (a.Kind == (int)QuantizerKind.Binary) q[i] = QuantizerMath.Binary(x, s);
        else if (a.Kind == (int)QuantizerKind.Ternary) q[i] = QuantizerMath.Ternary(x, stats[StatThreshold], s);
        else q[i] = QuantizerMath.TwoBit(x, s, stats[StatStep]);
    }

    // ---------------------------------------------------------------- launches

    public void Quantize(QuantizerKind kind, int bits, int count, DeviceBuffer<float> latent, DeviceBuffer<float> quantized,
        DeviceBuffer<float> scale)
    {
        QuantizerMath.Validate(_backend, kind, bits, count, latent, quantized, scale);
        int blocks = (count + ChunkLength - 1) / ChunkLength;
        var args = new QuantizerKernelArgs
        {
            Count = count, Blocks = blocks, Kind = (int)kind,
            QMax = kind == QuantizerKind.UniformSymmetric ? QuantizerMath.SymmetricQMax(bits) : 0,
        };
        EnsurePartials(blocks);
        bool max = kind is QuantizerKind.UniformSymmetric or QuantizerKind.UniformTwoBit;
        if (kind == QuantizerKind.Ternary)
        {
            Reduce(latent, args with { Stage = ReduceSum });
            Finish(scale, args with { Stage = FinishThreshold });
            Reduce(latent, args with { Stage = ReduceAbove });
            Finish(scale, args with { Stage = FinishAlpha });
        }
        else
        {
            Reduce(latent, args with { Stage = max ? ReduceMax : ReduceSum });
            Finish(scale, args with { Stage = FinishScale });
        }
        _cache.Get("quantize.apply", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, QuantizerKernelArgs>(ApplyKernel))(count, latent.View, quantized.View, _stats.View, args);
    }

    private void Reduce(DeviceBuffer<float> latent, QuantizerKernelArgs args) =>
        _cache.Get("quantize.reduce", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, QuantizerKernelArgs>(ReduceKernel))(
            new KernelConfig(args.Blocks, _threads), latent.View, _stats.View, _partialSums!.View, _partialCounts!.View, args);

    private void Finish(DeviceBuffer<float> scale, QuantizerKernelArgs args) =>
        _cache.Get("quantize.finish", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>,
                ArrayView<float>, ArrayView<float>, QuantizerKernelArgs>(FinishKernel))(
            1, _partialSums!.View, _partialCounts!.View, _stats.View, scale.View, args);

    /// <summary>Per-chunk partial buffers, grown on demand and reused.</summary>
    private void EnsurePartials(int blocks)
    {
        if (_partialSums is not null && _partialSums.Length >= blocks) return;
        if (_partialSums is not null)
        {
            _backend.Synchronize(); // queued kernels may still use the old buffers
            _partialSums.Dispose();
            _partialCounts!.Dispose();
        }
        _partialSums = _backend.Allocate<float>(Math.Max(blocks, 256));
        _partialCounts = _backend.Allocate<int>(Math.Max(blocks, 256));
    }

    public void Dispose()
    {
        _stats.Dispose();
        _partialSums?.Dispose();
        _partialCounts?.Dispose();
    }
}
