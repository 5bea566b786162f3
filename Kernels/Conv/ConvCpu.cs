using System.Numerics;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// Fast managed implementation. Channels-last layout makes the K·C inputs of one kernel row a
/// single contiguous run, so im2col is a memcpy per (output pixel, ky) and col2im a Vector&lt;float&gt;
/// add of that run back into the image. col2im adds in the same per-element order as
/// <see cref="ConvIlgpu"/>, so both produce bit-identical gradients.
/// </summary>
public sealed unsafe class ConvCpu : IConvKernels
{
    private readonly CpuBackend _backend;

    public ConvCpu(CpuBackend backend) => _backend = backend;

    public void Im2Col(ConvShape s, DeviceBuffer<float> input, DeviceBuffer<float> cols)
    {
        ConvArguments.Im2Col(_backend, s, input, cols);
        var inArr = input.Host;
        var colArr = cols.Host;
        int ho = s.Ho, wo = s.Wo, k = s.K, c = s.C, p = s.Padding, patch = s.Patch, run = k * c;
        _backend.ParallelFor(s.R * ho, item =>
        {
            int r = item / ho, oy = item - r * ho;
            fixed (float* pin = inArr, pcols = colArr)
            {
                for (int ox = 0; ox < wo; ox++)
                {
                    float* dst = pcols + ((long)item * wo + ox) * patch;
                    int x0 = ox - p;
                    // Kernel columns kx in [lo, hi) fall inside the image; the rest are padding.
                    int lo = Math.Max(0, -x0), hi = Math.Min(k, s.W - x0);
                    for (int ky = 0; ky < k; ky++, dst += run)
                    {
                        int y = oy + ky - p;
                        if (y < 0 || y >= s.H || hi <= lo)
                        {
                            new Span<float>(dst, run).Clear();
                            continue;
                        }
                        if (lo > 0) new Span<float>(dst, lo * c).Clear();
                        float* src = pin + (((long)r * s.H + y) * s.W + x0 + lo) * c;
                        new ReadOnlySpan<float>(src, (hi - lo) * c).CopyTo(new Span<float>(dst + lo * c, (hi - lo) * c));
                        if (hi < k) new Span<float>(dst + hi * c, (k - hi) * c).Clear();
                    }
                }
            }
        });
    }

    public void Col2Im(ConvShape s, DeviceBuffer<float> gradCols, DeviceBuffer<float> gradInput)
    {
        ConvArguments.Col2Im(_backend, s, gradCols, gradInput);
        var gc = gradCols.Host;
        var gi = gradInput.Host;
        int ho = s.Ho, wo = s.Wo, k = s.K, c = s.C, p = s.Padding, patch = s.Patch;
        long image = (long)s.H * s.W * c;
        // One image per work item: read its cols rows in order (streaming) and scatter each kernel
        // row's K·C run into the image, which stays in L1/L2. Images are disjoint, so no races, and
        // each element receives its terms in ascending (oy, ox) order, like ConvIlgpu's gather.
        _backend.ParallelFor(s.R, r =>
        {
            fixed (float* pgc = gc, pgi = gi)
            {
                float* img = pgi + r * image;
                new Span<float>(img, (int)image).Clear();
                float* src = pgc + (long)r * ho * wo * patch;
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++, src += patch)
                    {
                        int x0 = ox - p;
                        int lo = Math.Max(0, -x0), hi = Math.Min(k, s.W - x0);
                        if (hi <= lo) continue;
                        for (int ky = 0; ky < k; ky++)
                        {
                            int y = oy + ky - p;
                            if (y < 0 || y >= s.H) continue;
                            Add(img + ((long)y * s.W + x0 + lo) * c, src + (ky * k + lo) * c, (hi - lo) * c);
                        }
                    }
            }
        });
    }

    /// <summary>dst[j] += src[j] for j &lt; n (elementwise, so the per-element order is the caller's loop order).</summary>
    private static void Add(float* dst, float* src, int n)
    {
        int j = 0, vc = Vector<float>.Count;
        for (; j <= n - vc; j += vc) Vector.Store(Vector.Load(dst + j) + Vector.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }

    // Pooling: work items are output rows (r, oy) or input rows (r, y); the channel loop runs in
    // Vector<float> steps (the windows of neighbouring channels are neighbouring addresses) with a
    // scalar tail, and both compute exactly what the ILGPU kernels compute.

    public void MaxPool2x2Forward(PoolShape s, DeviceBuffer<float> input, DeviceBuffer<float> output, DeviceBuffer<int> argmax)
    {
        ConvArguments.PoolForward(_backend, s, input, output);
        ConvArguments.Argmax(_backend, s, argmax);
        var inArr = input.Host;
        var outArr = output.Host;
        var amArr = argmax.Host;
        int ho = s.Ho, wo = s.Wo, c = s.C, rowStride = s.W * c, vc = Vector<float>.Count;
        _backend.ParallelFor(s.R * ho, item =>
        {
            int r = item / ho, oy = item - r * ho;
            fixed (float* pin = inArr, pout = outArr)
            fixed (int* pam = amArr)
            {
                for (int ox = 0; ox < wo; ox++)
                {
                    float* t = pin + ((long)(r * s.H + 2 * oy) * s.W + 2 * ox) * c, b = t + rowStride;
                    long o = ((long)item * wo + ox) * c;
                    int ch = 0;
                    // Strict > keeps the first maximum in the scan order (0,0), (0,1), (1,0), (1,1).
                    for (; ch <= c - vc; ch += vc)
                    {
                        var best = Vector.Load(t + ch);
                        var at = Vector<int>.Zero;
                        var v = Vector.Load(t + c + ch);
                        var gt = Vector.GreaterThan(v, best);
                        best = Vector.ConditionalSelect(gt, v, best);
                        at = Vector.ConditionalSelect(gt, new Vector<int>(1), at);
                        v = Vector.Load(b + ch);
                        gt = Vector.GreaterThan(v, best);
                        best = Vector.ConditionalSelect(gt, v, best);
                        at = Vector.ConditionalSelect(gt, new Vector<int>(2), at);
                        v = Vector.Load(b + c + ch);
                        gt = Vector.GreaterThan(v, best);
                        best = Vector.ConditionalSelect(gt, v, best);
                        at = Vector.ConditionalSelect(gt, new Vector<int>(3), at);
                        Vector.Store(best, pout + o + ch);
                        Vector.Store(at, pam + o + ch);
                    }
                    for (; ch < c; ch++)
                    {
                        float best = t[ch];
                        int at = 0;
                        if (t[c + ch] > best) { best = t[c + ch]; at = 1; }
                        if (b[ch] > best) { best = b[ch]; at = 2; }
                        if (b[c + ch] > best) { best = b[c + ch]; at = 3; }
                        pout[o + ch] = best;
                        pam[o + ch] = at;
                    }
                }
            }
        });
    }

    public void MaxPool2x2Backward(PoolShape s, DeviceBuffer<float> gradOutput, DeviceBuffer<int> argmax, DeviceBuffer<float> gradInput)
    {
        ConvArguments.PoolBackward(_backend, s, gradOutput, gradInput);
        ConvArguments.Argmax(_backend, s, argmax);
        var go = gradOutput.Host;
        var am = argmax.Host;
        var gi = gradInput.Host;
        int ho = s.Ho, wo = s.Wo, c = s.C, vc = Vector<float>.Count;
        _backend.ParallelFor(s.R * s.H, item =>
        {
            int r = item / s.H, y = item - r * s.H, oy = y >> 1;
            fixed (float* pgo = go, pgi = gi)
            fixed (int* pam = am)
            {
                float* row = pgi + (long)item * s.W * c;
                new Span<float>(row, s.W * c).Clear();
                if (oy >= ho) return;
                for (int x = 0; x < 2 * wo; x++)
                {
                    int want = (y & 1) << 1 | (x & 1);
                    long o = ((long)(r * ho + oy) * wo + (x >> 1)) * c;
                    float* dst = row + x * c;
                    int ch = 0;
                    var wantV = new Vector<int>(want);
                    for (; ch <= c - vc; ch += vc)
                        Vector.Store(Vector.ConditionalSelect(Vector.Equals(Vector.Load(pam + o + ch), wantV),
                            Vector.Load(pgo + o + ch), Vector<float>.Zero), dst + ch);
                    for (; ch < c; ch++)
                        if (pam[o + ch] == want) dst[ch] = pgo[o + ch];
                }
            }
        });
    }

    public void AvgPool2x2Forward(PoolShape s, DeviceBuffer<float> input, DeviceBuffer<float> output)
    {
        ConvArguments.PoolForward(_backend, s, input, output);
        var inArr = input.Host;
        var outArr = output.Host;
        int ho = s.Ho, wo = s.Wo, c = s.C, rowStride = s.W * c, vc = Vector<float>.Count;
        _backend.ParallelFor(s.R * ho, item =>
        {
            int r = item / ho, oy = item - r * ho;
            var quarter = new Vector<float>(0.25f);
            fixed (float* pin = inArr, pout = outArr)
            {
                for (int ox = 0; ox < wo; ox++)
                {
                    float* t = pin + ((long)(r * s.H + 2 * oy) * s.W + 2 * ox) * c, b = t + rowStride;
                    float* dst = pout + ((long)item * wo + ox) * c;
                    int ch = 0;
                    // Same association as the ILGPU kernel: ((a + b) + (c + d))·0.25.
                    for (; ch <= c - vc; ch += vc)
                        Vector.Store((Vector.Load(t + ch) + Vector.Load(t + c + ch) + (Vector.Load(b + ch) + Vector.Load(b + c + ch))) * quarter, dst + ch);
                    for (; ch < c; ch++)
                        dst[ch] = (t[ch] + t[c + ch] + (b[ch] + b[c + ch])) * 0.25f;
                }
            }
        });
    }

    public void AvgPool2x2Backward(PoolShape s, DeviceBuffer<float> gradOutput, DeviceBuffer<float> gradInput)
    {
        ConvArguments.PoolBackward(_backend, s, gradOutput, gradInput);
        var go = gradOutput.Host;
        var gi = gradInput.Host;
        int ho = s.Ho, wo = s.Wo, c = s.C, vc = Vector<float>.Count;
        _backend.ParallelFor(s.R * s.H, item =>
        {
            int r = item / s.H, y = item - r * s.H, oy = y >> 1;
            var quarter = new Vector<float>(0.25f);
            fixed (float* pgo = go, pgi = gi)
            {
                float* row = pgi + (long)item * s.W * c;
                if (oy >= ho)
                {
                    new Span<float>(row, s.W * c).Clear();
                    return;
                }
                for (int x = 0; x < 2 * wo; x++)
                {
                    float* src = pgo + ((long)(r * ho + oy) * wo + (x >> 1)) * c, dst = row + x * c;
                    int ch = 0;
                    for (; ch <= c - vc; ch += vc) Vector.Store(Vector.Load(src + ch) * quarter, dst + ch);
                    for (; ch < c; ch++) dst[ch] = 0.25f * src[ch];
                }
                // A floored odd last column gets no gradient.
                new Span<float>(row + 2 * wo * c, (s.W - 2 * wo) * c).Clear();
            }
        });
    }
}
