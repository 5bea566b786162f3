namespace SpikeFit.Kernels.Loss;

/// <summary>Plain float64 reference of the readout losses, for tests and <c>check-kernels</c> only.</summary>
public static class LossReference
{
    /// <summary>
    /// Softmax cross-entropy of <see cref="ILossKernels.SoftmaxCrossEntropy"/> in float64. A label
    /// outside [0, C) gives NaN loss and NaN gradient rows for that sample, as on ILGPU.
    /// </summary>
    public static (double[] Logits, double[] Losses, double[] GradX) SoftmaxCrossEntropy(int t, int b, int c,
        double scale, double[] x, int[] labels)
    {
        var logits = new double[b * c];
        var losses = new double[b];
        var grad = new double[t * b * c];
        for (int s = 0; s < b; s++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < c; j++)
            {
                double sum = 0;
                for (int tt = 0; tt < t; tt++) sum += x[(tt * b + s) * c + j];
                logits[s * c + j] = scale * sum;
                max = Math.Max(max, scale * sum);
            }
            double sumExp = 0;
            for (int j = 0; j < c; j++) sumExp += Math.Exp(logits[s * c + j] - max);
            double lse = max + Math.Log(sumExp);
            int label = labels[s];
            bool valid = label >= 0 && label < c;
            losses[s] = valid ? lse - logits[s * c + label] : double.NaN;
            for (int j = 0; j < c; j++)
            {
                double g = valid ? scale * (Math.Exp(logits[s * c + j] - lse) - (j == label ? 1 : 0)) / b : double.NaN;
                for (int tt = 0; tt < t; tt++) grad[(tt * b + s) * c + j] = g;
            }
        }
        return (logits, losses, grad);
    }
}
