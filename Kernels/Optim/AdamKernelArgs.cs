namespace SpikeFit.Kernels.Optim;

/// <summary>
/// Scalars of one Adam step as the kernels use them. The bias corrections 1/(1−β^t) are computed
/// on the host in double (β^t underflows gracefully and costs nothing there) and passed as floats.
/// </summary>
public struct AdamKernelArgs
{
    public float LearningRate, Beta1, Beta2, OneMinusBeta1, OneMinusBeta2, Epsilon, WeightDecay;
    /// <summary>1/(1−β1^t) and 1/(1−β2^t).</summary>
    public float InvBias1, InvBias2;

    public static AdamKernelArgs From(AdamConfig c, int step)
    {
        if (step < 1) throw new ArgumentException($"Adam step is counted from 1, got {step}.", nameof(step));
        c.Validate();
        return new AdamKernelArgs
        {
            LearningRate = c.LearningRate,
            Beta1 = c.Beta1,
            Beta2 = c.Beta2,
            OneMinusBeta1 = (float)(1.0 - c.Beta1),
            OneMinusBeta2 = (float)(1.0 - c.Beta2),
            Epsilon = c.Epsilon,
            WeightDecay = c.WeightDecay,
            InvBias1 = (float)(1.0 / (1.0 - Math.Pow(c.Beta1, step))),
            InvBias2 = (float)(1.0 / (1.0 - Math.Pow(c.Beta2, step))),
        };
    }
}
