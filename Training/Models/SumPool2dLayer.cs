using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models;

/// <summary>
/// 2×2 sum pooling, stride 2 (odd sizes floor), channels-last: NIR's SumPool2d (and AvgPool2d, whose
/// 1/4 the importer folds into the next layer's weights). Networks imported from NIR use it in place
/// of max pooling. Computed on the host through the buffers' copies, so it runs on every backend; it
/// is a small share of a conv net's work next to the convolutions.
/// </summary>
public sealed class SumPool2dLayer : ILayer
{
    private readonly Backend _backend;
    private DeviceBuffer<float>? _output, _gradInput;
    private Activation? _input;

    public string Name { get; }
    public FeatureShape InputShape { get; }
    public FeatureShape OutputShape { get; }
    public IReadOnlyList<Parameter> Parameters => Array.Empty<Parameter>();

    public SumPool2dLayer(Backend backend, string name, FeatureShape input)
    {
        _backend = backend;
        Name = name;
        InputShape = input;
        OutputShape = new FeatureShape(input.H / 2, input.W / 2, input.C);
        if (OutputShape.H < 1 || OutputShape.W < 1) throw new ArgumentException($"{name}: {input} is too small to pool 2x2.");
    }

    public Activation Forward(Activation input)
    {
        if (input.Shape != InputShape) throw new ArgumentException($"{Name} expects {InputShape} inputs, got {input.Shape}.");
        _input = input;
        var x = Host(input.Data, input.Length);
        int rows = input.Rows, h = InputShape.H, w = InputShape.W, c = InputShape.C, ho = OutputShape.H, wo = OutputShape.W;
        var y = new float[(long)rows * OutputShape.Size];
        for (int r = 0; r < rows; r++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        long top = (((long)r * h + 2 * oy) * w + 2 * ox) * c + ch, bottom = top + (long)w * c;
                        y[(((long)r * ho + oy) * wo + ox) * c + ch] = x[top] + x[top + c] + x[bottom] + x[bottom + c];
                    }
        _output = Exact(_output, y.Length);
        _output.CopyFrom(y);
        return input with { Data = _output, Shape = OutputShape };
    }

    public Activation? Backward(Activation gradOutput, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        if (!needInputGradient) return null;
        var g = Host(gradOutput.Data, gradOutput.Length);
        int rows = x.Rows, h = InputShape.H, w = InputShape.W, c = InputShape.C, ho = OutputShape.H, wo = OutputShape.W;
        var gx = new float[x.Length]; // rows/columns dropped by the floor get zero gradient
        for (int r = 0; r < rows; r++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        float v = g[(((long)r * ho + oy) * wo + ox) * c + ch];
                        long top = (((long)r * h + 2 * oy) * w + 2 * ox) * c + ch, bottom = top + (long)w * c;
                        gx[top] = v;
                        gx[top + c] = v;
                        gx[bottom] = v;
                        gx[bottom + c] = v;
                    }
        _gradInput = Exact(_gradInput, gx.Length);
        _gradInput.CopyFrom(gx);
        return x with { Data = _gradInput };
    }

    /// <summary>The first <paramref name="length"/> values of a (possibly larger, reused) buffer.</summary>
    private static float[] Host(DeviceBuffer<float> buffer, long length)
    {
        var all = buffer.ToArray();
        return all.Length == length ? all : all.AsSpan(0, (int)length).ToArray();
    }

    private DeviceBuffer<float> Exact(DeviceBuffer<float>? buffer, long length)
    {
        if (buffer is not null && buffer.Length == length) return buffer;
        buffer?.Dispose();
        return _backend.Allocate<float>(length);
    }

    public void Dispose()
    {
        _output?.Dispose();
        _gradInput?.Dispose();
    }
}
