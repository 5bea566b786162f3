using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Models;

/// <summary>
/// Fully connected layer y = x·Ŵᵀ + b, W stored [out, in] (a row per output neuron). Ŵ = W, or the
/// output of a <see cref="WeightConstraint"/> (codebook, quantizer) built by <c>constrain</c>.
/// </summary>
public sealed class Linear : IWeightedLayer
{
    private readonly Backend _backend;
    private readonly GrowingBuffer<float> _output, _gradInput;
    private Activation? _input;
    private Kernels.Core.DeviceBuffer<float>? _effective;

    public string Name { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public FeatureShape OutputShape => FeatureShape.Flat(Outputs);
    public IReadOnlyList<Parameter> Parameters { get; }
    public WeightConstraint? Constraint { get; }
    public Activation? LastInput => _input;
    public LayerKind Kind => LayerKind.Dense;
    public int OutChannels => Outputs;
    public int FanIn => Inputs;

    public Linear(Backend backend, string name, int inputs, int outputs, Random rng)
        : this(backend, name, inputs, outputs, Parameter.UniformFanIn(rng, outputs * inputs, inputs), Parameter.UniformFanIn(rng, outputs, inputs))
    {
    }

    /// <param name="constrain">Builds the layer's weight constraint from its weight parameter (rows, fan-in); null: full precision.</param>
    public Linear(Backend backend, string name, int inputs, int outputs, float[] weights, float[] bias,
        Func<Parameter, int, int, WeightConstraint>? constrain = null)
    {
        _backend = backend;
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Weight = new Parameter(backend, name + ".weight", new[] { outputs, inputs }, weights, decay: true);
        Bias = new Parameter(backend, name + ".bias", new[] { outputs }, bias, decay: false);
        Constraint = constrain?.Invoke(Weight, outputs, inputs);
        Parameters = new[] { Weight, Bias }.Concat(Constraint?.Parameters ?? Array.Empty<Parameter>()).ToArray();
        _output = new GrowingBuffer<float>(backend);
        _gradInput = new GrowingBuffer<float>(backend);
    }

    public Activation Forward(Activation input)
    {
        if (input.Shape.Size != Inputs)
            throw new ArgumentException($"{Name} expects {Inputs} input features, got {input.Shape} = {input.Shape.Size}.");
        _input = input;
        var y = _output.Get((long)input.Rows * Outputs);
        _effective = Constraint?.Effective() ?? Weight.Value;
        DenseLayer.Forward(_backend.Dense, input.Rows, Inputs, Outputs, input.Data, _effective, Bias.Value, y);
        return input with { Data = y, Shape = OutputShape };
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        var gx = needInputGradient ? _gradInput.Get(x.Length) : null;
        // With a constraint this writes ∂L/∂Ŵ into Weight.Grad; the constraint turns it into its own gradients.
        DenseLayer.Backward(_backend.Dense, x.Rows, Inputs, Outputs, x.Data, _effective ?? Weight.Value, gradOutput.Data,
            gx, Weight.Grad, Bias.Grad);
        Constraint?.Backward();
        return gx is null ? null : x with { Data = gx };
    }

    public void AfterUpdate() => Constraint?.AfterUpdate();

    public float[] EffectiveWeights() => Constraint?.EffectiveWeights() ?? Weight.Value.ToArray();

    public void Dispose()
    {
        Constraint?.Dispose();
        Weight.Dispose();
        Bias.Dispose();
        _output.Dispose();
        _gradInput.Dispose();
    }
}
