namespace SpikeFit.Training.Compression;

/// <summary>
/// The differentiable k-means layer of DKM (Cho et al., ICLR 2022) for one weight tensor, on the host
/// in float64. From centroids c⁰ it runs <c>T</c> fixed-point iterations
/// a^t_im = softmax_m(−|w_i − c^t_m| / τ), c^(t+1)_m = Σ_i a^t_im w_i / Σ_i a^t_im,
/// then computes Ŵ_i = Σ_m a^T_im c^T_m with a^T the soft assignment to the last centroids.
/// <see cref="Backward"/> differentiates Ŵ through every iteration (each soft assignment and each
/// centroid update) to the weights w and to the starting centroids c⁰; only τ is a constant.
/// </summary>
public sealed class DkmMath
{
    private readonly int _m, _iterations;
    private readonly double _tau;
    /// <summary>c^0 … c^T of the last <see cref="Forward"/>, [T + 1][M].</summary>
    private readonly double[][] _centroids;
    /// <summary>Z^t_m = Σ_i a^t_im of iterations 0 … T − 1.</summary>
    private readonly double[][] _mass;

    public DkmMath(int m, double tau, int iterations)
    {
        if (m < 2) throw new ArgumentException($"DKM needs at least M = 2 centroids, got {m}.");
        if (!(tau > 0)) throw new ArgumentException($"DKM temperature must be > 0, got {tau}.");
        if (iterations < 0) throw new ArgumentException($"DKM iterations must be ≥ 0, got {iterations}.");
        _m = m;
        _tau = tau;
        _iterations = iterations;
        _centroids = Enumerable.Range(0, iterations + 1).Select(_ => new double[m]).ToArray();
        _mass = Enumerable.Range(0, iterations).Select(_ => new double[m]).ToArray();
    }

    /// <summary>The centroids c^T of the last forward (what the next step starts from, and what snapping uses).</summary>
    public float[] LastCentroids => _centroids[_iterations].Select(c => (float)c).ToArray();

    /// <summary>Soft assignment of one weight to centroids <paramref name="c"/>, into <paramref name="a"/> (stable softmax).</summary>
    private void Assign(double w, double[] c, Span<double> a)
    {
        double best = double.PositiveInfinity;
        for (int m = 0; m < _m; m++) best = Math.Min(best, Math.Abs(w - c[m]));
        double z = 0;
        for (int m = 0; m < _m; m++) z += a[m] = Math.Exp(-(Math.Abs(w - c[m]) - best) / _tau);
        for (int m = 0; m < _m; m++) a[m] /= z;
    }

    /// <summary>Runs the iterations from <paramref name="start"/> (c⁰) and writes Ŵ.</summary>
    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> start, Span<float> effective)
    {
        if (start.Length != _m) throw new ArgumentException($"DKM: {start.Length} starting centroids, M = {_m}.");
        for (int m = 0; m < _m; m++) _centroids[0][m] = start[m];
        Span<double> a = stackalloc double[_m];
        var sum = new double[_m];
        for (int t = 0; t < _iterations; t++)
        {
            var c = _centroids[t];
            var z = _mass[t];
            Array.Clear(sum);
            Array.Clear(z);
            for (int i = 0; i < w.Length; i++)
            {
                Assign(w[i], c, a);
                for (int m = 0; m < _m; m++) { z[m] += a[m]; sum[m] += a[m] * w[i]; }
            }
            // A centroid no weight is near (mass underflowed to 0) stays where it was.
            for (int m = 0; m < _m; m++) _centroids[t + 1][m] = z[m] > 0 ? sum[m] / z[m] : c[m];
        }
        var last = _centroids[_iterations];
        for (int i = 0; i < w.Length; i++)
        {
            Assign(w[i], last, a);
            double v = 0;
            for (int m = 0; m < _m; m++) v += a[m] * last[m];
            effective[i] = (float)v;
        }
    }

    /// <summary>
    /// Reverse mode through the last <see cref="Forward"/> (same <paramref name="w"/>): from ∂L/∂Ŵ in
    /// <paramref name="grad"/> writes ∂L/∂w into <paramref name="grad"/> and returns ∂L/∂c⁰.
    /// </summary>
    public double[] Backward(ReadOnlySpan<float> w, Span<float> grad)
    {
        var gw = new double[w.Length];
        var gc = new double[_m];
        Span<double> a = stackalloc double[_m];
        Span<double> ga = stackalloc double[_m];
        // Ŵ_i = Σ_m a_im c_m with a from c^T.
        var last = _centroids[_iterations];
        for (int i = 0; i < w.Length; i++)
        {
            Assign(w[i], last, a);
            double g = grad[i];
            for (int m = 0; m < _m; m++) { ga[m] = g * last[m]; gc[m] += g * a[m]; }
            SoftAssignmentBackward(w[i], last, a, ga, ref gw[i], gc);
        }
        // c^(t+1)_m = S_m / Z_m, S_m = Σ_i a^t_im w_i, Z_m = Σ_i a^t_im, a^t from c^t.
        for (int t = _iterations - 1; t >= 0; t--)
        {
            var c = _centroids[t];
            var next = _centroids[t + 1];
            var z = _mass[t];
            var gcPrev = new double[_m];
            for (int i = 0; i < w.Length; i++)
            {
                Assign(w[i], c, a);
                for (int m = 0; m < _m; m++)
                {
                    if (!(z[m] > 0)) { ga[m] = 0; continue; }
                    double perMass = gc[m] / z[m];
                    ga[m] = perMass * (w[i] - next[m]);
                    gw[i] += perMass * a[m];
                }
                SoftAssignmentBackward(w[i], c, a, ga, ref gw[i], gcPrev);
            }
            // A centroid that kept its place (zero mass) passes its gradient straight to its previous value.
            for (int m = 0; m < _m; m++) if (!(z[m] > 0)) gcPrev[m] += gc[m];
            gc = gcPrev;
        }
        for (int i = 0; i < w.Length; i++) grad[i] = (float)gw[i];
        return gc;
    }

    /// <summary>
    /// From ∂L/∂a_m of one weight's soft assignment to centroids <paramref name="c"/>: through the softmax
    /// (∂d_m = a_m(∂a_m − Σ_k a_k ∂a_k)) and d_m = −|w − c_m| / τ into ∂w and ∂c (the sign of 0 is 0).
    /// </summary>
    private void SoftAssignmentBackward(double w, double[] c, ReadOnlySpan<double> a, ReadOnlySpan<double> ga, ref double gw, double[] gc)
    {
        double dot = 0;
        for (int m = 0; m < _m; m++) dot += a[m] * ga[m];
        for (int m = 0; m < _m; m++)
        {
            double gd = a[m] * (ga[m] - dot);
            double sign = Math.Sign(w - c[m]);
            gw -= gd * sign / _tau;
            gc[m] += gd * sign / _tau;
        }
    }

    /// <summary>The hard snap: every weight becomes its nearest centroid of <paramref name="centroids"/> (first on ties).</summary>
    public static float[] Snap(ReadOnlySpan<float> w, ReadOnlySpan<float> centroids)
    {
        var result = new float[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            int best = 0;
            for (int m = 1; m < centroids.Length; m++)
                if (Math.Abs(w[i] - centroids[m]) < Math.Abs(w[i] - centroids[best])) best = m;
            result[i] = centroids[best];
        }
        return result;
    }
}
