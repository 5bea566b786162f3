using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models.Constraints;

// In SpikeFit.Training.Models with NetworkSpec, as the other constraint specs.
namespace SpikeFit.Training.Models;

/// <summary>
/// MINT (Yin et al., "MINT: Multiplier-less INTeger Quantization for Energy Efficient Spiking Neural
/// Networks", ASP-DAC 2024, arXiv 2305.09850): signed b-bit weights s·q with a learned scale s per layer
/// (LSQ's quantizer and step gradient), and the membrane of the LIF neurons each layer drives held as a
/// saturating <see cref="MembraneBits"/>-bit integer count of the same s, threshold ⌈θ/s⌉ and a rounded
/// leak table (<see cref="Compression.MintNeuron"/>), so the float simulation is what an integer chip
/// computes with additions and comparisons only. The paper's setting is b = b_u = 2 (4 weight levels).
/// Registered as "mint".
/// </summary>
public sealed record MintSpec(int Bits = 2, int MembraneBits = 2, float StepLearningRateScale = 1f) : ConstraintSpec
{
    public override string Describe() => $"MINT w{Bits}/u{MembraneBits}";

    public override void Validate(NetworkSpec network)
    {
        if (Bits is < 2 or > 16) throw new ArgumentException($"MINT weight bits must be 2..16, got {Bits}.");
        if (MembraneBits is < 2 or > 16) throw new ArgumentException($"MINT membrane bits must be 2..16, got {MembraneBits}.");
        if (!(StepLearningRateScale >= 0)) throw new ArgumentException($"MINT scale learning-rate scale must be ≥ 0, got {StepLearningRateScale}.");
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        new MintConstraint(backend, weight, rows, fanIn, Bits, MembraneBits, StepLearningRateScale);

    public override NetworkConstraints ForNetwork(Backend backend) => new MintNetwork(this, backend);

    /// <summary>Attaches each MINT layer's integer membrane to the LIF layer right after it (the output integrator of a membrane readout keeps its float membrane).</summary>
    private sealed class MintNetwork(MintSpec spec, Backend backend) : NetworkConstraints(spec, backend)
    {
        public override void Complete(SpikingNetwork network)
        {
            var layers = network.Layers;
            for (int i = 0; i + 1 < layers.Count; i++)
                if (layers[i] is IWeightedLayer { Constraint: MintConstraint mint } && layers[i + 1] is LifLayer lif)
                    lif.Membrane = mint.MembraneFor();
        }
    }
}
