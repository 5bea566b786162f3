using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models.Constraints;

// In SpikeFit.Training.Models with NetworkSpec, as the other constraint specs.
namespace SpikeFit.Training.Models;

/// <summary>
/// Learned Step Size Quantization (Esser et al., ICLR 2020): signed b-bit weights s·q with a learned
/// step s per layer. At b = 2 the grid has exactly 4 levels {−2, −1, 0, 1}·s. The step trains at
/// <see cref="StepLearningRateScale"/> times the weights' learning rate (the paper: the same rate).
/// Registered as "lsq".
/// </summary>
public sealed record LsqSpec(int Bits = 2, float StepLearningRateScale = 1f) : ConstraintSpec
{
    public override string Describe() => $"LSQ {Bits}-bit";

    public override void Validate(NetworkSpec network)
    {
        if (Bits is < 2 or > 16) throw new ArgumentException($"LSQ bits must be 2..16, got {Bits}.");
        if (!(StepLearningRateScale >= 0)) throw new ArgumentException($"LSQ step learning-rate scale must be ≥ 0, got {StepLearningRateScale}.");
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        new LsqConstraint(backend, weight, rows, fanIn, Bits, StepLearningRateScale);
}
