namespace SpikeFit.Kernels.Quantize;

/// <summary>Plain float64 references of the quantizer kernels, for tests and <c>check-kernels</c> only.</summary>
public static class QuantizerReference
{
    public static double MaxAbs(float[] w) => w.Max(x => Math.Abs((double)x));

    public static double MeanAbs(float[] w) => w.Sum(x => Math.Abs((double)x)) / w.Length;

    /// <summary>Symmetric b-bit: s = max|w| / qmax, ŵ = s·clamp(round-half-away(w/s), ±qmax). Returns ŵ, s and the ratios w/s.</summary>
    public static (double[] Quantized, double Scale, double[] Ratio) UniformSymmetric(float[] w, int bits)
    {
        int qmax = QuantizerMath.SymmetricQMax(bits);
        double s = MaxAbs(w) / qmax;
        var q = new double[w.Length];
        var r = new double[w.Length];
        if (s == 0) return (q, 0, r);
        for (int i = 0; i < w.Length; i++)
        {
            r[i] = w[i] / s;
            q[i] = s * Math.Clamp(Math.Round(r[i], MidpointRounding.AwayFromZero), -qmax, qmax);
        }
        return (q, s, r);
    }

    /// <summary>TWN threshold 0.7·mean|w| and α = mean |w| over <paramref name="above"/> (the weights kept nonzero).</summary>
    public static double TernaryThreshold(float[] w) => QuantizerMath.TernaryFactor * MeanAbs(w);

    public static double MeanAbsOver(float[] w, Func<int, bool> above)
    {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < w.Length; i++)
            if (above(i)) { sum += Math.Abs((double)w[i]); n++; }
        return n > 0 ? sum / n : 0;
    }

    /// <summary>Mid-rise 2-bit with α = max|w|, s = 2α/3: level floor(w/s) + ½ clamped to ±1.5. Returns ŵ, α, and w/s.</summary>
    public static (double[] Quantized, double Alpha, double[] Ratio) UniformTwoBit(float[] w)
    {
        double a = MaxAbs(w), s = 2 * a / 3;
        var q = new double[w.Length];
        var r = new double[w.Length];
        if (a == 0) return (q, 0, r);
        for (int i = 0; i < w.Length; i++)
        {
            r[i] = w[i] / s;
            q[i] = s * Math.Clamp(Math.Floor(r[i]) + 0.5, -1.5, 1.5);
        }
        return (q, a, r);
    }
}
