using SpikeFit.Training.Models;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// The pruning rows: the CAT model (M = 4 at the preset's pruning bit-width) pruned iteratively to
/// the preset's hidden-neuron budget with one criterion, fine-tuning after every round with the
/// same optimiser settings as the other methods. Every criterion gets the same rounds, schedule,
/// scoring batches and fine-tune budget, from the same CAT model and seed.
/// </summary>
internal static class M4Pruning
{
    public static SpikingNetwork Run(M4Runner runner, SpikingNetwork cat, string criterion, int seed, TrainOptions ft,
        string what, CancellationToken cancel)
    {
        var preset = runner.Context.Preset;
        var options = new PruneOptions
        {
            Criterion = PruneCriteria.Parse(criterion),
            Keep = preset.PruneKeep,
            Rounds = preset.PruneRounds,
            ScoreBatches = preset.PruneScoreBatches,
            FineTuneEpochs = 1,
            FineTune = ft,
            Seed = seed,
        };
        runner.Progress.RunStarted($"{what}: {preset.PruneRounds} rounds to {preset.PruneKeep:P0} of the hidden neurons", preset.PruneRounds);
        var result = IterativePruner.Run(cat, options, runner.TrainSplit, runner.TestSplit,
            r => runner.Progress.Batch(r.Round, preset.PruneRounds, r.Loss), cancel);
        return result.Network;
    }
}
