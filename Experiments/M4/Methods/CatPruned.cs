using SpikeFit.Training.Models;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// The CAT model at (b, M), pruned iteratively to the point's hidden-neuron budget with one
/// criterion, fine-tuning after every round with the same optimiser settings as every method.
/// SpikeFit's row is FSC (<c>cat-fsc</c>); the other criteria are registered as
/// <c>cat-prune-&lt;criterion&gt;</c> for comparison. Every criterion gets the same rounds, schedule,
/// scoring batches and budget, from the same CAT model and seed.
/// </summary>
public sealed class CatPruned(string key, string criterion, string family) : IM4Method
{
    public string Key => key;
    public string Family => family;
    public string Description => $"CAT, then iterative structured pruning of hidden neurons ranked by {criterion}, fine-tuned between rounds";
    public bool UsesBits => true;
    public bool UsesM => true;
    public bool Prunes => true;
    public string Criterion => criterion;

    public SpikingNetwork Compress(M4MethodRun run)
    {
        using var cat = run.CatModel(run.Bits, run.M);
        var prune = run.Prune;
        var options = new PruneOptions
        {
            Criterion = PruneCriteria.Parse(criterion),
            Keep = prune.Keep,
            Rounds = prune.Rounds,
            ScoreBatches = prune.ScoreBatches,
            FineTuneEpochs = 1,
            FineTune = run.FineTune,
            Seed = run.Point.Seed,
        };
        run.Progress(0, $"{prune.Rounds} rounds to {prune.Keep:P0} of the hidden neurons");
        var result = IterativePruner.Run(cat, options, run.TrainSplit, run.TestSplit,
            r => run.Progress((double)r.Round / prune.Rounds, $"round {r.Round}/{prune.Rounds} loss {r.Loss:F3}"), run.Cancel);
        return result.Network;
    }
}
