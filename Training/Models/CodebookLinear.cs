using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Training.Models;

/// <summary>
/// A dense layer trained with a learnable M-value codebook (SpikeFit CAT, SPEC §4). It keeps the
/// latent float weights W and a latent codebook c per group; every forward projects c to the b-bit
/// grid (done after each optimiser step), assigns each weight to its nearest centroid and runs the
/// GEMM with Ŵ = c[a]. Backward is straight-through: ∂W = ∂Ŵ, and ∂c_m = Σ_(a=m) ∂Ŵ (the fused
/// codebook kernels); the gradient w.r.t. the projected codebook is applied to the latent one.
/// Groups: one per layer (per-layer scope) or one per output neuron (rows of W).
/// </summary>
public sealed class CodebookLinear : IPostUpdateLayer
{
    private readonly Backend _backend;
    private readonly GrowingBuffer<float> _output, _gradInput;
    private readonly DeviceBuffer<int> _assignments;
    private readonly DeviceBuffer<float> _quantized, _projected, _scale;
    private Activation? _input;

    public string Name { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public int Bits { get; }
    public CodebookShape Shape { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public Parameter Codebook { get; }
    public FeatureShape OutputShape => FeatureShape.Flat(Outputs);
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <param name="weights">Initial latent weights [outputs, inputs] (a full-precision warm start).</param>
    /// <param name="codebook">Initial latent codebook [groups, m].</param>
    public CodebookLinear(Backend backend, string name, int inputs, int outputs, float[] weights, float[] bias,
        float[] codebook, int m, int bits, bool perNeuron, float codebookLearningRateScale = 0.1f)
    {
        CodebookMath.ValidateBits(bits);
        if (m > 1 << bits) throw new ArgumentException($"{name}: M = {m} values do not fit a {bits}-bit grid (at most {1 << bits}).");
        _backend = backend;
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Bits = bits;
        Shape = perNeuron ? new CodebookShape(outputs, inputs, m) : new CodebookShape(1, outputs * inputs, m);
        Shape.Validate();
        if (codebook.Length != Shape.CodebookLength)
            throw new ArgumentException($"{name}: codebook has {codebook.Length} values; {Shape} needs {Shape.CodebookLength}.");
        Weight = new Parameter(backend, name + ".weight", new[] { outputs, inputs }, weights, decay: true);
        Bias = new Parameter(backend, name + ".bias", new[] { outputs }, bias, decay: false);
        Codebook = new Parameter(backend, name + ".codebook", new[] { Shape.Groups, m }, codebook, decay: false)
            { LearningRateScale = codebookLearningRateScale };
        Parameters = new[] { Weight, Bias, Codebook };
        _assignments = backend.Allocate<int>(Shape.Weights);
        _quantized = backend.Allocate<float>(Shape.Weights);
        _projected = backend.Allocate<float>(Shape.CodebookLength);
        _scale = backend.Allocate<float>(1);
        _output = new GrowingBuffer<float>(backend);
        _gradInput = new GrowingBuffer<float>(backend);
        AfterUpdate();
    }

    /// <summary>The projected (b-bit) codebook, the shared scale Δ and the current assignments, on the host.</summary>
    public (float[] Codebook, float Scale, int[] Assignments) Deployed()
    {
        Refresh();
        return (_projected.ToArray(), _scale.ToArray()[0], _assignments.ToArray());
    }

    /// <summary>Ŵ = c[a] as the network uses it (host copy), for counting distinct values from real tensors.</summary>
    public float[] QuantizedWeights()
    {
        Refresh();
        return _quantized.ToArray();
    }

    public void AfterUpdate() => _backend.Codebook.Project(Shape.CodebookLength, Bits, Codebook.Value, _projected, _scale);

    private void Refresh() => _backend.Codebook.AssignGather(Shape, Weight.Value, _projected, _assignments, _quantized);

    public Activation Forward(Activation input)
    {
        if (input.Shape.Size != Inputs)
            throw new ArgumentException($"{Name} expects {Inputs} input features, got {input.Shape.Size}.");
        _input = input;
        Refresh();
        var y = _output.Get((long)input.Rows * Outputs);
        DenseLayer.Forward(_backend.Dense, input.Rows, Inputs, Outputs, input.Data, _quantized, Bias.Value, y);
        return input with { Data = y, Shape = OutputShape };
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        var gx = needInputGradient ? _gradInput.Get(x.Length) : null;
        // ∂Ŵ lands in Weight.Grad: the straight-through estimator makes it ∂W as well.
        DenseLayer.Backward(_backend.Dense, x.Rows, Inputs, Outputs, x.Data, _quantized, gradOutput.Data, gx, Weight.Grad, Bias.Grad);
        _backend.Codebook.CentroidGradient(Shape, Weight.Grad, _assignments, Codebook.Grad);
        return gx is null ? null : x with { Data = gx };
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
        Codebook.Dispose();
        _assignments.Dispose();
        _quantized.Dispose();
        _projected.Dispose();
        _scale.Dispose();
        _output.Dispose();
        _gradInput.Dispose();
    }
}
