using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// DKM (Cho et al., ICLR 2022; SPEC's stretch baseline 7): soft k-means to M float centroids inside
/// every forward, trained end to end from the warm start, then every weight snapped to its nearest
/// final centroid (M float values per layer, measured as a float codebook).
/// </summary>
public sealed class Dkm(float temperature = 0.1f, int iterations = 3) : IM4Method
{
    public string Key => "dkm";
    public string Family => "baseline";
    public string Description => $"DKM: differentiable soft k-means to M float centroids per layer (τ = {temperature}·std, {iterations} iterations per forward; Cho et al. 2022), snapped to hard assignments";
    public bool UsesBits => false;
    public bool UsesM => true;
    public bool HasTemperature => true;

    public SpikingNetwork Compress(M4MethodRun run)
    {
        using var dkm = run.Build(run.Spec with { Constraint = new DkmSpec(run.M, (float)(run.Temperature ?? temperature), iterations, InitSeed: run.Point.Seed) });
        run.Fit(dkm);
        var snapped = dkm.Snapshot();
        foreach (var layer in dkm.Layers.OfType<IWeightedLayer>())
            snapped[layer.Weight.Name] = ((DkmConstraint)layer.Constraint!).HardWeights();
        return run.Build(run.Spec, snapped);
    }
}
