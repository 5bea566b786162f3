using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// Effect sizes of <see cref="EffectSize.Compare"/>: the difference in means with its Welch 95 % confidence
/// interval, and Hedges' g with an approximate 95 % interval. A member is NaN where it is undefined.
/// </summary>
/// <param name="Delta">mean(a) − mean(b).</param>
/// <param name="DeltaLow">Lower end of Δ's 95 % interval: Δ − t(0.975, ν)·√(s²a/na + s²b/nb), ν Welch–Satterthwaite.</param>
/// <param name="DeltaHigh">Upper end.</param>
/// <param name="G">Hedges' g: J·Δ / s_pooled, J = 1 − 3 / (4(na + nb) − 9).</param>
/// <param name="GLow">Lower end of g's 95 % interval: g − z(0.975)·SE, SE = √((na + nb)/(na·nb) + g²/(2(na + nb))) (Hedges and Olkin 1985, normal approximation).</param>
/// <param name="GHigh">Upper end.</param>
public readonly record struct EffectSizeResult(double Delta, double DeltaLow, double DeltaHigh, double G, double GLow, double GHigh);

/// <summary>Difference in means and Hedges' g of two samples, each with a 95 % confidence interval.</summary>
public static class EffectSize
{
    /// <summary>The confidence level of the intervals.</summary>
    public const double Level = 0.95;

    /// <summary>
    /// Effect of <paramref name="a"/> over <paramref name="b"/>. With fewer than 2 values on a side only Δ is
    /// defined; with zero variance on both sides Δ's interval is the point Δ (no seed-to-seed spread was seen)
    /// and g is undefined (0/0 or ±∞ says nothing).
    /// </summary>
    public static EffectSizeResult Compare(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException("effect sizes need at least one value on each side.");
        double delta = a.Mean() - b.Mean();
        const double nan = double.NaN;
        if (a.Count < 2 || b.Count < 2) return new(delta, nan, nan, nan, nan, nan);
        int na = a.Count, nb = b.Count;
        double sa2 = a.Variance(), sb2 = b.Variance();
        double va = sa2 / na, vb = sb2 / nb;
        if (va == 0 && vb == 0) return new(delta, delta, delta, nan, nan, nan);
        double se = Math.Sqrt(va + vb);
        double df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
        double t = StudentT.InvCDF(0, 1, df, 1 - (1 - Level) / 2);
        double pooled = Math.Sqrt(((na - 1) * sa2 + (nb - 1) * sb2) / (na + nb - 2));
        double j = 1 - 3.0 / (4 * (na + nb) - 9);
        double g = j * delta / pooled;
        double seG = Math.Sqrt((double)(na + nb) / (na * nb) + g * g / (2.0 * (na + nb)));
        double z = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);
        return new(delta, delta - t * se, delta + t * se, g, g - z * seG, g + z * seG);
    }
}
