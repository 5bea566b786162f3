using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// Outcome of <see cref="WelchTest.Compare"/>. <see cref="P"/> is NaN when the test is undefined;
/// <see cref="Note"/> then says why.
/// </summary>
/// <param name="T">Welch's t statistic, (mean(a) − mean(b)) / √(s²a/na + s²b/nb).</param>
/// <param name="Df">Welch–Satterthwaite degrees of freedom.</param>
/// <param name="P">Two-sided p-value.</param>
/// <param name="Note">Why the test could not be made, or null.</param>
public readonly record struct WelchResult(double T, double Df, double P, string? Note)
{
    /// <summary>Whether t, df and p are defined.</summary>
    public bool IsDefined => Note is null;
}

/// <summary>Welch's two-sample t-test (unequal variances), two-sided.</summary>
public static class WelchTest
{
    /// <summary>
    /// Tests whether the means of <paramref name="a"/> and <paramref name="b"/> differ, without assuming equal
    /// variances. Undefined (NaN, with a note) with fewer than 2 values on either side, or when both samples
    /// have zero variance: the standard error is then 0 and t is ±∞ or 0/0, which says nothing about seeds
    /// that happened to tie.
    /// </summary>
    public static WelchResult Compare(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count < 2 || b.Count < 2)
            return new(double.NaN, double.NaN, double.NaN, $"fewer than 2 seeds (n = {a.Count} vs {b.Count})");
        double va = a.Variance() / a.Count, vb = b.Variance() / b.Count;
        if (va == 0 && vb == 0)
            return new(double.NaN, double.NaN, double.NaN, "zero variance on both sides");
        double se2 = va + vb;
        double t = (a.Mean() - b.Mean()) / Math.Sqrt(se2);
        double df = se2 * se2 / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        // 2·F(−|t|) rather than 2·(1 − F(|t|)): the latter cancels to 0 for large |t|.
        double p = Math.Min(1.0, 2 * StudentT.CDF(0, 1, df, -Math.Abs(t)));
        return new(t, df, p, null);
    }
}
