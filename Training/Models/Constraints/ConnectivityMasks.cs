namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// The host algorithms that choose a layer's connectivity from its weights W [rows, fanIn]
/// (DESIGN §4b): a per-neuron fan-in budget, a greedy partition of neurons into cores whose strongest
/// inputs overlap, and each core's input set. All are deterministic: ties go to the lower index.
/// </summary>
public static class ConnectivityMasks
{
    /// <summary>
    /// Keeps, in each row, the <paramref name="k"/> largest |w| among the allowed entries
    /// (<paramref name="allowed"/> null: all); everything else is masked out.
    /// </summary>
    public static bool[] TopKPerRow(ReadOnlySpan<float> w, int rows, int fanIn, int k, bool[]? allowed = null)
    {
        var mask = new bool[rows * fanIn];
        var order = new int[fanIn];
        var keys = new float[fanIn];
        for (int r = 0; r < rows; r++)
        {
            int n = 0;
            for (int j = 0; j < fanIn; j++)
                if (allowed is null || allowed[r * fanIn + j]) { order[n] = j; keys[n] = -MathF.Abs(w[r * fanIn + j]); n++; }
            SortByKey(keys, order, n);
            for (int t = 0; t < Math.Min(k, n); t++) mask[r * fanIn + order[t]] = true;
        }
        return mask;
    }

    /// <summary>
    /// Partitions the rows into ⌈rows / P⌉ cores of at most P rows each, grouping rows whose strongest
    /// inputs overlap, so that a budget of A inputs per core loses little weight. Greedy, one core at a
    /// time: the core is seeded with the unassigned row of largest Σ|w|; then, while it has room, it takes
    /// the unassigned row that keeps the largest share of its Σ|w| inside the core's current top-A
    /// columns (columns ranked by the core's summed |w|), ties to the heavier row, then the lower index.
    /// O(rows² · fanIn) operations: about 0.2 G for a 512 × 784 layer.
    /// </summary>
    public static int[] GreedyCorePartition(ReadOnlySpan<float> w, int rows, int fanIn, int neuronsPerCore, int inputsPerCore)
    {
        var abs = new float[rows * fanIn];
        var rowMass = new double[rows];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < fanIn; j++) { abs[r * fanIn + j] = MathF.Abs(w[r * fanIn + j]); rowMass[r] += abs[r * fanIn + j]; }
        var core = Enumerable.Repeat(-1, rows).ToArray();
        int cores = (rows + neuronsPerCore - 1) / neuronsPerCore, left = rows;
        var columnMass = new double[fanIn];
        var inSet = new bool[fanIn];
        for (int c = 0; c < cores; c++)
        {
            Array.Clear(columnMass);
            // Fill evenly: the last cores get no fewer than P − 1 rows less than the first.
            int size = Math.Min(neuronsPerCore, (left + (cores - c) - 1) / (cores - c));
            int seed = -1;
            for (int r = 0; r < rows; r++)
                if (core[r] < 0 && (seed < 0 || rowMass[r] > rowMass[seed])) seed = r;
            Add(seed);
            for (int taken = 1; taken < size; taken++)
            {
                TopColumns(columnMass, inputsPerCore, inSet);
                int best = -1;
                double bestShare = -1;
                for (int r = 0; r < rows; r++)
                {
                    if (core[r] >= 0) continue;
                    double kept = 0;
                    for (int j = 0; j < fanIn; j++) if (inSet[j]) kept += abs[r * fanIn + j];
                    double share = rowMass[r] > 0 ? kept / rowMass[r] : 1;
                    if (share > bestShare + 1e-12 || (Math.Abs(share - bestShare) <= 1e-12 && rowMass[r] > rowMass[best]))
                    {
                        best = r;
                        bestShare = share;
                    }
                }
                Add(best);
            }

            void Add(int r)
            {
                core[r] = c;
                left--;
                for (int j = 0; j < fanIn; j++) columnMass[j] += abs[r * fanIn + j];
            }
        }
        return core;
    }

    /// <summary>
    /// The block-structured mask of a partition: core c reads the <paramref name="inputsPerCore"/>
    /// columns of largest Σ_(rows of c) |w| (ties to the lower column), and every row of c may use
    /// exactly those columns.
    /// </summary>
    public static bool[] CoreInputMask(ReadOnlySpan<float> w, int rows, int fanIn, int[] coreOfRow, int cores, int inputsPerCore)
    {
        var mass = new double[cores * fanIn];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < fanIn; j++) mass[coreOfRow[r] * fanIn + j] += MathF.Abs(w[r * fanIn + j]);
        var sets = new bool[cores * fanIn];
        var inSet = new bool[fanIn];
        for (int c = 0; c < cores; c++)
        {
            TopColumns(mass.AsSpan(c * fanIn, fanIn), inputsPerCore, inSet);
            inSet.CopyTo(sets, c * fanIn);
        }
        var mask = new bool[rows * fanIn];
        for (int r = 0; r < rows; r++)
            Array.Copy(sets, coreOfRow[r] * fanIn, mask, r * fanIn, fanIn);
        return mask;
    }

    /// <summary>Distinct input columns each core reads under <paramref name="mask"/> (a column counts when any row of the core uses it).</summary>
    public static int[] InputsPerCore(bool[] mask, int rows, int fanIn, int[] coreOfRow, int cores)
    {
        var used = new bool[cores * fanIn];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < fanIn; j++)
                if (mask[r * fanIn + j]) used[coreOfRow[r] * fanIn + j] = true;
        var count = new int[cores];
        for (int c = 0; c < cores; c++)
            for (int j = 0; j < fanIn; j++) if (used[c * fanIn + j]) count[c]++;
        return count;
    }

    /// <summary>Marks the <paramref name="a"/> largest entries of <paramref name="mass"/> (ties to the lower index).</summary>
    private static void TopColumns(ReadOnlySpan<double> mass, int a, bool[] inSet)
    {
        int n = mass.Length;
        var m = mass.ToArray();
        var idx = Enumerable.Range(0, n).ToArray();
        Array.Sort(idx, (x, y) => m[y].CompareTo(m[x]) is var c and not 0 ? c : x.CompareTo(y));
        Array.Clear(inSet);
        for (int t = 0; t < Math.Min(a, n); t++) inSet[idx[t]] = true;
    }

    /// <summary>Sorts the first <paramref name="n"/> (key, index) pairs by key, then index.</summary>
    private static void SortByKey(float[] keys, int[] order, int n)
    {
        var pairs = new (float Key, int Index)[n];
        for (int i = 0; i < n; i++) pairs[i] = (keys[i], order[i]);
        Array.Sort(pairs, (x, y) => x.Key.CompareTo(y.Key) is var c and not 0 ? c : x.Index.CompareTo(y.Index));
        for (int i = 0; i < n; i++) { keys[i] = pairs[i].Key; order[i] = pairs[i].Index; }
    }
}
