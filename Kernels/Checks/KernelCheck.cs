using System.Diagnostics;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Checks;

/// <summary>Small: the ILGPU CPU simulator and unit tests. Large: real devices in check-kernels.</summary>
public enum CheckSize { Small, Large }

/// <summary>One kernel run on one backend, compared with its float64 reference.</summary>
public sealed record CheckResult(string Kernel, string Backend, string Shape, double MaxRelError, double Tolerance,
    double Milliseconds, string? Note = null)
{
    public bool Passed => !double.IsNaN(MaxRelError) && MaxRelError <= Tolerance;

    public override string ToString() =>
        $"{Kernel} on {Backend} [{Shape}]: max rel err {MaxRelError:E2} (tol {Tolerance:E1}) {(Passed ? "PASS" : "FAIL")}{(Note is null ? "" : " — " + Note)}";
}

/// <summary>
/// A kernel correctness check in the style of llm.c's dev/cuda: fresh random inputs from a seed,
/// outputs poisoned with NaN before launch (an element the kernel forgets to write fails), one
/// warm-up launch (ILGPU compiles on first use), one timed launch, compared with the float64 reference.
/// </summary>
public abstract class KernelCheck
{
    public abstract string Name { get; }
    public abstract CheckResult Run(Backend backend, int seed, CheckSize size);

    public override string ToString() => Name;

    /// <summary>Runs <paramref name="launch"/> twice (warm-up, then timed) and returns the timed milliseconds.</summary>
    protected static double Timed(Backend backend, Action poison, Action launch)
    {
        poison();
        launch();
        backend.Synchronize();
        poison();
        var sw = Stopwatch.StartNew();
        launch();
        backend.Synchronize();
        return sw.Elapsed.TotalMilliseconds;
    }

    protected CheckResult Result(Backend backend, string shape, double error, double tolerance, double ms, string? note = null) =>
        new(Name, backend.Kind.CliName(), shape, error, tolerance, ms, note);
}

/// <summary>Error measures shared by the checks.</summary>
public static class Compare
{
    /// <summary>
    /// max_i |a_i − r_i| / max(|r_i|, floor), where floor = <paramref name="relativeFloor"/>·max|r| (default 1%)
    /// keeps near-zero entries from dominating. NaN or ±∞ in <paramref name="actual"/> gives +∞.
    /// </summary>
    public static double MaxRelError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double relativeFloor = 1e-2)
    {
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        double scale = 0;
        foreach (var r in expected) scale = Math.Max(scale, Math.Abs(r));
        double floor = Math.Max(relativeFloor * scale, 1e-30);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i];
            if (!double.IsFinite(a)) return double.PositiveInfinity;
            double e = Math.Abs(a - expected[i]) / Math.Max(Math.Abs(expected[i]), floor);
            if (e > worst) worst = e;
        }
        return worst;
    }

    /// <summary>0 when every element is equal, else +∞ (for exact outputs: spikes, assignments, encodings).</summary>
    public static double Exact(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        for (int i = 0; i < actual.Length; i++)
            if (actual[i] != expected[i]) return double.PositiveInfinity;
        return 0;
    }

    public static double Exact(ReadOnlySpan<int> actual, ReadOnlySpan<int> expected)
    {
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        for (int i = 0; i < actual.Length; i++)
            if (actual[i] != expected[i]) return double.PositiveInfinity;
        return 0;
    }
}

/// <summary>Random test data.</summary>
public static class TestData
{
    public static float[] Uniform(Random rng, long n, float lo, float hi)
    {
        var a = new float[n];
        for (long i = 0; i < n; i++) a[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return a;
    }

    public static float[] Normal(Random rng, long n, float std = 1f)
    {
        var a = new float[n];
        for (long i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            a[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return a;
    }

    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, x => (double)x);
    public static float[] ToFloat(double[] a) => Array.ConvertAll(a, x => (float)x);
}
