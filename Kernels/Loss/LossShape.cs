namespace SpikeFit.Kernels.Loss;

/// <summary>Argument checks shared by every backend's loss kernels.</summary>
internal static class LossShape
{
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
