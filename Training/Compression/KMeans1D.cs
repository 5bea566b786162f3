namespace SpikeFit.Training.Compression;

/// <summary>How <see cref="KMeans1D"/> places its first centroids.</summary>
public enum KMeansInit
{
    /// <summary>k-means++ (Arthur &amp; Vassilvitskii 2007): first centroid uniform, then each next one drawn
    /// with probability ∝ D(x)², from a seeded <see cref="Random"/>.</summary>
    PlusPlus,

    /// <summary>k values evenly spaced over [min, max] (Deep Compression's choice: keeps the rare large
    /// weights represented). No randomness.</summary>
    Linear,
}

/// <summary>Result of a 1-D k-means fit.</summary>
/// <param name="Centroids">Sorted ascending, distinct, as float32. Fewer than k only when the data has fewer
/// than k distinct values (then they are exactly those values).</param>
/// <param name="Assignments">Index into <paramref name="Centroids"/> per input value, in input order: the nearest
/// centroid by float32 |w − c|, ties to the lower index (the same rule as the CAT AssignGather kernel).</param>
/// <param name="Inertia">Σ (w − c_a)² in float64 against the returned float32 centroids.</param>
/// <param name="Iterations">Lloyd iterations run.</param>
/// <param name="Converged">True when the assignment stopped changing before the iteration limit.</param>
public sealed record KMeansResult(float[] Centroids, int[] Assignments, double Inertia, int Iterations, bool Converged)
{
    /// <summary>The input with every value replaced by its centroid.</summary>
    public float[] Snapped()
    {
        var r = new float[Assignments.Length];
        for (int i = 0; i < r.Length; i++) r[i] = Centroids[Assignments[i]];
        return r;
    }
}

/// <summary>
/// Exact 1-D k-means (Lloyd) for weight codebooks. The values are sorted once; in 1-D the nearest-centroid
/// cells of sorted centroids are contiguous runs split at the midpoints, so one Lloyd step is a binary search
/// per midpoint plus prefix sums (O(k log n)), computed in float64.
/// <para>Empty clusters: when a centroid's cell holds no value, the centroid is moved onto the value farthest
/// from its own centroid (lowest sorted position on ties), as scikit-learn does. That value is never already a
/// centroid when the data has at least k distinct values, so the step strictly lowers the inertia and all k
/// clusters end non-empty.</para>
/// </summary>
public static class KMeans1D
{
    /// <summary>Default Lloyd iteration cap. An iteration costs O(k log n) after the one sort, and on 10^6 Gaussian
    /// weights with k = 16 Lloyd crawls for hundreds of iterations (boundaries move a few values at a time), so
    /// the cap is generous.</summary>
    public const int DefaultMaxIterations = 10_000;

    /// <summary>Fits k centroids to <paramref name="values"/>. Deterministic for a given seed
    /// (the seed is unused with <see cref="KMeansInit.Linear"/>). NaN values are rejected.</summary>
    public static KMeansResult Fit(ReadOnlySpan<float> values, int k, KMeansInit init = KMeansInit.PlusPlus,
        int seed = 0, int maxIterations = DefaultMaxIterations)
    {
        var sorted = SortedValues(values, out var order);
        return FitSorted(sorted, order, k, init, seed, maxIterations);
    }

    /// <summary>k-means++ from <paramref name="restarts"/> seeds (seed, seed+1, …); the lowest inertia wins
    /// (earliest seed on ties). The sort is shared between restarts.</summary>
    public static KMeansResult FitBest(ReadOnlySpan<float> values, int k, int restarts, int seed = 0,
        int maxIterations = DefaultMaxIterations)
    {
        if (restarts < 1) throw new ArgumentOutOfRangeException(nameof(restarts), "Need at least one restart.");
        var sorted = SortedValues(values, out var order);
        KMeansResult? best = null;
        for (int r = 0; r < restarts; r++)
        {
            var res = FitSorted(sorted, order, k, KMeansInit.PlusPlus, unchecked(seed + r), maxIterations);
            if (best is null || res.Inertia < best.Inertia) best = res;
        }
        return best!;
    }

    /// <summary>
    /// The globally optimal k-clustering (minimum inertia), by dynamic programming over contiguous segments of the
    /// sorted values (in 1-D an optimal clustering is contiguous): D[j][i] = min_m D[j−1][m] + cost(m, i), with the
    /// optimal split monotone in i, so each of the k layers is solved by divide and conquer in O(n log n)
    /// (Grønlund et al. 2017). Memory k·n ints for the backtrack. Lloyd from k-means++ can stop at a worse fixed
    /// point (rarely, but with basins below 1% on some small sets); this cannot. Iterations = 0.
    /// </summary>
    public static KMeansResult FitOptimal(ReadOnlySpan<float> values, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1.");
        var x = SortedValues(values, out var order);
        int n = x.Length;
        int distinct = 1;
        for (int i = 1; i < n; i++) if (x[i] != x[i - 1]) distinct++;
        if (distinct <= k) return FitSorted(x, order, k, KMeansInit.Linear, 0, 1); // returns the distinct values

        // Centred prefix sums: cost(a, b) = Σx² − (Σx)²/len loses less to cancellation around the mean.
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= n;
        var s1 = new double[n + 1];
        var s2 = new double[n + 1];
        for (int i = 0; i < n; i++)
        {
            double d = x[i] - mean;
            s1[i + 1] = s1[i] + d;
            s2[i + 1] = s2[i] + d * d;
        }
        double Cost(int a, int b)
        {
            double s = s1[b] - s1[a];
            return Math.Max(0.0, s2[b] - s2[a] - s * s / (b - a));
        }

        var prev = new double[n + 1];
        var cur = new double[n + 1];
        var split = new int[k][]; // split[j][i]: start of the last segment when j+1 clusters cover x[0..i)
        for (int i = 1; i <= n; i++) prev[i] = Cost(0, i);
        for (int j = 1; j < k; j++)
        {
            var arg = split[j] = new int[n + 1];
            // i points, j+1 clusters: i in [j+1, n]; last segment [m, i) with m in [j, i−1].
            void Solve(int iLo, int iHi, int mLo, int mHi)
            {
                if (iLo > iHi) return;
                int i = (iLo + iHi) >>> 1;
                double best = double.PositiveInfinity;
                int bestM = mLo;
                for (int m = mLo; m <= Math.Min(mHi, i - 1); m++)
                {
                    double c = prev[m] + Cost(m, i);
                    if (c < best) { best = c; bestM = m; }
                }
                cur[i] = best;
                arg[i] = bestM;
                Solve(iLo, i - 1, mLo, bestM);
                Solve(i + 1, iHi, bestM, mHi);
            }
            Solve(j + 1, n, j, n - 1);
            (prev, cur) = (cur, prev);
        }

        var cent = new double[k];
        for (int j = k - 1, end = n; j >= 0; j--)
        {
            int start = j == 0 ? 0 : split[j][end];
            cent[j] = mean + (s1[end] - s1[start]) / (end - start);
            end = start;
        }
        return Finish(x, order, cent, 0, true);
    }

    /// <summary>Per output neuron (TrueNorth-style): one codebook per row of a row-major [outputs, inputs] matrix.
    /// Row o uses seed + o.</summary>
    public static KMeansResult[] FitPerRow(ReadOnlySpan<float> weights, int outputs, int inputs, int k,
        KMeansInit init = KMeansInit.PlusPlus, int seed = 0, int maxIterations = DefaultMaxIterations)
    {
        if (outputs <= 0 || inputs <= 0 || (long)outputs * inputs != weights.Length)
            throw new ArgumentException($"Weights hold {weights.Length} values, not {outputs} x {inputs}.", nameof(weights));
        var results = new KMeansResult[outputs];
        for (int o = 0; o < outputs; o++)
            results[o] = Fit(weights.Slice(o * inputs, inputs), k, init, unchecked(seed + o), maxIterations);
        return results;
    }

    /// <summary>Whole network: one codebook over the concatenation of several weight arrays. Returns the shared
    /// fit (assignments over the concatenation) and the assignments split back per array.</summary>
    public static (KMeansResult Shared, int[][] Assignments) FitShared(IReadOnlyList<float[]> layers, int k,
        KMeansInit init = KMeansInit.PlusPlus, int seed = 0, int maxIterations = DefaultMaxIterations)
    {
        long total = 0;
        foreach (var l in layers) total += l.Length;
        if (total > int.MaxValue) throw new ArgumentException("Weights exceed 2^31 values.", nameof(layers));
        var all = new float[total];
        int at = 0;
        foreach (var l in layers) { l.CopyTo(all, at); at += l.Length; }
        var shared = Fit(all, k, init, seed, maxIterations);
        var split = new int[layers.Count][];
        at = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            split[i] = shared.Assignments.AsSpan(at, layers[i].Length).ToArray();
            at += layers[i].Length;
        }
        return (shared, split);
    }

    /// <summary>
    /// Nearest centroid per value for sorted, distinct centroids: float32 |w − c| between the two neighbours of
    /// the insertion point, ties to the lower index. Float rounding is monotone, so this equals the linear-scan
    /// argmin of the CAT kernel.
    /// </summary>
    public static void Assign(ReadOnlySpan<float> values, ReadOnlySpan<float> sortedCentroids, Span<int> assignments)
    {
        if (sortedCentroids.Length == 0) throw new ArgumentException("No centroids.", nameof(sortedCentroids));
        if (assignments.Length != values.Length) throw new ArgumentException("Assignments length differs from values.", nameof(assignments));
        for (int i = 0; i < values.Length; i++)
        {
            float w = values[i];
            int j = LowerBound(sortedCentroids, w); // first c >= w
            if (j == 0) { assignments[i] = 0; continue; }
            if (j == sortedCentroids.Length) { assignments[i] = j - 1; continue; }
            float dl = MathF.Abs(w - sortedCentroids[j - 1]), dr = MathF.Abs(w - sortedCentroids[j]);
            assignments[i] = dl <= dr ? j - 1 : j;
        }
    }

    /// <summary>Σ (w − c_a)² in float64.</summary>
    public static double Inertia(ReadOnlySpan<float> values, ReadOnlySpan<float> centroids, ReadOnlySpan<int> assignments)
    {
        double s = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double d = (double)values[i] - centroids[assignments[i]];
            s += d * d;
        }
        return s;
    }

    static int LowerBound(ReadOnlySpan<float> sorted, float x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    static double[] SortedValues(ReadOnlySpan<float> values, out int[] order)
    {
        if (values.Length == 0) throw new ArgumentException("Cannot cluster an empty array.", nameof(values));
        var keys = new double[values.Length];
        order = new int[values.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            if (float.IsNaN(values[i])) throw new ArgumentException($"Value {i} is NaN.", nameof(values));
            keys[i] = values[i];
            order[i] = i;
        }
        Array.Sort(keys, order);
        return keys;
    }

    static KMeansResult FitSorted(double[] x, int[] order, int k, KMeansInit init, int seed, int maxIterations)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1.");
        if (maxIterations < 1) throw new ArgumentOutOfRangeException(nameof(maxIterations));
        int n = x.Length;

        int distinct = 1;
        for (int i = 1; i < n; i++) if (x[i] != x[i - 1]) distinct++;
        if (distinct <= k)
        {
            // Every distinct value is its own centroid: inertia 0, nothing to iterate.
            var c = new double[distinct];
            int m = 0;
            c[m++] = x[0];
            for (int i = 1; i < n; i++) if (x[i] != x[i - 1]) c[m++] = x[i];
            return Finish(x, order, c, 0, true);
        }

        var prefix = new double[n + 1];
        for (int i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i];

        double[] cent = init == KMeansInit.Linear ? LinearInit(x, k) : PlusPlusInit(x, k, seed);
        Array.Sort(cent);
        var ends = new int[k];     // cluster j is x[ends[j-1] .. ends[j])
        var previous = new int[k];
        previous[0] = -1;          // forces at least one update
        int it = 0;
        bool converged = false;
        while (it < maxIterations)
        {
            it++;
            Boundaries(x, cent, ends);
            bool same = ends.AsSpan().SequenceEqual(previous);
            if (same) { converged = true; break; }
            ends.CopyTo(previous, 0);
            bool empty = false;
            for (int j = 0, start = 0; j < k; start = ends[j], j++)
            {
                if (ends[j] > start) cent[j] = (prefix[ends[j]] - prefix[start]) / (ends[j] - start);
                else empty = true;
            }
            if (empty)
            {
                FillEmpty(x, cent, ends);
                Array.Sort(cent);
                previous[0] = -1; // the moved centroid changes the cells: iterate again
            }
        }
        return Finish(x, order, cent, it, converged);
    }

    /// <summary>ends[j] = number of values in cells 0..j: a value equal to a midpoint goes to the lower cell.</summary>
    static void Boundaries(double[] x, double[] cent, int[] ends)
    {
        int k = cent.Length;
        for (int j = 0; j < k - 1; j++)
        {
            double mid = 0.5 * (cent[j] + cent[j + 1]);
            int lo = j == 0 ? 0 : ends[j - 1], hi = x.Length; // first index with x > mid
            while (lo < hi)
            {
                int m = (lo + hi) >>> 1;
                if (x[m] <= mid) lo = m + 1; else hi = m;
            }
            ends[j] = lo;
        }
        ends[k - 1] = x.Length;
    }

    /// <summary>Moves each empty cluster's centroid onto the value farthest from its cluster's centroid.</summary>
    static void FillEmpty(double[] x, double[] cent, int[] ends)
    {
        int k = cent.Length;
        var chosen = new List<double>();
        for (int j = 0, start = 0; j < k; start = ends[j], j++)
        {
            if (ends[j] > start) continue;
            int far = -1;
            double farD = 0; // a value already on its centroid is no new centroid
            for (int c = 0, s = 0; c < k; s = ends[c], c++)
                for (int i = s; i < ends[c]; i++)
                {
                    double d = Math.Abs(x[i] - cent[c]);
                    if (d > farD && !chosen.Contains(x[i])) { farD = d; far = i; } // two empty cells never share a value
                }
            if (far < 0) continue; // unreachable with ≥ k distinct values; the iteration cap ends the loop
            chosen.Add(x[far]);
            cent[j] = x[far];
        }
    }

    static double[] LinearInit(double[] x, int k)
    {
        double lo = x[0], hi = x[^1];
        var c = new double[k];
        for (int j = 0; j < k; j++) c[j] = k == 1 ? 0.5 * (lo + hi) : lo + (hi - lo) * j / (k - 1);
        return c;
    }

    /// <summary>k-means++ seeding. Caller guarantees at least k distinct values, so D² never sums to 0 early.</summary>
    static double[] PlusPlusInit(double[] x, int k, int seed)
    {
        var rng = new Random(seed);
        int n = x.Length;
        var c = new double[k];
        c[0] = x[rng.Next(n)];
        var d2 = new double[n];
        for (int i = 0; i < n; i++) { double d = x[i] - c[0]; d2[i] = d * d; }
        for (int j = 1; j < k; j++)
        {
            double total = 0;
            for (int i = 0; i < n; i++) total += d2[i];
            double r = rng.NextDouble() * total;
            int pick = -1;
            double acc = 0;
            for (int i = 0; i < n; i++)
            {
                if (d2[i] <= 0) continue;
                pick = i; // last positive-weight value: guards against r landing past the float64 sum
                acc += d2[i];
                if (acc > r) break;
            }
            c[j] = x[pick];
            for (int i = 0; i < n; i++) { double d = x[i] - c[j]; d2[i] = Math.Min(d2[i], d * d); }
        }
        return c;
    }

    static KMeansResult Finish(double[] x, int[] order, double[] cent, int iterations, bool converged)
    {
        // float32 centroids; two distinct float64 means can round to one float: drop the duplicate.
        var cf = new List<float>(cent.Length);
        foreach (var c in cent)
        {
            float f = (float)c;
            if (cf.Count == 0 || cf[^1] != f) cf.Add(f);
        }
        var centroids = cf.ToArray();
        var values = new float[x.Length];
        for (int i = 0; i < x.Length; i++) values[order[i]] = (float)x[i];
        var assignments = new int[x.Length];
        Assign(values, centroids, assignments);
        return new KMeansResult(centroids, assignments, Inertia(values, centroids, assignments), iterations, converged);
    }
}
