using System.Numerics;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Encoding;

/// <summary>
/// Fast managed implementation. Work items are (sample b, tile of pixels); for each vector of
/// pixels the hash state up to the pixel word is computed once and reused for every step, so a
/// spike costs one vectorised mix. Bit-identical to <see cref="CounterRng.Uniform"/>.
/// </summary>
public sealed class EncodingCpu : IEncodingKernels
{
    private const int Tile = 1024;
    private readonly CpuBackend _backend;

    public EncodingCpu(CpuBackend backend) => _backend = backend;

    public void Poisson(int t, int b, int p, uint seed, DeviceBuffer<float> pixels, DeviceBuffer<int> sampleIds,
        DeviceBuffer<float> spikes)
    {
        EncodingShape.Check(_backend, t, b, p, pixels, sampleIds, spikes);
        var px = pixels.Host;
        var ids = sampleIds.Host;
        var sp = spikes.Host;
        int tiles = (p + Tile - 1) / Tile;
        int step = b * p;
        int vc = Vector<float>.Count;
        _backend.ParallelFor(b * tiles, item =>
        {
            int s = item / tiles, p0 = item % tiles * Tile, end = Math.Min(p, p0 + Tile);
            uint sample = (uint)ids[s];
            uint row = CounterRngVector.Row(seed, sample);
            int rowOffset = s * p;
            int j = p0;
            for (; j <= end - vc; j += vc)
            {
                var state = CounterRngVector.Pixels(row, (uint)j);
                // u ∈ [0, 1), so u < x equals u < clamp(x, 0, 1) for every x (NaN never fires).
                var x = new Vector<float>(px, rowOffset + j);
                for (int tt = 0; tt < t; tt++)
                {
                    var u = CounterRngVector.Uniform(state, CounterRngVector.StepTerm((uint)tt));
                    Vector.ConditionalSelect(Vector.LessThan(u, x), Vector<float>.One, Vector<float>.Zero)
                        .CopyTo(sp, tt * step + rowOffset + j);
                }
            }
            for (; j < end; j++)
            {
                float x = px[rowOffset + j];
                for (int tt = 0; tt < t; tt++)
                    sp[tt * step + rowOffset + j] = CounterRng.Uniform(seed, sample, (uint)j, (uint)tt) < x ? 1f : 0f;
            }
        });
    }
}
