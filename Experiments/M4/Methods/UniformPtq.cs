using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>Post-training uniform symmetric b-bit quantization, then k-means of the quantized values to M (baseline 3).</summary>
public sealed class UniformPtq : IM4Method
{
    public string Key => "uniform-ptq";
    public string Family => "baseline";
    public string Description => "post-training uniform symmetric b-bit quantization, then k-means of the levels to M";
    public bool UsesBits => true;
    public bool Trains => false;
    public bool UsesM => true;
    public bool ChipVariants => true;
    public SpikingNetwork Compress(M4MethodRun run) =>
        run.Deployed(run.SnapWeights(run.KeepingAbsent(w => Quantizers.UniformThenKMeans(w, run.Bits, run.M).Weights)));
}
