using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Optim;

/// <summary>
/// Adam with decoupled weight decay (AdamW when WeightDecay &gt; 0), step counted from 1:
/// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
/// p ← p − lr·( (m/(1−β1^t)) / (√(v/(1−β2^t)) + ε) + wd·p ).
/// </summary>
public readonly record struct AdamConfig(float LearningRate = 1e-3f, float Beta1 = 0.9f, float Beta2 = 0.999f,
    float Epsilon = 1e-8f, float WeightDecay = 0f);

public interface IOptimizerKernels
{
    void Adam(AdamConfig config, int step, int count, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> m, DeviceBuffer<float> v);
}
