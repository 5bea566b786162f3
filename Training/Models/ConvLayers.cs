using SpikeFit.Kernels.Conv;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Models;

/// <summary>
/// 2-D convolution, stride 1, channels-last: [R, H, W, C] → [R, Ho, Wo, O] as im2col + one GEMM.
/// W is stored [O, K·K·C] (a row per output channel). A static input (direct encoding) is
/// convolved once per sample instead of once per step. A spiking input (<see cref="SpikingInput"/>)
/// can run spike-indexed instead (<see cref="SpikeIndexed"/>): one bit per input spike is kept for
/// the backward in place of the float im2col matrix, and only the spikes are visited.
/// </summary>
public sealed class Conv2dLayer : IWeightedLayer
{
    private readonly Backend _backend;
    private readonly GrowingBuffer<float> _cols, _output, _gradInput;
    private readonly GrowingBuffer<uint> _masks;
    private Activation? _input;
    private ConvShape _shape;
    private DeviceBuffer<float>? _effective;
    private bool _forwardWasSpikeIndexed;

    /// <summary>Whether the input holds only spikes (0/1): set by the network builder for a convolution fed by max-pooled LIF spikes.</summary>
    public bool SpikingInput { get; }

    /// <summary>
    /// Run through <see cref="SpikeConvLayer"/> (bit-packed input, zero-skipping; same results as
    /// im2col + GEMM, bit for bit on the cpu backend). Default: on for a spiking input of at most 32
    /// channels where the backend prefers it (the cpu); settable, e.g. to compare both paths or to
    /// save the im2col memory on a GPU. Takes effect at the next forward.
    /// </summary>
    public bool SpikeIndexed
    {
        get => _spikeIndexed;
        set
        {
            if (value && !SpikingInput) throw new InvalidOperationException($"{Name}: its input is not spikes, so it cannot run spike-indexed.");
            if (value && InputShape.C > 32) throw new InvalidOperationException($"{Name}: spike-indexed convolution packs at most 32 channels a pixel, the input has {InputShape.C}.");
            _spikeIndexed = value;
        }
    }
    private bool _spikeIndexed;

    public string Name { get; }
    public FeatureShape InputShape { get; }
    public int Kernel { get; }
    public int Padding { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public FeatureShape OutputShape { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public WeightConstraint? Constraint { get; }
    public Activation? LastInput => _input;
    public LayerKind Kind => LayerKind.Conv;
    public int OutChannels => OutputShape.C;
    public int FanIn => Kernel * Kernel * InputShape.C;

    /// <param name="warmStart">Parameter values by name to start from instead of the seed's draw (the draw still happens, so later layers do not depend on it).</param>
    /// <param name="constrain">Builds the layer's weight constraint from its weight parameter (rows, fan-in); null: full precision.</param>
    /// <param name="spikingInput">The input holds only 0s and 1s (spikes); enables <see cref="SpikeIndexed"/>.</param>
    public Conv2dLayer(Backend backend, string name, FeatureShape input, int outChannels, int kernel, int padding, Random rng,
        IReadOnlyDictionary<string, float[]>? warmStart = null, Func<Parameter, int, int, WeightConstraint>? constrain = null,
        bool spikingInput = false)
    {
        _backend = backend;
        Name = name;
        InputShape = input;
        Kernel = kernel;
        Padding = padding;
        int fanIn = kernel * kernel * input.C;
        var w = Parameter.OrWarmStart(Parameter.UniformFanIn(rng, outChannels * fanIn, fanIn), warmStart, name + ".weight");
        var b = Parameter.OrWarmStart(Parameter.UniformFanIn(rng, outChannels, fanIn), warmStart, name + ".bias");
        Weight = new Parameter(backend, name + ".weight", new[] { outChannels, kernel, kernel, input.C }, w, decay: true);
        Bias = new Parameter(backend, name + ".bias", new[] { outChannels }, b, decay: false);
        Constraint = constrain?.Invoke(Weight, outChannels, fanIn);
        Parameters = new[] { Weight, Bias }.Concat(Constraint?.Parameters ?? Array.Empty<Parameter>()).ToArray();
        OutputShape = new FeatureShape(input.H + 2 * padding - kernel + 1, input.W + 2 * padding - kernel + 1, outChannels);
        if (OutputShape.H < 1 || OutputShape.W < 1)
            throw new ArgumentException($"{name}: a {kernel}x{kernel} kernel does not fit a {input} input.");
        _cols = new GrowingBuffer<float>(backend);
        _masks = new GrowingBuffer<uint>(backend);
        _output = new GrowingBuffer<float>(backend);
        _gradInput = new GrowingBuffer<float>(backend);
        SpikingInput = spikingInput;
        _spikeIndexed = spikingInput && backend.SpikeConv.Preferred && input.C <= 32;
    }

    public Activation Forward(Activation input)
    {
        if (input.Shape != InputShape) throw new ArgumentException($"{Name} expects {InputShape} inputs, got {input.Shape}.");
        _input = input;
        _shape = new ConvShape(input.Rows, InputShape.H, InputShape.W, InputShape.C, OutputShape.C, Kernel, Padding);
        var y = _output.Get(_shape.OutputLength);
        _effective = Constraint?.Effective() ?? Weight.Value;
        // The spike-indexed kernels compute in float32; with reduced-precision GEMMs the layer takes im2col + GEMM.
        _forwardWasSpikeIndexed = _spikeIndexed && _backend.Dense.Precision == Kernels.Dense.GemmPrecision.Fp32;
        if (_forwardWasSpikeIndexed)
            SpikeConvLayer.Forward(_backend, _shape, input.Data, _effective, Bias.Value, _masks.Get(SpikeConvLayer.MaskLength(_shape)), y);
        else
            ConvLayer.Forward(_backend, _shape, input.Data, _effective, Bias.Value, _cols.Get(_shape.ColsLength), y);
        return input with { Data = y, Shape = OutputShape };
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        var gx = needInputGradient ? _gradInput.Get(_shape.InputLength) : null;
        if (_forwardWasSpikeIndexed)
        {
            SpikeConvLayer.Backward(_backend, _shape, _masks.Get(SpikeConvLayer.MaskLength(_shape)), _effective ?? Weight.Value,
                gradOutput.Data, gx, Weight.Grad, Bias.Grad);
            Constraint?.Backward();
            return gx is null ? null : x with { Data = gx };
        }
        var cols = _cols.Get(_shape.ColsLength);
        // ∂W is taken from cols before cols is reused as the ∂cols scratch.
        ConvLayer.Backward(_backend, _shape, cols, _effective ?? Weight.Value, gradOutput.Data, gx, gx is null ? null : cols,
            Weight.Grad, Bias.Grad);
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
        _cols.Dispose();
        _masks.Dispose();
        _output.Dispose();
        _gradInput.Dispose();
    }
}

/// <summary>2×2 max pooling, stride 2 (odd sizes floor). On spikes it is a logical OR per window.</summary>
public sealed class MaxPool2dLayer : ILayer
{
    private readonly Backend _backend;
    private readonly GrowingBuffer<float> _output, _gradInput;
    private readonly GrowingBuffer<int> _argmax;
    private Activation? _input;
    private PoolShape _shape;

    public string Name { get; }
    public FeatureShape InputShape { get; }
    public FeatureShape OutputShape { get; }
    public IReadOnlyList<Parameter> Parameters => Array.Empty<Parameter>();

    public MaxPool2dLayer(Backend backend, string name, FeatureShape input)
    {
        _backend = backend;
        Name = name;
        InputShape = input;
        OutputShape = new FeatureShape(input.H / 2, input.W / 2, input.C);
        if (OutputShape.H < 1 || OutputShape.W < 1) throw new ArgumentException($"{name}: {input} is too small to pool 2x2.");
        _output = new GrowingBuffer<float>(backend);
        _gradInput = new GrowingBuffer<float>(backend);
        _argmax = new GrowingBuffer<int>(backend);
    }

    public Activation Forward(Activation input)
    {
        _input = input;
        _shape = new PoolShape(input.Rows, InputShape.H, InputShape.W, InputShape.C);
        long outLength = (long)input.Rows * OutputShape.Size;
        var y = _output.Get(outLength);
        _backend.Conv.MaxPool2x2Forward(_shape, input.Data, y, _argmax.Get(outLength));
        return input with { Data = y, Shape = OutputShape };
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        if (!needInputGradient) return null;
        var gx = _gradInput.Get(x.Length);
        _backend.Conv.MaxPool2x2Backward(_shape, gradOutput.Data, _argmax.Get((long)x.Rows * OutputShape.Size), gx);
        return x with { Data = gx };
    }

    public void Dispose()
    {
        _output.Dispose();
        _gradInput.Dispose();
        _argmax.Dispose();
    }
}
