using System.Diagnostics;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Training.Pruning;

/// <summary>
/// Iterative structured pruning (DESIGN §4): each round rescores the CURRENT network, removes the
/// lowest-scoring units down to the round's budget (<see cref="PruneSchedule"/>), rebuilds it smaller
/// and fine-tunes it, until the final budget is met.
/// </summary>
public static class IterativePruner
{
    /// <summary>
    /// Prunes <paramref name="net"/> (left untouched; the caller still owns it) and returns the final
    /// network (the caller disposes it) with one <see cref="PruneRound"/> per round, round 0 being the
    /// starting point. <paramref name="onRound"/> is called as each round completes.
    /// </summary>
    public static PruneResult Run(SpikingNetwork net, PruneOptions options, DataSplit train, DataSplit test,
        Action<PruneRound>? onRound = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (options.Budget?.Unreachable(net.Spec.Hidden.Length) is { } why)
            throw new ArgumentException($"The neuron budget cannot be met by pruning hidden units: {why}.");
        var plan = options.Plan;
        var original = net.Spec.Hidden.ToArray();
        var rounds = new List<PruneRound>();
        var clock = Stopwatch.StartNew();
        var (acc0, loss0) = Evaluate(net, options, test);
        Record(new PruneRound(0, original, original.Sum(), net.ParameterCount, acc0, acc0, loss0, clock.Elapsed.TotalSeconds));

        SpikingNetwork current = net;
        try
        {
            for (int round = 1; round <= options.Rounds; round++)
            {
                cancel.ThrowIfCancellationRequested();
                clock.Restart();
                var scores = Score(current, options, train, round);
                int[] targets = options.Budget is { } budget
                    ? BudgetTargets(budget, scores, original, round, options)
                    : options.Scope == PruneScope.Layer
                        ? original.Select(o => plan.LayerTarget(o, round)).ToArray()
                        : StructuredPruner.GlobalKeepCounts(scores, Math.Min(plan.TotalTarget(original, round), current.Spec.Hidden.Sum()));
                // A layer never grows back: a rounding that asks for more than is left keeps what is left.
                targets = targets.Select((t, l) => Math.Min(t, current.Spec.Hidden[l])).ToArray();
                var kept = StructuredPruner.SelectKept(scores, targets);
                var next = StructuredPruner.Prune(current, kept, options.Seed);
                if (!ReferenceEquals(current, net)) current.Dispose();
                current = next;
                var (accPruned, _) = Evaluate(current, options, test);
                double acc = accPruned, loss = double.NaN;
                if (options.FineTuneEpochs > 0)
                {
                    var fineTune = options.FineTune with { Epochs = options.FineTuneEpochs, Seed = options.Seed + round };
                    using var trainer = new Trainer(current, fineTune);
                    var result = trainer.Fit(train, test, cancel);
                    if (result.Cancelled) throw new OperationCanceledException(cancel);
                    acc = result.TestAccuracy;
                    loss = result.History[^1].TestLoss;
                }
                else
                {
                    (acc, loss) = Evaluate(current, options, test);
                }
                Record(new PruneRound(round, current.Spec.Hidden.ToArray(), current.Spec.Hidden.Sum(), current.ParameterCount,
                    accPruned, acc, loss, clock.Elapsed.TotalSeconds));
            }
            return new PruneResult(current, rounds);
        }
        catch
        {
            if (!ReferenceEquals(current, net)) current.Dispose();
            throw;
        }

        void Record(PruneRound r)
        {
            rounds.Add(r);
            onRound?.Invoke(r);
        }
    }

    /// <summary>
    /// Keep counts of a round under a neuron budget: the counts meeting the whole budget on this round's scores give
    /// the hidden neurons the end needs (cores make that less than the neuron figure alone), and an intermediate
    /// round keeps its scheduled share of the way there (<see cref="NeuronBudget.RoundAllowance"/>).
    /// </summary>
    private static int[] BudgetTargets(NeuronBudget budget, NeuronScores scores, int[] original, int round, PruneOptions options)
    {
        var final = StructuredPruner.BudgetKeepCounts(scores, budget.Fits);
        if (round >= options.Rounds) return final;
        long allowed = NeuronBudget.RoundAllowance(budget.HiddenNeurons(original), budget.HiddenNeurons(final), round, options.Rounds, options.Schedule);
        return StructuredPruner.BudgetKeepCounts(scores, h => budget.HiddenNeurons(h) <= allowed);
    }

    /// <summary>
    /// The round's scores on a fresh random subset of the training set (seeded by the run's seed and
    /// the round), so successive rounds do not rank units on the very same samples.
    /// </summary>
    public static NeuronScores Score(SpikingNetwork net, PruneOptions options, DataSplit train, int round)
    {
        if (!options.Criterion.NeedsData)
            return NeuronScores.Compute(net, options.Criterion, train, seed: options.Seed + round);
        int batch = Math.Min(options.FineTune.BatchSize, train.Count);
        int n = Math.Min(train.Count, batch * options.ScoreBatches);
        // Not HashCode.Combine: it is salted per process, and the subset must be reproducible.
        var rng = new Random(unchecked(options.Seed * 7919 + round * 104729 + 0x5C0E));
        var order = Enumerable.Range(0, train.Count).ToArray();
        rng.Shuffle(order);
        var images = new float[(long)n * train.Features];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(train.Images, (long)order[i] * train.Features, images, (long)i * train.Features, train.Features);
            labels[i] = train.Labels[order[i]];
        }
        return NeuronScores.Compute(net, options.Criterion, new DataSplit(images, labels, train.Features), batch, options.ScoreBatches,
            seed: options.Seed + round);
    }

    private static (double Accuracy, double Loss) Evaluate(SpikingNetwork net, PruneOptions options, DataSplit test)
    {
        var evaluation = new Evaluator(net, options.FineTune.BatchSize).Evaluate(test, options.FineTune.MaxTestSamples);
        return (evaluation.Accuracy, evaluation.Loss);
    }
}
