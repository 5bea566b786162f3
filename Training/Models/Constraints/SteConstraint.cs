using SpikeFit.Kernels.Core;
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
    private readonly float[] _latent, _hostQuantized;

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
        _latent = new float[weight.Length];
        _hostQuantized = new float[weight.Length];
        _quantized = backend.Allocate<float>(weight.Length);
    }

    public override DeviceBuffer<float> Effective()
    {
        // Quantized on the host: one scale per layer needs a full reduction first, and the
        // quantizers are the tested reference implementations of Training/Compression.
        Weight.Value.CopyTo(_latent);
        Ste.Forward(Quantizer, _latent, _hostQuantized, Bits);
        _quantized.CopyFrom(_hostQuantized);
        return _quantized;
    }

    public override void Dispose() => _quantized.Dispose();
}
