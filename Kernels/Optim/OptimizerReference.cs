namespace SpikeFit.Kernels.Optim;

/// <summary>Plain float64 reference of the optimizers, for tests and <c>check-kernels</c> only.</summary>
public static class OptimizerReference
{
    /// <summary>One Adam step in float64, in place (formula on <see cref="AdamConfig"/>).</summary>
    public static void Adam(AdamConfig c, int step, double[] param, double[] grad, double[] m, double[] v)
    {
        double b1 = c.Beta1, b2 = c.Beta2;
        double bias1 = 1 - Math.Pow(b1, step), bias2 = 1 - Math.Pow(b2, step);
        for (int i = 0; i < param.Length; i++)
        {
            double g = grad[i];
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            double mHat = m[i] / bias1, vHat = v[i] / bias2;
            param[i] -= c.LearningRate * (mHat / (Math.Sqrt(vHat) + c.Epsilon) + c.WeightDecay * param[i]);
        }
    }
}
