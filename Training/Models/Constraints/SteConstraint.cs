using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Quantize;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Hardware;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// Quantization-aware training with the straight-through estimator (baselines 4 and 5 of DESIGN §5):
/// the forward uses Ŵ = Q(W) — uniform symmetric b-bit (s = max|w| / (2^(b−1)−1)), binary
/// α·sign(w), ternary TWN or uniform 2-bit — with one scale per layer recomputed from the latent
/// weights; backward passes ∂L/∂Ŵ to W unchanged (it already is the weight gradient).
/// </summary>
public sealed class SteConstraint : WeightConstraint
{
    private readonly DeviceBuffer<float> _quantized;
    /// <summary>The scale of the last forward, on the device (nothing in training reads it back).</summary>
    private readonly DeviceBuffer<float> _scale;

    public SteQuantizer Quantizer { get; }
    public int Bits { get; }
    /// <summary>One b-bit grid with one scale per layer.</summary>
    public override WeightStorage Storage => new(Bits, CodebookScope.Layer);
    public override string Describe => Quantizer == SteQuantizer.UniformSymmetric ? $"QAT {Bits}-bit uniform (STE)" : $"{Quantizer} (STE)";

    public SteConstraint(Backend backend, Parameter weight, int rows, int fanIn, SteQuantizer quantizer, int bits)
        : base(backend, weight, rows, fanIn)
    {
        Quantizer = quantizer;
        Bits = quantizer switch
        {
            SteQuantizer.Binary => 1,
            SteQuantizer.Ternary or SteQuantizer.UniformTwoBit => 2,
            _ => bits,
        };
        if (quantizer == SteQuantizer.UniformSymmetric && (bits < 2 || bits > 16))
            throw new ArgumentException($"{weight.Name}: uniform QAT needs 2..16 bits, got {bits}.");
        _quantized = backend.Allocate<float>(weight.Length);
        _scale = backend.Allocate<float>(1);
    }

    public override DeviceBuffer<float> Effective()
    {
        // On the device: the kernels have Ste.Forward's semantics (bitwise on cpu; float32
        // reductions within 2e-5 of its scale on ILGPU), so no host round trip per forward.
        Backend.Quantizer.Quantize(Kind(Quantizer), Bits, (int)Weight.Length, Weight.Value, _quantized, _scale);
        return _quantized;
    }

    private static QuantizerKind Kind(SteQuantizer quantizer) => quantizer switch
    {
        SteQuantizer.UniformSymmetric => QuantizerKind.UniformSymmetric,
        SteQuantizer.Binary => QuantizerKind.Binary,
        SteQuantizer.Ternary => QuantizerKind.Ternary,
        SteQuantizer.UniformTwoBit => QuantizerKind.UniformTwoBit,
        _ => throw new ArgumentOutOfRangeException(nameof(quantizer), quantizer, "No quantizer kernel for this STE quantizer."),
    };

    public override void Dispose()
    {
        _quantized.Dispose();
        _scale.Dispose();
    }
}
