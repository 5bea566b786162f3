namespace SpikeFit.Training.Pruning;

/// <summary>
/// Host-side reduction of the LIF backward's per-sample product c[b, pos·C + ch] = Σ_t s·∂L/∂s into
/// per-channel statistics. A conv channel is one neuron for pruning, so positions are summed
/// BEFORE squaring (DESIGN §4): the mask that removes a channel scales all its positions at once.
/// </summary>
public static class ProductFold
{
    /// <summary>
    /// Adds one batch: for each sample b and channel ch, g = scale·Σ_pos c[b, pos·C + ch]; then
    /// sumSquares[ch] += g² and sums[ch] += g. <paramref name="scale"/> turns the product of the
    /// batch-mean loss into that of the sample's own loss (the batch size B, since the loss
    /// kernels differentiate the mean over the batch).
    /// </summary>
    public static void Accumulate(ReadOnlySpan<float> product, int rows, int positions, int channels, double scale,
        double[] sumSquares, double[] sums)
    {
        if (product.Length < (long)rows * positions * channels)
            throw new ArgumentException($"The product holds {product.Length} values; {rows}×{positions}×{channels} are needed.");
        if (sumSquares.Length != channels || sums.Length != channels)
            throw new ArgumentException($"Statistics must have one entry per channel ({channels}).");
        var g = new double[channels];
        for (int b = 0; b < rows; b++)
        {
            Array.Clear(g);
            var row = product.Slice(b * positions * channels, positions * channels);
            for (int p = 0; p < positions; p++)
                for (int ch = 0; ch < channels; ch++)
                    g[ch] += row[p * channels + ch];
            for (int ch = 0; ch < channels; ch++)
            {
                double v = scale * g[ch];
                sumSquares[ch] += v * v;
                sums[ch] += v;
            }
        }
    }
}
