using SpikeFit.Kernels.Core;
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

    /// <summary>Buffer checks shared by every implementation.</summary>
    public static void Check(Backend backend, int count, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> m, DeviceBuffer<float> v)
    {
        if (count < 0) throw new ArgumentException($"Adam count must be ≥ 0, got {count}.", nameof(count));
        backend.Check(param, count, nameof(param));
        backend.Check(grad, count, nameof(grad));
        backend.Check(m, count, nameof(m));
        backend.Check(v, count, nameof(v));
    }

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
