using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>Post-training k-means of the FP32 weights to M values per layer (DESIGN §5 baseline 2); no training.</summary>
public sealed class PtqKMeans : IM4Method
{
    public string Key => "ptq-kmeans";
    public string Family => "baseline";
    public string Description => "post-training k-means of each layer's FP32 weights to M float values";
    public bool UsesBits => false;
    public bool Trains => false;
    public bool UsesM => true;
    public bool ChipVariants => true;
    public SpikingNetwork Compress(M4MethodRun run) =>
        run.Deployed(run.SnapWeights(run.KeepingAbsent(w => Quantizers.KMeans(w, run.M).Weights)));
}
