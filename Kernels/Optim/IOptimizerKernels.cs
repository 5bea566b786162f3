using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Optim;

/// <summary>
/// Adam with decoupled weight decay (AdamW when WeightDecay &gt; 0), step counted from 1:
/// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
/// p ← p − lr·( (m/(1−β1^t)) / (√(v/(1−β2^t)) + ε) + wd·p ).
/// </summary>
public readonly record struct AdamConfig(float LearningRate = 1e-3f, float Beta1 = 0.9f, float Beta2 = 0.999f,
    float Epsilon = 1e-8f, float WeightDecay = 0f)
{
    /// <summary>
    /// The defaults above (lr 1e-3, β 0.9/0.999, ε 1e-8, no decay). Without this constructor
    /// <c>new AdamConfig()</c> would be the all-zero struct, whose ε = 0 is rejected.
    /// </summary>
    public AdamConfig() : this(1e-3f, 0.9f, 0.999f, 1e-8f, 0f) { }

    /// <summary>Throws <see cref="ArgumentException"/> for values outside the ranges Adam is defined on.</summary>
    public void Validate()
    {
        if (!(LearningRate >= 0f) || float.IsInfinity(LearningRate)) throw new ArgumentException($"Adam learning rate must be finite and ≥ 0, got {LearningRate}.");
        if (!(Beta1 >= 0f && Beta1 < 1f)) throw new ArgumentException($"Adam beta1 must be in [0, 1), got {Beta1}.");
        if (!(Beta2 >= 0f && Beta2 < 1f)) throw new ArgumentException($"Adam beta2 must be in [0, 1), got {Beta2}.");
        if (!(Epsilon > 0f) || float.IsInfinity(Epsilon)) throw new ArgumentException($"Adam epsilon must be finite and > 0, got {Epsilon}.");
        if (!(WeightDecay >= 0f) || float.IsInfinity(WeightDecay)) throw new ArgumentException($"Adam weight decay must be finite and ≥ 0, got {WeightDecay}.");
    }
}

/// <summary>Optimizer updates, in place on the parameter and its moment buffers.</summary>
public interface IOptimizerKernels
{
    /// <summary>
    /// One Adam step (formula on <see cref="AdamConfig"/>) over the first <paramref name="count"/>
    /// elements: updates <paramref name="param"/>, <paramref name="m"/> and <paramref name="v"/> in
    /// place from <paramref name="grad"/>. <paramref name="step"/> is the 1-based step number used by
    /// the bias corrections (m and v start at zero before step 1).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="step"/> &lt; 1, <paramref name="count"/> &lt; 0,
    /// an invalid <paramref name="config"/>, or a buffer too short or from another backend.</exception>
    void Adam(AdamConfig config, int step, int count, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> m, DeviceBuffer<float> v);
}
