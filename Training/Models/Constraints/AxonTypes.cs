namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// Host algorithms of TrueNorth's weight rule W[i, j] = c_i[type_core(i)(j)] (DESIGN §4d). Within one
/// core, input column j is the vector (W[i, j]) over the core's rows i and the values (c_i[t]) over the
/// rows are the centroid of type t, so choosing types and values is k-means of the core's column
/// vectors with k = 4 types (squared error over the synapses that exist).
/// </summary>
public static class AxonTypes
{
    /// <summary>
    /// Types [cores, fanIn] and values [rows, types] fitted to <paramref name="w"/>: per core, the columns
    /// start in equal-count bins of their mean weight (ascending), then <paramref name="iterations"/>
    /// rounds of Lloyd's algorithm (values = per-row means of their type's synapses, types = the nearest
    /// values). A row with no synapse of some type gets value 0 for it.
    /// </summary>
    public static (int[] Types, float[] Values) Fit(ReadOnlySpan<float> w, CoreLayout layout, int types, int iterations)
    {
        int rows = layout.Rows, fanIn = layout.FanIn;
        var type = new int[layout.Cores * fanIn];
        var rowsOf = layout.RowsOfCores();
        for (int c = 0; c < layout.Cores; c++)
        {
            var mean = new double[fanIn];
            foreach (int r in rowsOf[c])
                for (int j = 0; j < fanIn; j++) mean[j] += w[r * fanIn + j];
            var order = Enumerable.Range(0, fanIn).ToArray();
            Array.Sort(order, (x, y) => mean[x].CompareTo(mean[y]) is var k and not 0 ? k : x.CompareTo(y));
            for (int t = 0; t < fanIn; t++) type[c * fanIn + order[t]] = (int)((long)t * types / fanIn);
        }
        var values = Values(w, layout, type, types);
        for (int it = 0; it < iterations; it++)
        {
            if (!Reassign(w, layout, values, types, type)) break;
            values = Values(w, layout, type, types);
        }
        return (type, values);
    }

    /// <summary>c_i[t] = mean of W[i, j] over the existing synapses of row i whose column has type t (0 if none).</summary>
    public static float[] Values(ReadOnlySpan<float> w, CoreLayout layout, int[] type, int types)
    {
        int rows = layout.Rows, fanIn = layout.FanIn;
        var values = new float[rows * types];
        var sum = new double[types];
        var count = new int[types];
        for (int r = 0; r < rows; r++)
        {
            Array.Clear(sum);
            Array.Clear(count);
            int c = layout.CoreOfRow[r];
            for (int j = 0; j < fanIn; j++)
            {
                if (layout.Mask is { } m && !m[r * fanIn + j]) continue;
                int t = type[c * fanIn + j];
                sum[t] += w[r * fanIn + j];
                count[t]++;
            }
            for (int t = 0; t < types; t++) values[r * types + t] = count[t] > 0 ? (float)(sum[t] / count[t]) : 0f;
        }
        return values;
    }

    /// <summary>
    /// Gives every column of every core the type whose values are nearest its weights, in squared error
    /// over the core's existing synapses (ties to the lower type). Returns whether any type changed.
    /// </summary>
    public static bool Reassign(ReadOnlySpan<float> w, CoreLayout layout, float[] values, int types, int[] type)
    {
        int fanIn = layout.FanIn;
        var rowsOf = layout.RowsOfCores();
        var error = new double[types];
        bool changed = false;
        for (int c = 0; c < layout.Cores; c++)
            for (int j = 0; j < fanIn; j++)
            {
                Array.Clear(error);
                foreach (int r in rowsOf[c])
                {
                    if (layout.Mask is { } m && !m[r * fanIn + j]) continue;
                    double x = w[r * fanIn + j];
                    for (int t = 0; t < types; t++)
                    {
                        double d = x - values[r * types + t];
                        error[t] += d * d;
                    }
                }
                int best = 0;
                for (int t = 1; t < types; t++) if (error[t] < error[best]) best = t;
                if (type[c * fanIn + j] != best) { type[c * fanIn + j] = best; changed = true; }
            }
        return changed;
    }
}
