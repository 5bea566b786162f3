using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Encoding;

/// <summary>Input encoders.</summary>
public interface IEncodingKernels
{
    /// <summary>
    /// Poisson (rate) encoding: spikes[t,b,p] = 1 when u(seed, sampleIds[b], p, t) &lt; clamp(pixels[b,p], 0, 1).
    /// u comes from <see cref="CounterRng"/>, keyed on (seed, sample, pixel, step), so every backend
    /// and thread layout produces the same spikes.
    /// </summary>
    void Poisson(int t, int b, int p, uint seed, DeviceBuffer<float> pixels, DeviceBuffer<int> sampleIds,
        DeviceBuffer<float> spikes);
}
