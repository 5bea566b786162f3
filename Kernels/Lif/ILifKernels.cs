using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Lif;

/// <summary>Fused multi-step LIF kernels: one launch covers all T steps (DESIGN §3).</summary>
public interface ILifKernels
{
    /// <summary>
    /// Forward over all steps. Reads the input current ([T,B,N], or [B,N] when broadcast) and
    /// writes the pre-reset membrane h [T,B,N] (all backward needs) and the spikes s [T,B,N].
    /// </summary>
    void Forward(LifShape shape, LifConfig config,
        DeviceBuffer<float> input, DeviceBuffer<float> membrane, DeviceBuffer<float> spikes);

    /// <summary>
    /// Backward in reverse time from the stored membrane and ∂L/∂s [T,B,N]; writes ∂L/∂I
    /// ([T,B,N], or the [B,N] time sum when broadcast). When <paramref name="spikeGradProduct"/>
    /// is given it also writes c[b,n] = Σ_t s_t·∂L/∂s_t, the per-sample quantity behind the FSC
    /// score (DESIGN §4) and the first-order Taylor criterion, at the cost of one [B,N] write.
    /// </summary>
    void Backward(LifShape shape, LifConfig config,
        DeviceBuffer<float> membrane, DeviceBuffer<float> gradSpikes, DeviceBuffer<float> gradInput,
        DeviceBuffer<float>? spikeGradProduct = null);

    /// <summary>
    /// Non-spiking leaky integrator (the membrane readout's output layer): h_t = β·h_(t−1) + I_t,
    /// written to <paramref name="membrane"/> [T,B,N]. Input may be broadcast like <see cref="Forward"/>.
    /// </summary>
    void IntegratorForward(LifShape shape, float beta, DeviceBuffer<float> input, DeviceBuffer<float> membrane);

    /// <summary>Backward of <see cref="IntegratorForward"/>: ∂I_t = ∂h_t + β·∂I_(t+1) (time-summed when broadcast).</summary>
    void IntegratorBackward(LifShape shape, float beta, DeviceBuffer<float> gradMembrane, DeviceBuffer<float> gradInput);

    /// <summary>FSC accumulation: fisher[n] += Σ_b c[b,n]² over the [B,N] product of <see cref="Backward"/>.
    /// FSC_n = fisher[n] / (2·samples) once every batch has been added.</summary>
    void AccumulateFisher(int rows, int n, DeviceBuffer<float> spikeGradProduct, DeviceBuffer<float> fisher);
}
