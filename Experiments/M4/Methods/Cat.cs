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
    public SpikingNetwork Compress(M4MethodRun run) => run.CatModel(run.Bits, run.M);
}
