using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>Deep Compression (Han et al. 2016, baseline 6): k-means (linear init) to M float centroids, assignments frozen, centroids fine-tuned.</summary>
public sealed class DeepCompression : IM4Method
{
    public string Key => "deep-compression";
    public string Family => "baseline";
    public string Description => "Deep Compression: k-means to M float centroids per layer, assignments frozen, centroids fine-tuned";
    public bool UsesBits => false;
    public bool UsesM => true;
    public bool ChipVariants => true;

    public SpikingNetwork Compress(M4MethodRun run)
    {
        var model = run.Build(run.Spec with { Constraint = run.Masked(new SharedWeightsSpec(run.M)) });
        run.Fit(model);
        return model;
    }
}
