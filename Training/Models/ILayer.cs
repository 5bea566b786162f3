namespace SpikeFit.Training.Models;

/// <summary>
/// A network layer. Layers own their output and gradient buffers (allocated for the largest batch
/// seen) and keep what backward needs from the last forward.
/// </summary>
public interface ILayer : IDisposable
{
    string Name { get; }
    FeatureShape OutputShape { get; }
    IReadOnlyList<Parameter> Parameters { get; }

    Activation Forward(Activation input);

    /// <summary>Returns ∂L/∂input, or null when <paramref name="needInputGradient"/> is false.</summary>
    Activation? Backward(Activation gradOutput, bool needInputGradient);
}

/// <summary>A layer that must act after every optimiser step (e.g. re-project its codebook to the b-bit grid).</summary>
public interface IPostUpdateLayer : ILayer
{
    void AfterUpdate();
}

/// <summary>A layer of spiking neurons, for firing-rate and FSC reports.</summary>
public interface ISpikingLayer : ILayer
{
    /// <summary>Spikes of the last forward, time-major [T, B, N].</summary>
    Activation? LastSpikes { get; }
}
