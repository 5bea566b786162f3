using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

/// <summary>Scalar arguments of the codebook kernels (one struct keeps the kernel signatures short).</summary>
public struct CodebookKernelArgs
{
    public int Groups, GroupLength, M;
    /// <summary>Blocks per group in CentroidGradient (a block never straddles two groups).</summary>
    public int ChunksPerGroup;
    /// <summary>Weights per CentroidGradient block.</summary>
    public int ChunkLength;
}

/// <summary>Scalar arguments of the projection kernel.</summary>
public struct ProjectKernelArgs
{
    public int Count;
    public float QMin, QMax;
}

/// <summary>
/// ILGPU implementation (CUDA, OpenCL, ILGPU CPU).
/// <list type="bullet">
/// <item>AssignGather: one thread per weight, linear scan of its group's codebook (unsorted is fine).</item>
/// <item>CentroidGradient: explicitly grouped. Each block sums one chunk of one group into a
/// partial row [blocks, M]; a second kernel adds the partial rows of each (g, m) in block order.
/// For M ≤ <see cref="SlotMaxM"/> a block gives every thread its own M shared-memory slots and
/// tree-reduces them (fixed pairing, no atomics): the result is bitwise reproducible on every
/// device. For M ≤ <see cref="SharedMaxM"/> the block sums with shared-memory atomics (the order,
/// hence the last bits, vary between runs on GPUs). Above that, one global atomic per weight.</item>
/// <item>Project: one group reduces max|c| in shared memory, then projects with a strided loop.
/// Meant for codebooks (Groups·M up to a few thousand values).</item>
/// <item>ProjectDistinct, Gather, Accumulate: see <c>CodebookIlgpuDistinct.cs</c>.</item>
/// </list>
/// </summary>
public sealed partial class CodebookIlgpu : ICodebookKernels, IDisposable
{
    /// <summary>Shared-memory floats of the per-thread slot kernel (16 KiB): M·threads must fit.</summary>
    private const int SlotCapacity = 4096;
    /// <summary>Largest M for the deterministic slot kernel (it then runs 4096/M ≥ 64 threads per block).</summary>
    public const int SlotMaxM = 64;
    /// <summary>Largest M for the shared-atomic kernel; above it the kernel adds straight into global memory.</summary>
    public const int SharedMaxM = 256;
    /// <summary>Largest group size used (and the size of the projection's reduction array).</summary>
    private const int MaxGroup = 256;
    /// <summary>Weights each thread of a gradient block sums (the chunk is threads × this).</summary>
    private const int ItemsPerThread = 16;

    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;
    private readonly int _groupSize;
    private DeviceBuffer<float>? _partial;

    public CodebookIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
        _groupSize = FloorPow2(Math.Min(MaxGroup, backend.Accelerator.MaxNumThreadsPerGroup));
    }

    private static int CeilPow2(int x)
    {
        int p = 1;
        while (p < x) p *= 2;
        return p;
    }

    private static int FloorPow2(int x)
    {
        int p = 1;
        while (p * 2 <= x) p *= 2;
        return p;
    }

    // ---------------------------------------------------------------- kernels

    internal static void AssignGatherKernel(Index1D i, ArrayView<float> weights, ArrayView<float> codebooks,
        ArrayView<int> assignments, ArrayView<float> quantized, CodebookKernelArgs a)
    {
        int idx = i;
        int cb = idx / a.GroupLength * a.M;
        float w = weights[idx];
        float bestC = codebooks[cb];
        float best = MathF.Abs(w - bestC);
        int bestM = 0;
        for (int m = 1; m < a.M; m++)
        {
            float c = codebooks[cb + m];
            float d = MathF.Abs(w - c);
            if (d < best) // strict: ties keep the lower index
            {
                best = d;
                bestM = m;
                bestC = c;
            }
        }
        assignments[idx] = bestM;
        quantized[idx] = bestC;
    }

    /// <summary>Deterministic block sum: thread t owns slots[m·T + t]; then a fixed-pairing tree over t.</summary>
    internal static void GradientSlotsKernel(ArrayView<float> grad, ArrayView<int> assignments, ArrayView<float> partial,
        CodebookKernelArgs a)
    {
        var slots = SharedMemory.Allocate<float>(SlotCapacity);
        int t = Group.IdxX, threads = Group.DimX, block = Grid.IdxX;
        int g = block / a.ChunksPerGroup;
        int start = g * a.GroupLength + (block - g * a.ChunksPerGroup) * a.ChunkLength;
        int end = IntrinsicMath.Min(start + a.ChunkLength, (g + 1) * a.GroupLength);

        for (int m = 0; m < a.M; m++) slots[m * threads + t] = 0f;
        for (int i = start + t; i < end; i += threads)
        {
            int m = assignments[i];
            if (m >= 0 && m < a.M) slots[m * threads + t] += grad[i];
        }
        Group.Barrier();

        // Level s adds slot j + s into slot j for every m; the M·s additions are spread over all threads.
        for (int s = threads / 2; s > 0; s /= 2)
        {
            int work = a.M * s;
            for (int w = t; w < work; w += threads)
            {
                int m = w / s;
                int at = m * threads + (w - m * s);
                slots[at] += slots[at + s];
            }
            Group.Barrier();
        }
        for (int m = t; m < a.M; m += threads) partial[block * a.M + m] = slots[m * threads];
    }

    /// <summary>Block sum through shared-memory atomics (M ≤ <see cref="SharedMaxM"/>).</summary>
    internal static void GradientSharedAtomicKernel(ArrayView<float> grad, ArrayView<int> assignments, ArrayView<float> partial,
        CodebookKernelArgs a)
    {
        var sums = SharedMemory.Allocate<float>(SharedMaxM);
        int t = Group.IdxX, threads = Group.DimX, block = Grid.IdxX;
        int g = block / a.ChunksPerGroup;
        int start = g * a.GroupLength + (block - g * a.ChunksPerGroup) * a.ChunkLength;
        int end = IntrinsicMath.Min(start + a.ChunkLength, (g + 1) * a.GroupLength);

        for (int m = t; m < a.M; m += threads) sums[m] = 0f;
        Group.Barrier();
        for (int i = start + t; i < end; i += threads)
        {
            int m = assignments[i];
            if (m >= 0 && m < a.M) Atomic.Add(ref sums[m], grad[i]);
        }
        Group.Barrier();
        for (int m = t; m < a.M; m += threads) partial[block * a.M + m] = sums[m];
    }

    /// <summary>grad[g, m] = Σ_k partial[g·K + k, m] in k order (K = chunks per group).</summary>
    internal static void GradientCombineKernel(Index1D i, ArrayView<float> partial, ArrayView<float> gradCodebooks,
        CodebookKernelArgs a)
    {
        int gm = i;
        int g = gm / a.M;
        int at = g * a.ChunksPerGroup * a.M + (gm - g * a.M);
        float sum = 0f;
        for (int k = 0; k < a.ChunksPerGroup; k++)
        {
            sum += partial[at];
            at += a.M;
        }
        gradCodebooks[gm] = sum;
    }

    /// <summary>Fallback for M &gt; <see cref="SharedMaxM"/>: one global atomic per weight (gradCodebooks cleared first).</summary>
    internal static void GradientGlobalAtomicKernel(Index1D i, ArrayView<float> grad, ArrayView<int> assignments,
        ArrayView<float> gradCodebooks, CodebookKernelArgs a)
    {
        int idx = i;
        int m = assignments[idx];
        if (m >= 0 && m < a.M) Atomic.Add(ref gradCodebooks[idx / a.GroupLength * a.M + m], grad[idx]);
    }

    /// <summary>One group: max|c| by a shared-memory tree, then Δ·clamp(round(c/Δ)) with a strided loop.</summary>
    internal static void ProjectKernel(ArrayView<float> latent, ArrayView<float> projected, ArrayView<float> scale,
        ProjectKernelArgs a)
    {
        var red = SharedMemory.Allocate<float>(MaxGroup);
        int t = Group.IdxX, threads = Group.DimX;
        float maxAbs = 0f;
        for (int i = t; i < a.Count; i += threads) maxAbs = MathF.Max(maxAbs, MathF.Abs(latent[i]));
        red[t] = maxAbs;
        Group.Barrier();
        for (int s = threads / 2; s > 0; s /= 2)
        {
            if (t < s) red[t] = MathF.Max(red[t], red[t + s]);
            Group.Barrier();
        }
        float delta = red[0] / a.QMax;
        // Every read of latent happened before the first barrier, so projecting in place is safe.
        for (int i = t; i < a.Count; i += threads) projected[i] = CodebookMath.Project(latent[i], delta, a.QMin, a.QMax);
        if (t == 0) scale[0] = delta;
    }

    // ---------------------------------------------------------------- launches

    public void AssignGather(CodebookShape shape, DeviceBuffer<float> weights, DeviceBuffer<float> codebooks,
        DeviceBuffer<int> assignments, DeviceBuffer<float> quantized)
    {
        CodebookArguments.AssignGather(_backend, shape, weights, codebooks, assignments, quantized);
        var args = new CodebookKernelArgs { Groups = shape.Groups, GroupLength = shape.GroupLength, M = shape.M };
        _cache.Get("codebook.assign", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, ArrayView<float>, CodebookKernelArgs>(AssignGatherKernel))(
            (int)shape.Weights, weights.View, codebooks.View, assignments.View, quantized.View, args);
    }

    public void CentroidGradient(CodebookShape shape, DeviceBuffer<float> gradQuantized, DeviceBuffer<int> assignments,
        DeviceBuffer<float> gradCodebooks)
    {
        CodebookArguments.CentroidGradient(_backend, shape, gradQuantized, assignments, gradCodebooks);
        var args = new CodebookKernelArgs { Groups = shape.Groups, GroupLength = shape.GroupLength, M = shape.M };

        if (shape.M > SharedMaxM)
        {
            gradCodebooks.View.SubView(0, shape.CodebookLength).MemSetToZero();
            _cache.Get("codebook.grad.global", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>,
                    ArrayView<float>, CodebookKernelArgs>(GradientGlobalAtomicKernel))(
                (int)shape.Weights, gradQuantized.View, assignments.View, gradCodebooks.View, args);
            return;
        }

        bool slots = shape.M <= SlotMaxM;
        // Short groups (per-neuron scope) get smaller blocks so each thread still sums several
        // weights and the tree has fewer levels; 64 threads keep a few warps busy per block.
        int wanted = Math.Max(Math.Min(64, _groupSize), CeilPow2((shape.GroupLength + ItemsPerThread - 1) / ItemsPerThread));
        int threads = Math.Min(wanted, slots ? Math.Min(_groupSize, FloorPow2(SlotCapacity / shape.M)) : _groupSize);
        args.ChunkLength = threads * ItemsPerThread;
        args.ChunksPerGroup = (shape.GroupLength + args.ChunkLength - 1) / args.ChunkLength;
        int blocks = shape.Groups * args.ChunksPerGroup;
        // One chunk per group: the block sums are already the answer.
        var partial = args.ChunksPerGroup == 1 ? gradCodebooks : Partial((long)blocks * shape.M);
        var config = new KernelConfig(blocks, threads);
        if (slots)
            _cache.Get("codebook.grad.slots", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>,
                CodebookKernelArgs>(GradientSlotsKernel))(config, gradQuantized.View, assignments.View, partial.View, args);
        else
            _cache.Get("codebook.grad.shared", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>,
                CodebookKernelArgs>(GradientSharedAtomicKernel))(config, gradQuantized.View, assignments.View, partial.View, args);
        if (args.ChunksPerGroup > 1)
            _cache.Get("codebook.grad.combine", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
                    CodebookKernelArgs>(GradientCombineKernel))(
                shape.CodebookLength, partial.View, gradCodebooks.View, args);
    }

    /// <summary>The partial-sum scratch buffer, grown on demand and reused (allocation is slow on GPUs).</summary>
    private DeviceBuffer<float> Partial(long length)
    {
        if (_partial is null || _partial.Length < length)
        {
            if (_partial is not null)
            {
                _backend.Synchronize(); // queued kernels may still read the old buffer
                _partial.Dispose();
            }
            _partial = _backend.Allocate<float>(Math.Max(length, 1024));
        }
        return _partial;
    }

    public void Project(int count, int bits, DeviceBuffer<float> latent, DeviceBuffer<float> projected, DeviceBuffer<float> scale)
    {
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        CodebookArguments.Project(_backend, count, latent, projected, scale);
        var args = new ProjectKernelArgs { Count = count, QMin = qMin, QMax = qMax };
        _cache.Get("codebook.project", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ProjectKernelArgs>(ProjectKernel))(new KernelConfig(1, _groupSize), latent.View, projected.View, scale.View, args);
    }
}
