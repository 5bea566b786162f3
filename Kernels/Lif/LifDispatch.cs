using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Lif;

/// <summary>A launch that is generic over the neuron pieces; <see cref="LifDispatch"/> picks them at run time.</summary>
public interface ILifVariantAction
{
    void Run<TReset, TSurrogate>(TReset reset, TSurrogate surrogate)
        where TReset : struct, IReset
        where TSurrogate : struct, ISurrogate;
}

/// <summary>
/// Maps a <see cref="LifConfig"/> to the struct pieces it names, once for every implementation,
/// so each backend writes its time loops generically and is specialised per (reset, surrogate).
/// Also holds the argument checks both implementations share.
/// </summary>
public static class LifDispatch
{
    public static void Run<TAction>(LifConfig config, TAction action) where TAction : ILifVariantAction
    {
        float p = config.EffectiveSurrogateParam;
        switch (config.Reset)
        {
            case ResetMode.Soft: WithSurrogate(default(SoftReset), config.Surrogate, p, action); break;
            case ResetMode.Hard: WithSurrogate(default(HardReset), config.Surrogate, p, action); break;
            default: throw new ArgumentOutOfRangeException(nameof(config), $"Unknown reset mode {config.Reset}.");
        }
    }

    private static void WithSurrogate<TReset, TAction>(TReset reset, SurrogateKind kind, float p, TAction action)
        where TReset : struct, IReset where TAction : ILifVariantAction
    {
        switch (kind)
        {
            case SurrogateKind.FastSigmoid: action.Run(reset, new FastSigmoidSurrogate(p)); break;
            case SurrogateKind.Atan: action.Run(reset, new AtanSurrogate(p)); break;
            case SurrogateKind.Sigmoid: action.Run(reset, new SigmoidSurrogate(p)); break;
            case SurrogateKind.Triangle: action.Run(reset, new TriangleSurrogate(p)); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown surrogate {kind}.");
        }
    }

    public static void CheckForward(Backend backend, LifShape shape, LifConfig config,
        DeviceBuffer<float> input, DeviceBuffer<float> membrane, DeviceBuffer<float> spikes)
    {
        shape.Validate();
        config.Validate();
        backend.Check(input, shape.InputLength, nameof(input));
        backend.Check(membrane, shape.StateLength, nameof(membrane));
        backend.Check(spikes, shape.StateLength, nameof(spikes));
    }

    public static void CheckBackward(Backend backend, LifShape shape, LifConfig config, DeviceBuffer<float> membrane,
        DeviceBuffer<float> gradSpikes, DeviceBuffer<float> gradInput, DeviceBuffer<float>? spikeGradProduct)
    {
        shape.Validate();
        config.Validate();
        backend.Check(membrane, shape.StateLength, nameof(membrane));
        backend.Check(gradSpikes, shape.StateLength, nameof(gradSpikes));
        backend.Check(gradInput, shape.InputLength, nameof(gradInput));
        if (spikeGradProduct is not null) backend.Check(spikeGradProduct, shape.StepSize, nameof(spikeGradProduct));
    }

    public static void CheckIntegrator(Backend backend, LifShape shape, float beta, DeviceBuffer<float> input,
        DeviceBuffer<float> membrane)
    {
        shape.Validate();
        if (!(beta >= 0f && beta <= 1f)) throw new ArgumentException($"Integrator beta must be in [0, 1], got {beta}.");
        backend.Check(input, shape.InputLength, nameof(input));
        backend.Check(membrane, shape.StateLength, nameof(membrane));
    }

    public static void CheckFisher(Backend backend, int rows, int n, DeviceBuffer<float> spikeGradProduct, DeviceBuffer<float> fisher)
    {
        if (rows <= 0 || n <= 0) throw new ArgumentException($"Fisher accumulation needs positive sizes, got rows={rows}, n={n}.");
        backend.Check(spikeGradProduct, (long)rows * n, nameof(spikeGradProduct));
        backend.Check(fisher, n, nameof(fisher));
    }
}
