namespace SpikeFit.Experiments.M4;

/// <summary>
/// Holm's step-down correction for m simultaneous tests (Holm 1979): sort the p-values ascending,
/// p̃_(k) = max over j ≤ k of min(1, (m − j + 1)·p_(j)). It controls the family-wise error rate at the
/// chosen level without assuming the tests are independent.
/// </summary>
public static class HolmCorrection
{
    /// <summary>The Holm-adjusted p-values, in the order of <paramref name="p"/> (NaN entries stay NaN and do not count in m).</summary>
    public static double[] Adjust(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var adjusted = p.Select(_ => double.NaN).ToArray();
        var order = Enumerable.Range(0, p.Count).Where(i => !double.IsNaN(p[i])).OrderBy(i => p[i]).ThenBy(i => i).ToArray();
        int m = order.Length;
        double running = 0;
        for (int k = 0; k < m; k++)
        {
            double value = p[order[k]];
            if (value is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), value, "p-values lie in [0, 1].");
            running = Math.Max(running, Math.Min(1, (m - k) * value));
            adjusted[order[k]] = running;
        }
        return adjusted;
    }
}
