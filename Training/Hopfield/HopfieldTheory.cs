using MathNet.Numerics;
using MathNet.Numerics.RootFinding;

namespace SpikeFit.Training.Hopfield;

/// <summary>Theory's verdict for one pattern: retrieved or not, the overlap m = erf(y) at the largest root, and y.</summary>
public readonly record struct PatternPrediction(bool Retrieved, double Overlap, double Y);

/// <summary>
/// Replica-symmetric retrieval condition of the Hopfield model with weighted patterns (DESIGN §8,
/// our reconstruction of Karandashev, Kryzhanovsky &amp; Litinskii, PRE 85, 041925, 2012). For pattern k,
/// with x_μ = r_μ/r_k and φ(y) = 2y·e^(−y²)/(√π·erf y):
/// <code>
///   G(y) = erf²(y)/(2y²) − (1/N)·Σ_(μ≠k) x_μ²/(1 − φ(y)·x_μ)² = 0,   φ(y)·max x_μ &lt; 1,
/// </code>
/// pattern k is retrieved iff a root y &gt; 0 exists, and m_k = erf(y) at the largest root.
/// <para>
/// Solver: G → −∞ at the lower end of the domain (φ·max x → 1, or y → 0 when max x = 1) and G &lt; 0
/// beyond y_hi = 1/√(2·S∞), S∞ = (1/N)·Σ x_μ², because erf² ≤ 1 and the sum only grows with φ. So G
/// is scanned on a log grid over (y_lo, y_hi]; the last grid point with G ≥ 0 brackets the largest root
/// (Brent). When no grid point is ≥ 0, G is maximised by golden section around the best grid point so that
/// a narrow hump near the threshold (the tangent case that sets α_c) is not missed.
/// </para>
/// </summary>
public static class HopfieldTheory
{
    private const int GridPoints = 160;
    private static readonly double SqrtPi = Math.Sqrt(Math.PI);

    /// <summary>φ(y) = 2y·e^(−y²)/(√π·erf y), decreasing from 1 (y → 0) to 0.</summary>
    public static double Phi(double y) => y < 1e-6 ? 1 - 2 * y * y / 3 : 2 * y * Math.Exp(-y * y) / (SqrtPi * SpecialFunctions.Erf(y));

    /// <summary>erf²(y)/(2y²), the left-hand side.</summary>
    public static double Lhs(double y)
    {
        double e = SpecialFunctions.Erf(y);
        return e * e / (2 * y * y);
    }

    /// <summary>
    /// Solves G(y) = Lhs(y) − rhs(y) for the largest root. <paramref name="rhs"/> is the noise term as a
    /// function of φ; <paramref name="sInf"/> its value at φ = 0; <paramref name="xMax"/> the largest x_μ.
    /// </summary>
    public static PatternPrediction Solve(Func<double, double> rhs, double sInf, double xMax)
    {
        if (sInf <= 0) return new(true, 1, double.PositiveInfinity); // no other pattern: no noise
        double yLo = xMax > 1 ? PhiInverse(1 / xMax) : 0;
        double yHi = 1 / Math.Sqrt(2 * sInf);
        if (yHi <= yLo) return new(false, double.NaN, double.NaN);
        double G(double y) => y <= yLo ? double.NegativeInfinity : Lhs(y) - rhs(Phi(y));

        // Log grid over (yLo, yHi]; near a positive yLo the grid is refined towards it.
        double start = yLo > 0 ? yLo : Math.Min(1e-4, yHi / 10);
        var ys = new double[GridPoints];
        var gs = new double[GridPoints];
        double span = yHi - start;
        for (int i = 0; i < GridPoints; i++)
        {
            // geometric spacing of the distance from the start: dense near the domain edge
            double f = Math.Pow(1e-9, 1 - (i + 1.0) / GridPoints);
            ys[i] = start + span * f;
            gs[i] = G(ys[i]);
        }
        int last = -1;
        for (int i = GridPoints - 1; i >= 0; i--)
            if (gs[i] >= 0) { last = i; break; }
        if (last < 0)
        {
            int best = 0;
            for (int i = 1; i < GridPoints; i++) if (gs[i] > gs[best]) best = i;
            double a = best > 0 ? ys[best - 1] : start, b = best < GridPoints - 1 ? ys[best + 1] : yHi;
            double yStar = GoldenMax(G, a, b);
            if (!(G(yStar) >= 0)) return new(false, double.NaN, double.NaN);
            // the largest root lies between the hump's top and the next grid point (where G < 0)
            double upper = best < GridPoints - 1 ? ys[best + 1] : yHi;
            double root = G(yStar) == 0 ? yStar : Brent.FindRoot(G, yStar, upper, 1e-13, 200);
            return new(true, SpecialFunctions.Erf(root), root);
        }
        if (last == GridPoints - 1) return new(false, double.NaN, double.NaN); // cannot happen: G(yHi) < 0
        double y = gs[last] == 0 ? ys[last] : Brent.FindRoot(G, ys[last], ys[last + 1], 1e-13, 200);
        return new(true, SpecialFunctions.Erf(y), y);
    }

    /// <summary>Prediction for a pattern of weight <paramref name="rk"/> against the background <paramref name="others"/>.</summary>
    public static PatternPrediction PredictWeight(ReadOnlySpan<double> others, int n, double rk)
    {
        var x = new double[others.Length];
        double xMax = 0, sInf = 0;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = others[i] / rk;
            xMax = Math.Max(xMax, x[i]);
            sInf += x[i] * x[i];
        }
        sInf /= n;
        return Solve(phi => NoiseTerm(x, n, phi), sInf, xMax);
    }

    /// <summary>(1/N)·Σ x²/(1 − φx)²; +∞ outside the domain φ·x &lt; 1.</summary>
    public static double NoiseTerm(double[] x, int n, double phi)
    {
        double s = 0;
        foreach (var xi in x)
        {
            double d = 1 - phi * xi;
            if (d <= 0) return double.PositiveInfinity;
            s += xi * xi / (d * d);
        }
        return s / n;
    }

    /// <summary>Prediction for every pattern k (x_μ = r_μ/r_k over μ ≠ k), in parallel.</summary>
    public static PatternPrediction[] PredictAll(double[] weights, int n)
    {
        var result = new PatternPrediction[weights.Length];
        Parallel.For(0, weights.Length, k =>
        {
            var others = new double[weights.Length - 1];
            for (int i = 0, j = 0; i < weights.Length; i++) if (i != k) others[j++] = weights[i];
            result[k] = PredictWeight(others, n, weights[k]);
        });
        return result;
    }

    /// <summary>
    /// Critical weight r_c: a pattern of weight r is retrieved iff r &gt; r_c. The pattern's own term is left out
    /// of the noise as in <see cref="PredictAll"/>: the background is every weight but the one closest to r,
    /// so at r = r_k the verdict is exactly pattern k's and r_c falls between the last retrieved and the first
    /// lost weight. Retrieval is monotone in r (a larger r shrinks every x_μ, which lowers the noise term for
    /// every y and widens the domain), so bisection in log r converges (relative tolerance 1e-10).
    /// </summary>
    public static double CriticalWeight(double[] weights, int n)
    {
        var sorted = (double[])weights.Clone();
        Array.Sort(sorted);
        bool Ok(double r)
        {
            int i = Array.BinarySearch(sorted, r);
            if (i < 0)
            {
                i = ~i;
                if (i == sorted.Length || (i > 0 && r - sorted[i - 1] < sorted[i] - r)) i--;
            }
            var background = new double[sorted.Length - 1];
            Array.Copy(sorted, 0, background, 0, i);
            Array.Copy(sorted, i + 1, background, i, sorted.Length - i - 1);
            return PredictWeight(background, n, r).Retrieved;
        }
        double hi = sorted[^1], lo = sorted[0];
        for (int k = 0; k < 200 && !Ok(hi); k++) hi *= 2;
        for (int k = 0; k < 200 && Ok(lo); k++) lo /= 2;
        while (hi / lo > 1 + 1e-10)
        {
            double mid = Math.Sqrt(lo * hi);
            if (Ok(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <summary>
    /// Equal weights: the noise term is α/(1 − φ)², and α_c is the largest α with a root — found by
    /// bisection on α through the same solver (the tangent case). Returns α_c and the overlap there.
    /// </summary>
    public static (double AlphaC, double OverlapC) CriticalLoadEqualWeights()
    {
        PatternPrediction At(double alpha) => Solve(phi => alpha / ((1 - phi) * (1 - phi)), alpha, 1);
        double lo = 0.01, hi = 0.5;
        while (hi - lo > 1e-10)
        {
            double mid = (lo + hi) / 2;
            if (At(mid).Retrieved) lo = mid; else hi = mid;
        }
        return (lo, At(lo).Overlap);
    }

    /// <summary>Inverse of the decreasing φ on (0, ∞): the y with φ(y) = <paramref name="value"/> ∈ (0, 1).</summary>
    public static double PhiInverse(double value)
    {
        double lo = 0, hi = 1;
        while (Phi(hi) > value) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = (lo + hi) / 2;
            if (Phi(mid) > value) lo = mid; else hi = mid;
        }
        return hi;
    }

    private static double GoldenMax(Func<double, double> f, double a, double b)
    {
        double g = (Math.Sqrt(5) - 1) / 2;
        double c = b - g * (b - a), d = a + g * (b - a);
        double fc = f(c), fd = f(d);
        for (int i = 0; i < 200 && b - a > 1e-14 * Math.Max(1, b); i++)
        {
            if (fc > fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); }
            else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
        }
        return fc > fd ? c : d;
    }
}
