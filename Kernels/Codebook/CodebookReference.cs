namespace SpikeFit.Kernels.Codebook;

/// <summary>Plain float64 brute-force references of the codebook kernels, for tests and <c>check-kernels</c> only.</summary>
public static class CodebookReference
{
    /// <summary>
    /// Nearest codebook entry per weight (ties → lower index) and its value. <c>Alternative[i]</c>
    /// is the second-best index when its distance is within <paramref name="tieRelative"/> (relative)
    /// of the best one, else −1: float32 distances carry a relative rounding error of 2^−24, so a
    /// float32 kernel may legitimately pick either index of such a near-tie.
    /// </summary>
    public static (int[] Assignments, double[] Quantized, int[] Alternative) AssignGather(
        CodebookShape shape, float[] weights, float[] codebooks, double tieRelative = 1e-6)
    {
        int n = (int)shape.Weights;
        var a = new int[n];
        var q = new double[n];
        var alt = new int[n];
        for (int i = 0; i < n; i++)
        {
            int g = i / shape.GroupLength, cb = g * shape.M;
            double w = weights[i];
            int best = -1, second = -1;
            double d1 = double.PositiveInfinity, d2 = double.PositiveInfinity;
            for (int m = 0; m < shape.M; m++)
            {
                double d = Math.Abs(w - codebooks[cb + m]);
                if (d < d1) { second = best; d2 = d1; best = m; d1 = d; }
                else if (d < d2) { second = m; d2 = d; }
            }
            a[i] = best;
            q[i] = codebooks[cb + best];
            alt[i] = second >= 0 && d2 - d1 <= tieRelative * d2 ? second : -1;
        }
        return (a, q, alt);
    }

    /// <summary>
    /// ∂c_(g,m) = Σ_(i in g, a_i = m) ∂Ŵ_i and, per centroid, Σ|∂Ŵ_i| of its members (the scale
    /// the checks measure the float32 summation error against). Out-of-range indices are ignored.
    /// </summary>
    public static (double[] Grad, double[] AbsSum) CentroidGradient(CodebookShape shape, float[] gradQuantized, int[] assignments)
    {
        var grad = new double[shape.CodebookLength];
        var abs = new double[shape.CodebookLength];
        for (int i = 0; i < (int)shape.Weights; i++)
        {
            int m = assignments[i];
            if (m < 0 || m >= shape.M) continue;
            int k = i / shape.GroupLength * shape.M + m;
            grad[k] += gradQuantized[i];
            abs[k] += Math.Abs(gradQuantized[i]);
        }
        return (grad, abs);
    }

    /// <summary>
    /// b-bit projection: Δ = max|c| / (2^(b−1) − 1), q = clamp(round-half-away(c/Δ), −2^(b−1), 2^(b−1) − 1).
    /// Returns Δ·q, Δ, and the unrounded ratio c/Δ (the checks use it to spot rounding near-ties).
    /// </summary>
    public static (double[] Projected, double Scale, double[] Ratio) Project(int bits, float[] latent)
    {
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        double maxAbs = 0;
        foreach (var c in latent) maxAbs = Math.Max(maxAbs, Math.Abs((double)c));
        double delta = maxAbs / qMax;
        var p = new double[latent.Length];
        var r = new double[latent.Length];
        if (delta == 0) return (p, 0, r);
        for (int i = 0; i < latent.Length; i++)
        {
            r[i] = latent[i] / delta;
            double q = Math.Clamp(Math.Round(r[i], MidpointRounding.AwayFromZero), qMin, qMax);
            p[i] = delta * q;
        }
        return (p, delta, r);
    }

    /// <summary>
    /// Distinct-level projection in float64: Δ = max|c| / d (d from <see cref="CodebookMath.DistinctDivisor"/>),
    /// pre-fix levels q = clamp(round-half-away(c/Δ)), then <see cref="DistinctFix"/> per group.
    /// Returns Δ·q, the final levels, Δ and the unrounded ratios c/Δ (to spot rounding near-ties).
    /// </summary>
    public static (double[] Projected, int[] Levels, double Scale, double[] Ratio) ProjectDistinct(int groups, int m, int bits,
        float[] latent)
    {
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        double maxAbs = 0;
        foreach (var c in latent) maxAbs = Math.Max(maxAbs, Math.Abs((double)c));
        double delta = maxAbs / CodebookMath.DistinctDivisor(m, bits);
        int n = groups * m;
        var p = new double[n];
        var levels = new int[n];
        var r = new double[n];
        if (delta == 0) return (p, levels, 0, r);
        for (int i = 0; i < n; i++)
        {
            r[i] = latent[i] / delta;
            levels[i] = (int)Math.Clamp(Math.Round(r[i], MidpointRounding.AwayFromZero), qMin, qMax);
        }
        for (int g = 0; g < groups; g++) DistinctFix(levels.AsSpan(g * m, m), qMax);
        for (int i = 0; i < n; i++) p[i] = delta * levels[i];
        return (p, levels, delta, r);
    }

    /// <summary>
    /// Makes one group's integer levels distinct in place: in ascending order of level (ties by index),
    /// a level not above its predecessor moves up one; then, from the top, levels move down so the
    /// largest is at most <paramref name="qMax"/>. Order-preserving; distinct whenever m ≤ the grid size.
    /// </summary>
    public static void DistinctFix(Span<int> levels, int qMax)
    {
        int m = levels.Length;
        var order = Enumerable.Range(0, m).ToArray();
        var copy = levels.ToArray();
        Array.Sort(order, (x, y) => copy[x] != copy[y] ? copy[x].CompareTo(copy[y]) : x.CompareTo(y));
        var q = order.Select(i => copy[i]).ToArray();
        for (int i = 1; i < m; i++) q[i] = Math.Max(q[i], q[i - 1] + 1);
        q[m - 1] = Math.Min(q[m - 1], qMax);
        for (int i = m - 2; i >= 0; i--) q[i] = Math.Min(q[i], q[i + 1] - 1);
        for (int i = 0; i < m; i++) levels[order[i]] = q[i];
    }

    /// <summary>Ŵ_i = c[g, a_i] (exact: a copy of the entry).</summary>
    public static float[] Gather(CodebookShape shape, float[] codebooks, int[] assignments)
    {
        var q = new float[shape.Weights];
        for (int i = 0; i < q.Length; i++) q[i] = codebooks[i / shape.GroupLength * shape.M + assignments[i]];
        return q;
    }
}
