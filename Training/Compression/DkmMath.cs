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

    /// <summary>
    /// Weights per chunk of the parallel loops. Sums over weights are accumulated per chunk and the chunks
    /// added in order, so the result does not depend on the number of threads (deterministic).
    /// </summary>
    public const int Chunk = 8192;

    private static int Chunks(int n) => (n + Chunk - 1) / Chunk;

    /// <summary>Runs the iterations from <paramref name="start"/> (c⁰) and writes Ŵ.</summary>
    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> start, Span<float> effective)
    {
        if (start.Length != _m) throw new ArgumentException($"DKM: {start.Length} starting centroids, M = {_m}.");
        if (effective.Length != w.Length) throw new ArgumentException($"DKM: {effective.Length} outputs for {w.Length} weights.");
        for (int m = 0; m < _m; m++) _centroids[0][m] = start[m];
        var weights = w.ToArray();
        int chunks = Chunks(weights.Length);
        var zPart = new double[chunks][];
        var sPart = new double[chunks][];
        for (int t = 0; t < _iterations; t++)
        {
            var c = _centroids[t];
            Parallel.For(0, chunks, k =>
            {
                Span<double> a = stackalloc double[_m];
                var z = zPart[k] = new double[_m];
                var sum = sPart[k] = new double[_m];
                for (int i = k * Chunk, end = Math.Min(weights.Length, i + Chunk); i < end; i++)
                {
                    Assign(weights[i], c, a);
                    for (int m = 0; m < _m; m++) { z[m] += a[m]; sum[m] += a[m] * weights[i]; }
                }
            });
            var mass = _mass[t];
            Array.Clear(mass);
            var total = new double[_m];
            for (int k = 0; k < chunks; k++)
                for (int m = 0; m < _m; m++) { mass[m] += zPart[k][m]; total[m] += sPart[k][m]; }
            // A centroid no weight is near (mass underflowed to 0) stays where it was.
            for (int m = 0; m < _m; m++) _centroids[t + 1][m] = mass[m] > 0 ? total[m] / mass[m] : c[m];
        }
        var last = _centroids[_iterations];
        var result = new float[weights.Length];
        Parallel.For(0, chunks, k =>
        {
            Span<double> a = stackalloc double[_m];
            for (int i = k * Chunk, end = Math.Min(weights.Length, i + Chunk); i < end; i++)
            {
                Assign(weights[i], last, a);
                double v = 0;
                for (int m = 0; m < _m; m++) v += a[m] * last[m];
                result[i] = (float)v;
            }
        });
        result.CopyTo(effective);
    }

    /// <summary>
    /// Reverse mode through the last <see cref="Forward"/> (same <paramref name="w"/>): from ∂L/∂Ŵ in
    /// <paramref name="grad"/> writes ∂L/∂w into <paramref name="grad"/> and returns ∂L/∂c⁰.
    /// </summary>
    public double[] Backward(ReadOnlySpan<float> w, Span<float> grad)
    {
        var weights = w.ToArray();
        var upstream = grad.ToArray();
        int n = weights.Length, chunks = Chunks(n);
        var gw = new double[n];
        var gcPart = new double[chunks][];
        // Ŵ_i = Σ_m a_im c_m with a from c^T.
        var last = _centroids[_iterations];
        Parallel.For(0, chunks, k =>
        {
            Span<double> a = stackalloc double[_m];
            Span<double> ga = stackalloc double[_m];
            var gc = gcPart[k] = new double[_m];
            for (int i = k * Chunk, end = Math.Min(n, i + Chunk); i < end; i++)
            {
                Assign(weights[i], last, a);
                double g = upstream[i];
                for (int m = 0; m < _m; m++) { ga[m] = g * last[m]; gc[m] += g * a[m]; }
                SoftAssignmentBackward(weights[i], last, a, ga, ref gw[i], gc);
            }
        });
        var gcNext = Reduce(gcPart);
        // c^(t+1)_m = S_m / Z_m, S_m = Σ_i a^t_im w_i, Z_m = Σ_i a^t_im, a^t from c^t.
        for (int t = _iterations - 1; t >= 0; t--)
        {
            var c = _centroids[t];
            var next = _centroids[t + 1];
            var z = _mass[t];
            var gcOfNext = gcNext;
            Parallel.For(0, chunks, k =>
            {
                Span<double> a = stackalloc double[_m];
                Span<double> ga = stackalloc double[_m];
                var gcPrev = gcPart[k] = new double[_m];
                for (int i = k * Chunk, end = Math.Min(n, i + Chunk); i < end; i++)
                {
                    Assign(weights[i], c, a);
                    for (int m = 0; m < _m; m++)
                    {
                        if (!(z[m] > 0)) { ga[m] = 0; continue; }
                        double perMass = gcOfNext[m] / z[m];
                        ga[m] = perMass * (weights[i] - next[m]);
                        gw[i] += perMass * a[m];
                    }
                    SoftAssignmentBackward(weights[i], c, a, ga, ref gw[i], gcPrev);
                }
            });
            var reduced = Reduce(gcPart);
            // A centroid that kept its place (zero mass) passes its gradient straight to its previous value.
            for (int m = 0; m < _m; m++) if (!(z[m] > 0)) reduced[m] += gcOfNext[m];
            gcNext = reduced;
        }
        for (int i = 0; i < n; i++) grad[i] = (float)gw[i];
        return gcNext;
    }

    /// <summary>Σ over chunks, in chunk order.</summary>
    private double[] Reduce(double[][] parts)
    {
        var total = new double[_m];
        foreach (var part in parts)
            for (int m = 0; m < _m; m++) total[m] += part[m];
        return total;
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
