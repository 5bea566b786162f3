using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Training.Models;

/// <summary>Fully connected layer y = x·Wᵀ + b, W stored [out, in] (a row per output neuron).</summary>
public sealed class Linear : ILayer
{
    private readonly Backend _backend;
    private readonly GrowingBuffer<float> _output, _gradInput;
    private Activation? _input;

    public string Name { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public FeatureShape OutputShape => FeatureShape.Flat(Outputs);
    public IReadOnlyList<Parameter> Parameters { get; }

    public Linear(Backend backend, string name, int inputs, int outputs, Random rng)
        : this(backend, name, inputs, outputs, Parameter.UniformFanIn(rng, outputs * inputs, inputs), Parameter.UniformFanIn(rng, outputs, inputs))
    {
    }

    public Linear(Backend backend, string name, int inputs, int outputs, float[] weights, float[] bias)
    {
        _backend = backend;
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Weight = new Parameter(backend, name + ".weight", new[] { outputs, inputs }, weights, decay: true);
        Bias = new Parameter(backend, name + ".bias", new[] { outputs }, bias, decay: false);
        Parameters = new[] { Weight, Bias };
        _output = new GrowingBuffer<float>(backend);
        _gradInput = new GrowingBuffer<float>(backend);
    }

    public Activation Forward(Activation input)
    {
        if (input.Shape.Size != Inputs)
            throw new ArgumentException($"{Name} expects {Inputs} input features, got {input.Shape} = {input.Shape.Size}.");
        _input = input;
        var y = _output.Get((long)input.Rows * Outputs);
        DenseLayer.Forward(_backend.Dense, input.Rows, Inputs, Outputs, input.Data, Weight.Value, Bias.Value, y);
        return input with { Data = y, Shape = OutputShape };
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        var gx = needInputGradient ? _gradInput.Get(x.Length) : null;
        DenseLayer.Backward(_backend.Dense, x.Rows, Inputs, Outputs, x.Data, Weight.Value, gradOutput.Data,
            gx, Weight.Grad, Bias.Grad);
        return gx is null ? null : x with { Data = gx };
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
        _output.Dispose();
        _gradInput.Dispose();
    }
}
