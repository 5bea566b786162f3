using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Compression;

/// <summary>How a layer's deployed weights are stored: bits per value and which weights share a codebook.</summary>
public readonly record struct WeightStorage(int Bits, CodebookScope Scope);

/// <summary>
/// Builds the <see cref="ModelSummary"/> (the input of the energy model and the fit checker, DESIGN §6)
/// of a trained network from its deployed weights Ŵ — distinct values, non-zeros and sizes are
/// counted from them — and from measured spike rates into each layer.
/// </summary>
public static class ModelMetrics
{
    /// <summary>
    /// Storage of a layer's deployed weights: what its constraint reports
    /// (<see cref="WeightConstraint.Storage"/>: CAT b-bit codebooks, STE b-bit grids, float32 shared
    /// centroids, …); an unconstrained layer whose weights hold at most <paramref name="codebookLimit"/>
    /// distinct values (a post-training k-means snap) is a per-layer float32 codebook, otherwise free
    /// float32 weights.
    /// </summary>
    public static WeightStorage StorageOf(IWeightedLayer layer, float[] effective, int codebookLimit = 256) =>
        layer.Constraint is { } constraint ? constraint.Storage
        : WeightValues.CountDistinct(effective) <= codebookLimit ? new(32, CodebookScope.Layer) : new(32, CodebookScope.None);

    /// <param name="inputRates">Spikes per input per step into each weighted layer with a spiking input
    /// (<see cref="Train.Trainer.LastInputRates"/>); layers absent from it read the analog image.</param>
    /// <param name="storage">Overrides <see cref="StorageOf"/> per layer, e.g. when the caller knows the grid.</param>
    public static ModelSummary Summarize(SpikingNetwork net, IReadOnlyDictionary<string, double> inputRates, string name,
        double? accuracy = null, Func<IWeightedLayer, float[], WeightStorage>? storage = null)
    {
        var layers = new List<LayerSummary>();
        var shape = net.InputShape;
        bool analog = net.Spec.Encoding == InputEncoding.Direct;
        foreach (var layer in net.Layers)
        {
            if (layer is IWeightedLayer w)
            {
                var effective = w.EffectiveWeights();
                var store = storage?.Invoke(w, effective) ?? StorageOf(w, effective);
                bool analogInput = analog && !inputRates.ContainsKey(w.Name);
                double rate = inputRates.GetValueOrDefault(w.Name);
                var summary = layer is Conv2dLayer conv
                    ? ModelSummary.FromWeights(w.Name, effective, w.OutChannels, w.FanIn, store.Bits, store.Scope, analogInput, rate,
                        LayerKind.Conv, positions: layer.OutputShape.H * layer.OutputShape.W, inputs: shape.Size) with
                    {
                        Connectivity = LayerConnectivity.Conv(effective, conv.OutChannels, conv.Kernel, conv.Padding,
                            conv.InputShape.H, conv.InputShape.W, conv.InputShape.C),
                    }
                    : ModelSummary.FromWeights(w.Name, effective, w.OutChannels, w.FanIn, store.Bits, store.Scope, analogInput, rate);
                layers.Add(summary with { Partition = w.Constraint?.Partition });
            }
            shape = layer.OutputShape;
        }
        return new ModelSummary(name, net.Spec.T, layers, accuracy, $"measured from {net.Spec}");
    }

    /// <summary>Distinct values (zero included) of each weighted layer's deployed weights, by layer name.</summary>
    public static Dictionary<string, int> UniqueValues(SpikingNetwork net) =>
        net.Layers.OfType<IWeightedLayer>().ToDictionary(l => l.Name, l => WeightValues.CountDistinct(l.EffectiveWeights()));
}
