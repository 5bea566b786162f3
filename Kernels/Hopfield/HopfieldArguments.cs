using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Hopfield;

/// <summary>Argument checks shared by every implementation of <see cref="IHopfieldKernels"/>.</summary>
internal static class HopfieldArguments
{
    /// <summary>Returns rows·cols.</summary>
    public static long ScaleRows(Backend backend, int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> scale,
        DeviceBuffer<float> y)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentException("ScaleRows sizes must be positive.");
        long len = (long)rows * cols;
        backend.Check(x, len, nameof(x));
        backend.Check(scale, rows, nameof(scale));
        backend.Check(y, len, nameof(y));
        return len;
    }

    public static void ZeroDiagonal(Backend backend, int n, DeviceBuffer<float> matrix)
    {
        if (n <= 0) throw new ArgumentException("n must be positive.");
        backend.Check(matrix, (long)n * n, nameof(matrix));
    }

    public static void AsyncRetrieve(Backend backend, HopfieldArgs args, DeviceBuffer<float> couplings,
        DeviceBuffer<float> state, DeviceBuffer<float> fields, DeviceBuffer<int> sweeps)
    {
        HopfieldKernels.Validate(args);
        backend.Check(couplings, (long)args.N * args.N, nameof(couplings));
        backend.Check(state, (long)args.Trials * args.N, nameof(state));
        backend.Check(fields, (long)args.Trials * args.N, nameof(fields));
        backend.Check(sweeps, args.Trials, nameof(sweeps));
    }

    public static void SignStep(Backend backend, HopfieldArgs args, DeviceBuffer<float> fields, DeviceBuffer<float> state,
        DeviceBuffer<float> previous, DeviceBuffer<int> status)
    {
        HopfieldKernels.Validate(args);
        long len = (long)args.Trials * args.N;
        backend.Check(fields, len, nameof(fields));
        backend.Check(state, len, nameof(state));
        backend.Check(previous, len, nameof(previous));
        backend.Check(status, args.Trials, nameof(status));
    }

    public static void Overlaps(Backend backend, HopfieldArgs args, DeviceBuffer<float> patterns, DeviceBuffer<float> state,
        DeviceBuffer<float> overlaps)
    {
        HopfieldKernels.Validate(args);
        backend.Check(patterns, (long)(args.FirstPattern + args.Trials) * args.N, nameof(patterns));
        backend.Check(state, (long)args.Trials * args.N, nameof(state));
        backend.Check(overlaps, args.Trials, nameof(overlaps));
    }
}
