namespace SpikeFit.Training.Compression;

/// <summary>
/// Learned Step Size Quantization (Esser et al., ICLR 2020) of one weight tensor with one step s,
/// signed b-bit: v = w / s, q = round(clamp(v, −Q_N, Q_P)), Ŵ = s·q with Q_N = 2^(b−1), Q_P = 2^(b−1) − 1.
/// The host path of <see cref="Models.Constraints.LsqConstraint"/> and its own reference: sums are
/// accumulated in float64.
/// </summary>
public static class LsqMath
{
    /// <summary>Q_N: the most negative level is −Q_N.</summary>
    public static int Qn(int bits) => 1 << (bits - 1);

    /// <summary>Q_P: the most positive level.</summary>
    public static int Qp(int bits) => (1 << (bits - 1)) - 1;

    /// <summary>The paper's initial step, 2·mean|w| / √Q_P (a tiny positive step for all-zero weights).</summary>
    public static float InitialStep(ReadOnlySpan<float> w, int bits)
    {
        double sum = 0;
        foreach (var v in w) sum += Math.Abs(v);
        double mean = w.Length > 0 ? sum / w.Length : 0;
        double s = 2 * mean / Math.Sqrt(Qp(bits));
        return s > 0 ? (float)s : MinStep;
    }

    /// <summary>The step is kept at least this large, so w / s stays finite.</summary>
    public const float MinStep = 1e-8f;

    /// <summary>The gradient scale of the step, g = 1 / √(N·Q_P) (N weights in the tensor).</summary>
    public static double GradientScale(long n, int bits) => 1.0 / Math.Sqrt((double)n * Qp(bits));

    /// <summary>The integer level of one weight, round(clamp(w / s, −Q_N, Q_P)) (half to even, as MathF.Round).</summary>
    public static int Level(float w, float step, int bits) => (int)MathF.Round(Math.Clamp(w / step, -Qn(bits), Qp(bits)));

    /// <summary>Ŵ = s·q for every weight.</summary>
    public static void Forward(ReadOnlySpan<float> w, float step, int bits, Span<float> quantized)
    {
        for (int i = 0; i < w.Length; i++) quantized[i] = step * Level(w[i], step, bits);
    }

    /// <summary>
    /// The LSQ backward from ∂L/∂Ŵ (in <paramref name="grad"/>, replaced by ∂L/∂w): the straight-through
    /// estimator passes it where −Q_N &lt; v &lt; Q_P and zeroes it where the weight is clipped. Returns
    /// ∂L/∂s = g · Σ_i ∂L/∂Ŵ_i · (−Q_N if v ≤ −Q_N; Q_P if v ≥ Q_P; round(v) − v otherwise), g = 1/√(N·Q_P).
    /// </summary>
    public static double Backward(ReadOnlySpan<float> w, float step, int bits, Span<float> grad)
    {
        int qn = Qn(bits), qp = Qp(bits);
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            float v = w[i] / step;
            double g = grad[i];
            if (v <= -qn) { sum += g * -qn; grad[i] = 0; }
            else if (v >= qp) { sum += g * qp; grad[i] = 0; }
            else sum += g * (MathF.Round(v) - (double)v);
        }
        return sum * GradientScale(w.Length, bits);
    }
}
