using SpikeFit.Kernels.Core;
namespace SpikeFit.Kernels.Encoding;

/// <summary>Argument checks shared by every backend's encoders.</summary>
internal static class EncodingShape
{
    /// <summary>Shape and buffer checks shared by every implementation.</summary>
    public static void Check(Backend backend, int t, int b, int p, DeviceBuffer<float> pixels, DeviceBuffer<int> sampleIds,
        DeviceBuffer<float> spikes)
    {
        Validate(t, b, p);
        backend.Check(pixels, (long)b * p, nameof(pixels));
        backend.Check(sampleIds, b, nameof(sampleIds));
        backend.Check(spikes, (long)t * b * p, nameof(spikes));
    }

    public static void Validate(int t, int b, int p)
    {
        if (t <= 0 || b <= 0 || p <= 0)
            throw new ArgumentException($"Poisson encoding shape must be positive, got T={t}, B={b}, P={p}.");
        if ((long)t * b * p > int.MaxValue)
            throw new ArgumentException($"Poisson output of {(long)t * b * p} elements exceeds the 2^31 element limit.");
    }
}
