using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.M4;

/// <summary>The pruning rows: CAT + structured pruning to the preset's neuron budget with one criterion.</summary>
internal static class M4Pruning
{
    public static SpikingNetwork Run(M4Runner runner, SpikingNetwork cat, string criterion, int seed, TrainOptions ft,
        string what, CancellationToken cancel) =>
        throw new NotImplementedException("pruning is being integrated (Training/Pruning)");
}
