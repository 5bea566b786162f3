using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// MINT (Yin et al., ASP-DAC 2024, arXiv 2305.09850): 2-bit weights s·q with a learned scale s per layer
/// and a 2-bit integer membrane sharing s (the paper's 2-bit setting), trained from the warm start; the
/// model measured is the one an integer chip runs (threshold ⌈θ/s⌉, saturating membrane). MINT is a
/// 2-bit method: at b = 2 it has exactly M = 4 levels, and clustering a 4- or 8-bit MINT grid to M values
/// afterwards would break the shared integer scale that is its point, so it has no <c>bits</c> key and
/// runs once per point at b = 2 (as uniform-2bit does).
/// </summary>
public sealed class Mint : IM4Method
{
    /// <summary>The paper's 2-bit setting: weights and membrane.</summary>
    public const int Bits = 2;

    public string Key => "mint";
    public string Family => "baseline";
    public string Description => "MINT: 2-bit weights with a learned scale per layer and a 2-bit integer membrane sharing it, so inference needs no multiplier (Yin et al. 2024); natively 4 levels, b = 2 only";
    public bool UsesBits => false;
    public int FixedBits => Bits;
    public bool UsesM => false;
    public int FixedM => 1 << Bits;

    public SpikingNetwork Compress(M4MethodRun run)
    {
        var model = run.Build(run.Spec with { Constraint = new MintSpec(Bits, Bits) });
        run.Fit(model);
        return model;
    }
}
