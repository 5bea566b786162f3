using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>Quantization-aware training at b bits with the straight-through estimator, then k-means of the deployed weights to M (baseline 4).</summary>
public sealed class Qat : IM4Method
{
    public string Key => "qat";
    public string Family => "baseline";
    public string Description => "QAT: uniform symmetric b-bit weights trained with the STE, then k-means of the levels to M";
    public bool UsesBits => true;
    public bool UsesM => true;
    public bool ChipVariants => true;

    public SpikingNetwork Compress(M4MethodRun run)
    {
        using var qat = run.Build(run.Spec with { Constraint = run.Masked(new SteSpec(SteQuantizer.UniformSymmetric, run.Bits)) });
        run.Fit(qat);
        return run.Deployed(M4MethodRun.SnapEffective(qat, run.KeepingAbsent(w => Quantizers.KMeans(w, run.M).Weights)));
    }
}
