namespace SpikeFit.Kernels.Encoding;

/// <summary>Plain float64 reference of the encoders, for tests and <c>check-kernels</c> only.</summary>
public static class EncodingReference
{
    /// <summary>
    /// spikes[t,b,p] = 1 when u(seed, sampleIds[b], p, t) &lt; clamp(pixels[b,p], 0, 1), compared in
    /// float64 (u has 24 bits, so the float32 and float64 comparisons of the same values agree).
    /// </summary>
    public static double[] Poisson(int t, int b, int p, uint seed, float[] pixels, int[] sampleIds)
    {
        var spikes = new double[(long)t * b * p];
        for (int tt = 0; tt < t; tt++)
            for (int s = 0; s < b; s++)
                for (int j = 0; j < p; j++)
                {
                    double u = CounterRng.Uniform(seed, (uint)sampleIds[s], (uint)j, (uint)tt);
                    double x = Math.Clamp((double)pixels[s * p + j], 0.0, 1.0);
                    spikes[((long)tt * b + s) * p + j] = u < x ? 1.0 : 0.0;
                }
        return spikes;
    }
}
