using System.Diagnostics;
using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Kernels.Conv;

/// <summary>Convolution-layer timings for benchmarks (figures, not tests).</summary>
public static class ConvBench
{
    /// <summary>
    /// Median milliseconds of <see cref="ConvLayer.Forward"/> and <see cref="ConvLayer.Backward"/> on
    /// random data: binary input with the given density when <paramref name="density"/> &lt; 1
    /// (spikes), else normal. ∂input is computed when <paramref name="inputGradient"/> (not for a
    /// first layer). One warm-up call each (ILGPU compiles on first use).
    /// </summary>
    public static (double ForwardMs, double BackwardMs) LayerMilliseconds(Backend b, ConvShape s, double density,
        bool inputGradient, int repeats = 5, int seed = 1)
    {
        s.Validate();
        var rng = new Random(seed);
        var x = density < 1 ? DenseCheck.Binary(rng, s.InputLength, density) : TestData.Normal(rng, s.InputLength);
        using var dx = b.Upload<float>(x);
        using var w = b.Upload<float>(TestData.Normal(rng, s.WeightLength, 1f / MathF.Sqrt(s.Patch)));
        using var bias = b.Upload<float>(TestData.Normal(rng, s.O, 0.1f));
        using var gy = b.Upload<float>(TestData.Normal(rng, s.OutputLength));
        using var cols = b.Allocate<float>(s.ColsLength);
        using var gcols = b.Allocate<float>(inputGradient ? s.ColsLength : 1);
        using var y = b.Allocate<float>(s.OutputLength);
        using var gx = b.Allocate<float>(inputGradient ? s.InputLength : 1);
        using var gw = b.Allocate<float>(s.WeightLength);
        using var gb = b.Allocate<float>(s.O);
        double forward = Median(b, repeats, () => ConvLayer.Forward(b, s, dx, w, bias, cols, y));
        double backward = Median(b, repeats, () =>
            ConvLayer.Backward(b, s, cols, w, gy, inputGradient ? gx : null, inputGradient ? gcols : null, gw, gb));
        return (forward, backward);
    }

    private static double Median(Backend b, int repeats, Action run)
    {
        run();
        b.Synchronize();
        var times = new double[Math.Max(1, repeats)];
        for (int i = 0; i < times.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            b.Synchronize();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times.Length % 2 == 1 ? times[times.Length / 2] : 0.5 * (times[times.Length / 2 - 1] + times[times.Length / 2]);
    }
}
