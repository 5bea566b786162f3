using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// TrueNorth's weight rule (DESIGN §4d; Merolla et al. 2014): every input axon (column) of a core has
/// one of <see cref="Types"/> = 4 types shared by all the core's neurons, and every neuron has its own
/// 4 signed <see cref="Bits"/> = 9-bit values, one per type: W[i, j] = c_i[type_core(i)(j)]. Rows are
/// packed <see cref="NeuronsPerCore"/> to a core (or follow an enclosing <see cref="ConnectivitySpec"/>'s
/// partition, which also limits the axons per core). Types start as 4-means of each core's column
/// vectors on the warm start and are reassigned every <see cref="ReassignEvery"/> optimiser steps up to
/// step <see cref="ReassignUntil"/> (0: to the end; nearest values in squared error to the latent
/// weights), so the last steps fine-tune the values under fixed types; values are learnt by gradient at
/// <see cref="LearningRateScale"/> times the learning rate and projected to the 9-bit grid (one
/// scale per layer) after every step. Registered as "truenorth".
/// </summary>
public sealed record TrueNorthSpec(int NeuronsPerCore = 256, int Bits = 9, int Types = 4, float LearningRateScale = 0.1f,
    int ReassignEvery = 0, int InitIterations = 10, int ReassignUntil = 0) : ConstraintSpec, ICoreScopedSpec
{
    public override (int Bits, int Values)? ValueGrid() => (Bits, Types);

    public override string Describe() =>
        $"TrueNorth {Types} axon types per core of {NeuronsPerCore}, {Bits}-bit values per neuron" +
        (ReassignEvery > 0 ? $", types reassigned every {ReassignEvery} steps{(ReassignUntil > 0 ? $" to step {ReassignUntil}" : "")}" : "");

    public override void Validate(NetworkSpec network)
    {
        if (NeuronsPerCore < 1) throw new ArgumentException($"TrueNorth neurons per core must be positive, got {NeuronsPerCore}.");
        if (Types is < 2 or > 16) throw new ArgumentException($"TrueNorth axon types must be 2..16 (the chip has 4), got {Types}.");
        if (Bits is < 2 or > 16) throw new ArgumentException($"TrueNorth value bits must be 2..16 (the chip has 9), got {Bits}.");
        if (!(LearningRateScale >= 0)) throw new ArgumentException($"TrueNorth value learning-rate scale must be ≥ 0, got {LearningRateScale}.");
        if (ReassignEvery < 0 || InitIterations < 0 || ReassignUntil < 0) throw new ArgumentException("TrueNorth reassignment steps and initial iterations must be ≥ 0.");
        // On a conv layer the rows are channels shared by every position: a core scope of P rows is a group of P channels
        // with one type map (W[o, tap] = c_o[type_g(o)(tap)]), the same in every position's core; the mapper tiles by it.
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        Create(backend, weight, rows, fanIn, CoreLayout.Contiguous(rows, fanIn, NeuronsPerCore));

    public WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn, CoreLayout layout) =>
        new TrueNorthConstraint(backend, weight, rows, fanIn, layout, this);
}
