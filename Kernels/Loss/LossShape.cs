using SpikeFit.Kernels.Core;
namespace SpikeFit.Kernels.Loss;

/// <summary>Argument checks shared by every backend's loss kernels.</summary>
internal static class LossShape
{
    /// <summary>Shape and buffer checks shared by every implementation.</summary>
    public static void Check(Backend backend, int t, int b, int c, float scale, DeviceBuffer<float> x,
        DeviceBuffer<int> labels, DeviceBuffer<float> logits, DeviceBuffer<float> losses, DeviceBuffer<float> gradX)
    {
        Validate(t, b, c, scale);
        long bc = (long)b * c;
        backend.Check(x, t * bc, nameof(x));
        backend.Check(labels, b, nameof(labels));
        backend.Check(logits, bc, nameof(logits));
        backend.Check(losses, b, nameof(losses));
        backend.Check(gradX, t * bc, nameof(gradX));
    }

    public static void Validate(int t, int b, int c, float scale)
    {
        if (t <= 0 || b <= 0 || c <= 0)
            throw new ArgumentException($"Cross-entropy shape must be positive, got T={t}, B={b}, C={c}.");
        if ((long)t * b * c > int.MaxValue)
            throw new ArgumentException($"Cross-entropy input of {(long)t * b * c} elements exceeds the 2^31 element limit.");
        if (!float.IsFinite(scale))
            throw new ArgumentException($"Cross-entropy scale must be finite, got {scale}.");
    }

    /// <summary>Message used when a label is outside [0, C).</summary>
    public static string BadLabel(int sample, int label, int c) =>
        $"labels[{sample}] = {label} is outside [0, {c}) (sample {sample}).";
}
