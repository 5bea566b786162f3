using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;

namespace SpikeFit.Training.Models;

/// <summary>
/// Leaky integrate-and-fire neurons over all T steps in one fused kernel. A static input (direct
/// encoding) is broadcast over time, and its gradient comes back summed over time.
/// </summary>
public sealed class LifLayer : ISpikingLayer
{
    private readonly Backend _backend;
    private readonly GrowingBuffer<float> _membrane, _spikes, _gradInput, _product;
    private Activation? _input;
    private LifShape _shape;

    public string Name { get; }
    public LifConfig Config { get; }
    public FeatureShape OutputShape { get; }
    public IReadOnlyList<Parameter> Parameters => Array.Empty<Parameter>();
    public Activation? LastSpikes { get; private set; }

    /// <summary>When set, backward also accumulates the FSC score (DESIGN §4) of each neuron here.</summary>
    public DeviceBuffer<float>? Fisher { get; set; }

    /// <summary>
    /// The per-sample product c[b,n] = Σ_t s·∂L/∂s [B, N] written by the last backward while
    /// <see cref="Fisher"/> was set (null otherwise). Pruning reads it to fold conv positions into
    /// channels and for the first-order Taylor criterion; valid until the next backward.
    /// </summary>
    public DeviceBuffer<float>? LastProduct { get; private set; }

    /// <summary>
    /// When set (by a weight constraint such as MINT), the forward runs this quantized-membrane neuron
    /// instead of the fused float kernel; backward still runs the surrogate kernel on the membrane it wrote.
    /// </summary>
    public IMembraneQuantizer? Membrane { get; set; }

    public LifLayer(Backend backend, string name, FeatureShape shape, LifConfig config)
    {
        config.Validate();
        _backend = backend;
        Name = name;
        Config = config;
        OutputShape = shape;
        _membrane = new GrowingBuffer<float>(backend);
        _spikes = new GrowingBuffer<float>(backend);
        _gradInput = new GrowingBuffer<float>(backend);
        _product = new GrowingBuffer<float>(backend);
    }

    public Activation Forward(Activation input)
    {
        _input = input;
        _shape = new LifShape(input.Steps, input.Batch, input.Shape.Size, BroadcastInput: !input.PerStep);
        var h = _membrane.Get(_shape.StateLength);
        var s = _spikes.Get(_shape.StateLength);
        if (Membrane is { } quantized) quantized.Forward(_shape, Config, input.Data, h, s);
        else _backend.Lif.Forward(_shape, Config, input.Data, h, s);
        LastSpikes = new Activation(s, input.Batch, input.Steps, PerStep: true, input.Shape);
        return LastSpikes;
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        var gi = _gradInput.Get(_shape.InputLength);
        var product = Fisher is null ? null : _product.Get(_shape.StepSize);
        LastProduct = product;
        _backend.Lif.Backward(_shape, Config, _membrane.Get(_shape.StateLength), gradOutput.Data, gi, product);
        if (Fisher is not null && product is not null)
            _backend.Lif.AccumulateFisher(_shape.B, _shape.N, product, Fisher);
        return x with { Data = gi };
    }

    public void Dispose()
    {
        _membrane.Dispose();
        _spikes.Dispose();
        _gradInput.Dispose();
        _product.Dispose();
    }
}

/// <summary>Non-spiking leaky integrator: the output layer of the membrane readout.</summary>
public sealed class IntegratorLayer : ILayer
{
    private readonly Backend _backend;
    private readonly GrowingBuffer<float> _membrane, _gradInput;
    private Activation? _input;
    private LifShape _shape;

    public string Name { get; }
    public float Beta { get; }
    public FeatureShape OutputShape { get; }
    public IReadOnlyList<Parameter> Parameters => Array.Empty<Parameter>();

    public IntegratorLayer(Backend backend, string name, FeatureShape shape, float beta)
    {
        _backend = backend;
        Name = name;
        Beta = beta;
        OutputShape = shape;
        _membrane = new GrowingBuffer<float>(backend);
        _gradInput = new GrowingBuffer<float>(backend);
    }

    public Activation Forward(Activation input)
    {
        _input = input;
        _shape = new LifShape(input.Steps, input.Batch, input.Shape.Size, BroadcastInput: !input.PerStep);
        var h = _membrane.Get(_shape.StateLength);
        _backend.Lif.IntegratorForward(_shape, Beta, input.Data, h);
        return new Activation(h, input.Batch, input.Steps, PerStep: true, input.Shape);
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        var gi = _gradInput.Get(_shape.InputLength);
        _backend.Lif.IntegratorBackward(_shape, Beta, gradOutput.Data, gi);
        return x with { Data = gi };
    }

    public void Dispose()
    {
        _membrane.Dispose();
        _gradInput.Dispose();
    }
}
