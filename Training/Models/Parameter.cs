using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models;

/// <summary>A trainable tensor on the device with its gradient and Adam moments.</summary>
public sealed class Parameter : IDisposable
{
    public string Name { get; }
    public int[] Shape { get; }
    public int Length { get; }
    public DeviceBuffer<float> Value { get; }
    public DeviceBuffer<float> Grad { get; }
    public DeviceBuffer<float> M { get; }
    public DeviceBuffer<float> V { get; }
    /// <summary>Decoupled weight decay applies to weights, not to biases.</summary>
    public bool Decay { get; }

    /// <summary>Multiplies the optimiser's learning rate for this tensor (codebooks train slower, DESIGN §4; 0 freezes it).</summary>
    public float LearningRateScale { get; set; } = 1f;

    public Parameter(Backend backend, string name, int[] shape, float[] init, bool decay)
    {
        Name = name;
        Shape = shape;
        Length = shape.Aggregate(1, (a, b) => a * b);
        if (init.Length != Length) throw new ArgumentException($"Parameter {name}: init has {init.Length} values, shape needs {Length}.");
        Value = backend.Upload<float>(init);
        Grad = backend.Allocate<float>(Length);
        M = backend.Allocate<float>(Length);
        V = backend.Allocate<float>(Length);
        Decay = decay;
    }

    /// <summary>PyTorch's default for Linear/Conv: U(−1/√fan_in, 1/√fan_in), drawn from <paramref name="rng"/>.</summary>
    public static float[] UniformFanIn(Random rng, int count, int fanIn)
    {
        float bound = 1f / MathF.Sqrt(fanIn);
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        return a;
    }

    public void Dispose()
    {
        Value.Dispose();
        Grad.Dispose();
        M.Dispose();
        V.Dispose();
    }

    /// <summary>
    /// The warm-start values of <paramref name="name"/> when present and of the right size, else
    /// <paramref name="drawn"/> (drawn from the seed either way, so later layers do not depend on the warm start).
    /// </summary>
    public static float[] OrWarmStart(float[] drawn, IReadOnlyDictionary<string, float[]>? warmStart, string name) =>
        warmStart is not null && warmStart.TryGetValue(name, out var values) && values.Length == drawn.Length ? values : drawn;
}
