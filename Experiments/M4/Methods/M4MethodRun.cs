using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>Pruning settings of a point (the same for every criterion).</summary>
/// <param name="Keep">Fraction of hidden neurons kept.</param>
/// <param name="Rounds">Prune / fine-tune rounds.</param>
/// <param name="ScoreBatches">Training batches a data-driven score is accumulated over.</param>
public sealed record M4PruneSettings(double Keep, int Rounds, int ScoreBatches);

/// <summary>
/// What a method gets to make its model: the backend, the FP32 spec and warm-start weights, the
/// point's bits and M, the fine-tune budget (the same for every method), the pruning settings, and
/// helpers that train with progress and share the CAT model between the cat and pruning methods.
/// </summary>
public sealed partial class M4MethodRun
{
    private readonly M4Runner _runner;

    internal M4MethodRun(M4Runner runner, M4Point point, IReadOnlyDictionary<string, float[]> warm, string what, double? temperature = null)
    {
        _runner = runner;
        Point = point;
        Warm = warm;
        What = what;
        Temperature = temperature;
    }

    /// <summary>The temperature chosen by <c>--tune</c> for a method with one (<see cref="IM4Method.HasTemperature"/>); null: the method's own.</summary>
    public double? Temperature { get; }

    /// <summary>The point: net, seed, bits, M, budgets.</summary>
    public M4Point Point { get; }

    /// <summary>The compute backend.</summary>
    public Backend Backend => _runner.Backend;

    /// <summary>The full-precision network spec (architecture, neuron, input shape).</summary>
    public NetworkSpec Spec => Point.Spec;

    /// <summary>The FP32 warm-start parameters every method starts from.</summary>
    public IReadOnlyDictionary<string, float[]> Warm { get; }

    /// <summary>The fine-tune options (epochs, lr, batch, seed, limits): the same for every method.</summary>
    public TrainOptions FineTune => Point.FineTune;

    /// <summary>The point's bit-width b (the method's own where it has no <c>bits</c> key).</summary>
    public int Bits => Point.Bits;

    /// <summary>The point's number of values M.</summary>
    public int M => Point.M;

    /// <summary>The point's pruning settings.</summary>
    public M4PruneSettings Prune => Point.Prune;

    /// <summary>The training split (for methods that score on data).</summary>
    public DataSplit TrainSplit => _runner.TrainSplit;

    /// <summary>The test split.</summary>
    public DataSplit TestSplit => _runner.TestSplit;

    /// <summary>The run's cancellation (a second Ctrl-C).</summary>
    public CancellationToken Cancel => _runner.Cancel;

    /// <summary>"mlp seed 1: qat b=4", for progress lines.</summary>
    public string What { get; }

    /// <summary>A network of <paramref name="spec"/> seeded by the point's seed, from <paramref name="weights"/> (default: the warm start).</summary>
    public SpikingNetwork Build(NetworkSpec spec, IReadOnlyDictionary<string, float[]>? weights = null) =>
        ModelZoo.Build(Backend, spec, Point.Seed, weights ?? Warm);

    /// <summary>Trains <paramref name="model"/> with the fine-tune budget, reporting progress.</summary>
    public void Fit(SpikingNetwork model) => _runner.Fit(model, FineTune, What);

    /// <summary>Reports progress of a stage that is not a training run (0..1).</summary>
    public void Progress(double fraction, string detail) => _runner.Report(fraction, $"{What}: {detail}");

    /// <summary>
    /// The CAT model at (b, M) trained from the warm start with the fine-tune budget: loaded from the
    /// run's model cache when a checkpoint with the same spec and options is there, else trained and
    /// saved, so the <c>cat</c> row and every pruning row of a point share one CAT model.
    /// </summary>
    public SpikingNetwork CatModel(int bits, int m) => _runner.CatModel(this, bits, m);

    /// <summary>The warm start with every weighted layer's weight tensor replaced by <paramref name="snap"/> of it.</summary>
    public Dictionary<string, float[]> SnapWeights(Func<float[], float[]> snap)
    {
        using var probe = Build(Spec);
        var from = MaskedWarm(); // the warm start itself for a plain point; under the chip's mask for a chip variant
        var copy = new Dictionary<string, float[]>(Warm);
        foreach (var layer in probe.Layers.OfType<IWeightedLayer>())
            copy[layer.Weight.Name] = snap(from[layer.Weight.Name]);
        return copy;
    }

    /// <summary>The deployed weights of a constrained model passed through <paramref name="snap"/>, as a full-precision snapshot.</summary>
    public static Dictionary<string, float[]> SnapEffective(SpikingNetwork model, Func<float[], float[]> snap)
    {
        var copy = model.Snapshot();
        foreach (var layer in model.Layers.OfType<IWeightedLayer>())
            copy[layer.Weight.Name] = snap(layer.EffectiveWeights());
        return copy;
    }
}
