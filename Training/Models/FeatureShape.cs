namespace SpikeFit.Training.Models;

/// <summary>Per-sample feature layout, channels-last (H, W, C); a flat vector is (1, 1, N).</summary>
public readonly record struct FeatureShape(int H, int W, int C)
{
    public static FeatureShape Flat(int n) => new(1, 1, n);
    public int Size => H * W * C;
    public override string ToString() => H == 1 && W == 1 ? $"{C}" : $"{H}x{W}x{C}";
}

/// <summary>
/// A layer's output on the device. Rows are time-major [T, B] when <see cref="PerStep"/>, else one
/// row per sample: with direct encoding everything before the first LIF layer is the same at
/// every step, so it is computed once ("static") and the LIF layer broadcasts it over time.
/// </summary>
public sealed record Activation(SpikeFit.Kernels.Core.DeviceBuffer<float> Data, int Batch, int Steps, bool PerStep, FeatureShape Shape)
{
    public int Rows => PerStep ? Steps * Batch : Batch;
    public long Length => (long)Rows * Shape.Size;
}
