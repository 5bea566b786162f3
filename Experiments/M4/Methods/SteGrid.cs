using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// An extreme fixed grid trained with the straight-through estimator (baseline 5): binary α·sign(w)
/// (M = 2), ternary TWN (M = 3) or uniform 2-bit (M = 4). One class, registered once per quantizer.
/// </summary>
public sealed class SteGrid(string key, SteQuantizer quantizer, int bits, int m, string description) : IM4Method
{
    public string Key => key;
    public string Family => "baseline";
    public string Description => description;
    public bool UsesBits => false;
    public int FixedBits => bits;
    public bool UsesM => false;
    public int FixedM => m;

    public SpikingNetwork Compress(M4MethodRun run)
    {
        var model = run.Build(run.Spec with { Ste = new SteSpec(quantizer) });
        run.Fit(model);
        return model;
    }
}
