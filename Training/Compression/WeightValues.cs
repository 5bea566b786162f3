namespace SpikeFit.Training.Compression;

/// <summary>Counting what a weight array actually holds (DESIGN §4: unique values are counted, never assumed).</summary>
public static class WeightValues
{
    /// <summary>The distinct values, ascending. −0 and +0 count as one value (0); all NaNs count as one (last).</summary>
    public static float[] DistinctSorted(ReadOnlySpan<float> weights)
    {
        var copy = weights.ToArray();
        Array.Sort(copy); // NaNs sort first
        var result = new List<float>();
        bool nan = false;
        foreach (var w in copy)
        {
            if (float.IsNaN(w)) { nan = true; continue; }
            float v = w == 0f ? 0f : w; // fold −0 into +0
            if (result.Count == 0 || result[^1] != v) result.Add(v);
        }
        if (nan) result.Add(float.NaN);
        return result.ToArray();
    }

    /// <summary>Number of distinct values in <paramref name="weights"/> (see <see cref="DistinctSorted"/>).</summary>
    public static int CountDistinct(ReadOnlySpan<float> weights) => DistinctSorted(weights).Length;

    /// <summary>Index bits needed to address <paramref name="distinct"/> values: ceil(log2(distinct)); 0 for one value.</summary>
    public static int BitsFor(int distinct)
    {
        if (distinct < 0) throw new ArgumentOutOfRangeException(nameof(distinct));
        int bits = 0;
        while ((1L << bits) < distinct) bits++;
        return bits;
    }
}

/// <summary>What one quantized layer deploys, computed from its weight array.</summary>
/// <param name="Weights">Number of weights.</param>
/// <param name="DistinctValues">Distinct values counted in the array.</param>
/// <param name="BitsPerWeight">ceil(log2(DistinctValues)) (0 for a single value).</param>
/// <param name="Codebook">The distinct values, ascending.</param>
/// <param name="Scale">The layer's grid step, or NaN where the quantizer has none (k-means codebooks).</param>
public sealed record QuantizedLayerReport(int Weights, int DistinctValues, int BitsPerWeight, float[] Codebook, float Scale)
{
    /// <summary>Builds the report from the weights the layer actually uses.</summary>
    public static QuantizedLayerReport FromWeights(ReadOnlySpan<float> weights, float scale = float.NaN)
    {
        var codebook = WeightValues.DistinctSorted(weights);
        return new QuantizedLayerReport(weights.Length, codebook.Length, WeightValues.BitsFor(codebook.Length), codebook, scale);
    }

    /// <summary>Index bits plus the codebook stored as float32 (and the scale, when there is one).</summary>
    public long ModelBits => (long)Weights * BitsPerWeight + 32L * Codebook.Length + (float.IsNaN(Scale) ? 0 : 32);
}
