using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Models.Constraints;

// In SpikeFit.Training.Models with NetworkSpec (source compatibility, see CodebookSpec.cs).
namespace SpikeFit.Training.Models;

/// <summary>
/// Quantization-aware training with the straight-through estimator (baselines 4–5, DESIGN §5): every
/// weighted layer computes with Q(W), Q one of <see cref="SteQuantizer"/> (Bits used by the uniform one).
/// Registered as "ste".
/// </summary>
public sealed record SteSpec(SteQuantizer Quantizer = SteQuantizer.UniformSymmetric, int Bits = 8) : ConstraintSpec
{
    public override string Describe() =>
        $"STE {Quantizer}{(Quantizer == SteQuantizer.UniformSymmetric ? $" {Bits}-bit" : "")}";

    public override void Validate(NetworkSpec network)
    {
        if (Quantizer == SteQuantizer.UniformSymmetric && Bits is < 2 or > 16)
            throw new ArgumentException($"uniform QAT bits must be 2..16, got {Bits}.");
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        new SteConstraint(backend, weight, rows, fanIn, Quantizer, Bits);
}
