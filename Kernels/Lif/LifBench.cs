using System.Diagnostics;
using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Lif;

/// <summary>Achieved bandwidth of the fused LIF kernels next to a device copy of the same size.</summary>
public sealed record LifBenchResult(
    string Device, string Backend, int T, int B, int N, int Repeats,
    double CopyMs, double ForwardMs, double BackwardMs,
    double CopyGBps, double ForwardGBps, double BackwardGBps, double FusedGBps)
{
    /// <summary>Forward+backward bandwidth as a fraction of the copy bandwidth measured in the same run.</summary>
    public double FusedToCopy => FusedGBps / CopyGBps;
}

public static class LifBench
{
    /// <summary>
    /// Bytes counted once per tensor touched: forward reads I and writes h and s (3 tensors);
    /// backward reads h and ∂L/∂s and writes ∂L/∂I (3 tensors) plus the [B,N] Σ s·g product.
    /// The copy reads and writes one tensor (2 tensors). Times are medians of
    /// <paramref name="repeats"/> after one warm-up run.
    /// </summary>
    public static LifBenchResult Run(Backend backend, int t, int b, int n, int repeats = 10, int seed = 1)
    {
        var shape = new LifShape(t, b, n);
        shape.Validate();
        var config = LifConfig.Default;
        var rng = new Random(seed);
        long len = shape.StateLength;
        using var input = backend.Upload<float>(TestData.Uniform(rng, len, -0.3f, 0.9f));
        using var gradS = backend.Upload<float>(TestData.Normal(rng, len, 0.1f));
        using var membrane = backend.Allocate<float>(len);
        using var spikes = backend.Allocate<float>(len);
        using var gradI = backend.Allocate<float>(len);
        using var product = backend.Allocate<float>(shape.StepSize);
        using var copy = backend.Allocate<float>(len);

        double copyMs = Median(backend, repeats, () => backend.Copy(input, copy));
        double fwdMs = Median(backend, repeats, () => backend.Lif.Forward(shape, config, input, membrane, spikes));
        double bwdMs = Median(backend, repeats, () => backend.Lif.Backward(shape, config, membrane, gradS, gradI, product));

        double tensor = len * 4.0;
        double gbps(double bytes, double ms) => bytes / (ms * 1e-3) / 1e9;
        double fwdBytes = 3 * tensor, bwdBytes = 3 * tensor + shape.StepSize * 4.0;
        return new LifBenchResult(backend.DeviceName, backend.Kind.CliName(), t, b, n, repeats,
            copyMs, fwdMs, bwdMs,
            gbps(2 * tensor, copyMs), gbps(fwdBytes, fwdMs), gbps(bwdBytes, bwdMs),
            gbps(fwdBytes + bwdBytes, fwdMs + bwdMs));
    }

    /// <summary>Median wall time of <paramref name="action"/> (synchronised) after one warm-up.</summary>
    public static double Median(Backend backend, int repeats, Action action)
    {
        action();
        backend.Synchronize();
        var times = new double[Math.Max(1, repeats)];
        for (int i = 0; i < times.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            backend.Synchronize();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }
}
