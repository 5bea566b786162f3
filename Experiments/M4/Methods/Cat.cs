using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>SpikeFit CAT (DESIGN §4): learnable M-value codebooks on a b-bit grid, trained from the warm start.</summary>
public sealed class Cat : IM4Method
{
    public string Key => "cat";
    public string Family => "spikefit";
    public string Description => "SpikeFit CAT: a learnable M-value codebook per layer on a b-bit grid, trained with the weights";
    public bool UsesBits => true;
    public bool UsesM => true;
    public bool ChipVariants => true;

    /// <summary>Plain: the cached CAT model at (b, M). For a chip (<c>cat-chip:&lt;chip&gt;</c>): the chip's plan in full — its bits, M, value scope or TrueNorth layout, under its masks — as <c>spikefit deploy</c> trains it.</summary>
    public SpikingNetwork Compress(M4MethodRun run)
    {
        if (run.Chip is null) return run.CatModel(run.Bits, run.M);
        var model = run.Build(run.Spec with { Constraint = run.ChipConstraint() });
        run.Fit(model);
        return model;
    }
}
