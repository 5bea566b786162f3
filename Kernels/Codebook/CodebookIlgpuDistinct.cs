using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

/// <summary>Scalar arguments of the distinct-level projection kernel.</summary>
public struct DistinctKernelArgs
{
    public int Groups, M, QMin, QMax;
    public float Divisor;
}

/// <summary>
/// The kernels that keep CAT and Deep Compression training on the device:
/// <list type="bullet">
/// <item>ProjectDistinct: one thread group; max|c| by a shared-memory tree (max is exact, so the
/// order does not matter), then one thread per codebook group runs the sequential sort-and-fix of
/// <see cref="CodebookMath.ProjectGroup"/> on global memory, with an [order | levels] scratch buffer.</item>
/// <item>Gather: one thread per weight, Ŵ_i = c[g, a_i].</item>
/// <item>Accumulate: one thread per value, total (+)= partial.</item>
/// </list>
/// </summary>
public sealed partial class CodebookIlgpu
{
    private DeviceBuffer<int>? _levels;

    internal static void ProjectDistinctKernel(ArrayView<float> latent, ArrayView<float> projected, ArrayView<float> scale,
        ArrayView<int> scratch, DistinctKernelArgs a)
    {
        var red = SharedMemory.Allocate<float>(MaxGroup);
        int t = Group.IdxX, threads = Group.DimX;
        int count = a.Groups * a.M;
        float maxAbs = 0f;
        for (int i = t; i < count; i += threads) maxAbs = CodebookMath.MaxAbsStep(maxAbs, latent[i]);
        red[t] = maxAbs;
        Group.Barrier();
        for (int s = threads / 2; s > 0; s /= 2)
        {
            if (t < s) red[t] = CodebookMath.MaxAbsStep(red[t], red[t + s]);
            Group.Barrier();
        }
        float delta = red[0] / a.Divisor;
        bool valid = delta > 0f && delta <= float.MaxValue; // false for 0, NaN and +∞
        // Every read of latent by another thread happened before the barriers, and a thread reads
        // and writes only its own groups from here on, so projecting in place is safe.
        for (int g = t; g < a.Groups; g += threads)
        {
            int b = g * a.M;
            if (valid) ProjectGroup(latent, projected, scratch, b, count + b, a.M, delta, a.QMin, a.QMax);
            else
                for (int i = 0; i < a.M; i++) projected[b + i] = 0f;
        }
        if (t == 0) scale[0] = valid ? delta : 0f;
    }

    /// <summary><see cref="CodebookMath.ProjectGroup"/> on views: values at [b, b+m), order at scratch[b..], levels at scratch[lb..].</summary>
    private static void ProjectGroup(ArrayView<float> latent, ArrayView<float> projected, ArrayView<int> scratch,
        int b, int lb, int m, float scale, int qMin, int qMax)
    {
        for (int i = 0; i < m; i++) projected[b + i] = CodebookMath.Project(latent[b + i], scale, qMin, qMax);
        for (int i = 0; i < m; i++) scratch[b + i] = i;
        for (int i = 1; i < m; i++)
            for (int j = i; j > 0 && projected[b + scratch[b + j]] < projected[b + scratch[b + j - 1]]; j--)
            {
                int tmp = scratch[b + j];
                scratch[b + j] = scratch[b + j - 1];
                scratch[b + j - 1] = tmp;
            }
        bool clash = false;
        for (int i = 0; i < m; i++)
        {
            int q = (int)CodebookMath.RoundHalfAway(projected[b + scratch[b + i]] / scale);
            scratch[lb + i] = q;
            if (i > 0 && q <= scratch[lb + i - 1]) clash = true;
        }
        if (!clash) return;
        for (int i = 1; i < m; i++) scratch[lb + i] = IntrinsicMath.Max(scratch[lb + i], scratch[lb + i - 1] + 1);
        scratch[lb + m - 1] = IntrinsicMath.Min(scratch[lb + m - 1], qMax);
        for (int i = m - 2; i >= 0; i--) scratch[lb + i] = IntrinsicMath.Min(scratch[lb + i], scratch[lb + i + 1] - 1);
        for (int i = 0; i < m; i++) projected[b + scratch[b + i]] = scale * scratch[lb + i];
    }

    internal static void GatherKernel(Index1D i, ArrayView<float> codebooks, ArrayView<int> assignments,
        ArrayView<float> quantized, CodebookKernelArgs a)
    {
        int idx = i;
        quantized[idx] = codebooks[idx / a.GroupLength * a.M + assignments[idx]];
    }

    internal static void AccumulateKernel(Index1D i, ArrayView<float> partial, ArrayView<float> total, int first)
    {
        total[i] = first != 0 ? partial[i] : total[i] + partial[i];
    }

    public void ProjectDistinct(int groups, int m, int bits, DeviceBuffer<float> latent, DeviceBuffer<float> projected,
        DeviceBuffer<float> scale)
    {
        CodebookArguments.ProjectDistinct(_backend, groups, m, bits, latent, projected, scale);
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        int count = groups * m;
        var args = new DistinctKernelArgs
            { Groups = groups, M = m, QMin = qMin, QMax = qMax, Divisor = CodebookMath.DistinctDivisor(m, bits) };
        _cache.Get("codebook.project.distinct", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, DistinctKernelArgs>(ProjectDistinctKernel))(
            new KernelConfig(1, _groupSize), latent.View, projected.View, scale.View, Levels(2L * count).View, args);
    }

    public void Gather(CodebookShape shape, DeviceBuffer<float> codebooks, DeviceBuffer<int> assignments, DeviceBuffer<float> quantized)
    {
        CodebookArguments.Gather(_backend, shape, codebooks, assignments, quantized);
        var args = new CodebookKernelArgs { Groups = shape.Groups, GroupLength = shape.GroupLength, M = shape.M };
        _cache.Get("codebook.gather", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>,
                ArrayView<float>, CodebookKernelArgs>(GatherKernel))(
            (int)shape.Weights, codebooks.View, assignments.View, quantized.View, args);
    }

    public void Accumulate(int count, DeviceBuffer<float> partial, DeviceBuffer<float> total, bool first)
    {
        CodebookArguments.Accumulate(_backend, count, partial, total);
        _cache.Get("codebook.accumulate", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            int>(AccumulateKernel))(count, partial.View, total.View, first ? 1 : 0);
    }

    /// <summary>The projection's [order | levels] scratch, grown on demand and reused.</summary>
    private DeviceBuffer<int> Levels(long length)
    {
        if (_levels is null || _levels.Length < length)
        {
            if (_levels is not null)
            {
                _backend.Synchronize(); // queued kernels may still use the old buffer
                _levels.Dispose();
            }
            _levels = _backend.Allocate<int>(Math.Max(length, 256));
        }
        return _levels;
    }

    public void Dispose()
    {
        _partial?.Dispose();
        _levels?.Dispose();
    }
}
