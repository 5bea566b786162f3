namespace SpikeFit.Kernels.Hopfield;

/// <summary>
/// Plain float64 reference of the Hopfield model (tests and check-kernels only). Unlike the
/// kernels it recomputes each local field h_i = Σ_j J_ij s_j from scratch when neuron i is
/// visited, so it shares no incremental bookkeeping with them.
/// </summary>
public static class HopfieldReference
{
    /// <summary>J_ij = (1/N)·Σ_μ r_μ ξ^μ_i ξ^μ_j, J_ii = 0; also the GEMM error magnitude Σ_μ |r_μ|/N per element.</summary>
    public static (double[] J, double[] Magnitude) Couplings(int m, int n, float[] patterns, float[] weights)
    {
        var j = new double[(long)n * n];
        var mag = new double[(long)n * n];
        double absSum = 0;
        foreach (var r in weights) absSum += Math.Abs((double)r);
        Parallel.For(0, n, i =>
        {
            for (int k = 0; k < n; k++)
            {
                double s = 0;
                if (k != i)
                    for (int mu = 0; mu < m; mu++)
                        s += (double)weights[mu] * patterns[(long)mu * n + i] * patterns[(long)mu * n + k];
                j[(long)i * n + k] = s / n;
                mag[(long)i * n + k] = absSum / n;
            }
        });
        return (j, mag);
    }

    /// <summary>
    /// Asynchronous dynamics of each trial (rows of <paramref name="start"/>), fixed order 0..N−1,
    /// flip iff s_i·h_i &lt; 0. Returns the final states, sweeps (negative at the cap) and, per
    /// trial, the smallest |h_i| met at any visit — the margin by which float32 fields could decide differently.
    /// </summary>
    public static (double[] States, int[] Sweeps, double[] Margin) Async(int n, int trials, int maxSweeps, double[] j, float[] start)
    {
        var s = Array.ConvertAll(start, v => (double)v);
        var sweeps = new int[trials];
        var margin = new double[trials];
        Parallel.For(0, trials, t =>
        {
            long row = (long)t * n;
            double min = double.PositiveInfinity;
            sweeps[t] = -maxSweeps;
            for (int sweep = 1; sweep <= maxSweeps; sweep++)
            {
                int flips = 0;
                for (int i = 0; i < n; i++)
                {
                    double h = Field(n, j, s, row, i);
                    min = Math.Min(min, Math.Abs(h));
                    if (s[row + i] * h < 0) { s[row + i] = -s[row + i]; flips++; }
                }
                if (flips == 0) { sweeps[t] = sweep; break; }
            }
            margin[t] = min;
        });
        return (s, sweeps, margin);
    }

    /// <summary>
    /// Synchronous dynamics s ← sgn(J·s) (tie keeps s_i), all trials in lockstep like
    /// <see cref="HopfieldNetwork.Retrieve"/>: steps[t] is the step at which trial t first reached a
    /// fixed point (status 1) or a 2-cycle (status 2); every trial keeps stepping until all have settled.
    /// </summary>
    public static (double[] States, int[] Steps, int[] Status, double[] Margin) Sync(int n, int trials, int maxSteps, double[] j, float[] start)
    {
        var s = Array.ConvertAll(start, v => (double)v);
        var prev = new double[s.Length];
        var steps = new int[trials];
        var status = new int[trials];
        var margin = new double[trials];
        Array.Fill(margin, double.PositiveInfinity);
        for (int step = 1; step <= maxSteps; step++)
        {
            Parallel.For(0, trials, t =>
            {
                long row = (long)t * n;
                var next = new double[n];
                bool same = true, cycle = true;
                for (int i = 0; i < n; i++)
                {
                    double h = Field(n, j, s, row, i);
                    margin[t] = Math.Min(margin[t], Math.Abs(h));
                    next[i] = h > 0 ? 1 : h < 0 ? -1 : s[row + i];
                    if (next[i] != s[row + i]) same = false;
                    if (next[i] != prev[row + i]) cycle = false;
                }
                for (int i = 0; i < n; i++) { prev[row + i] = s[row + i]; s[row + i] = next[i]; }
                if (steps[t] == 0 && (same || cycle)) { steps[t] = step; status[t] = same ? 1 : 2; }
            });
            if (Array.TrueForAll(steps, v => v != 0)) break;
        }
        for (int t = 0; t < trials; t++) if (steps[t] == 0) steps[t] = -maxSteps;
        return (s, steps, status, margin);
    }

    /// <summary>m_t = (1/N)·Σ_i ξ^(first+t)_i·s_ti.</summary>
    public static double[] Overlaps(int n, int trials, int firstPattern, float[] patterns, double[] states)
    {
        var m = new double[trials];
        for (int t = 0; t < trials; t++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += patterns[(long)(firstPattern + t) * n + i] * states[(long)t * n + i];
            m[t] = sum / n;
        }
        return m;
    }

    private static double Field(int n, double[] j, double[] s, long row, int i)
    {
        double h = 0;
        long jr = (long)i * n;
        for (int k = 0; k < n; k++) h += j[jr + k] * s[row + k];
        return h;
    }
}
