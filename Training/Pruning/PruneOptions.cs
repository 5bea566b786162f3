using SpikeFit.Training.Train;

namespace SpikeFit.Training.Pruning;

/// <summary>Settings of an iterative prune → fine-tune run (<see cref="IterativePruner.Run"/>).</summary>
public sealed record PruneOptions
{
    public PruneCriterion Criterion { get; init; } = PruneCriterion.Fsc;
    /// <summary>Fraction of the original hidden units kept at the end (the neuron budget).</summary>
    public double Keep { get; init; } = 0.5;
    public int Rounds { get; init; } = 3;
    public PruneScheduleKind Schedule { get; init; } = PruneScheduleKind.Geometric;
    public PruneScope Scope { get; init; } = PruneScope.Layer;
    /// <summary>Training batches the data-driven criteria are measured on each round.</summary>
    public int ScoreBatches { get; init; } = 16;
    /// <summary>Fine-tuning epochs after each round's removal (0: none).</summary>
    public int FineTuneEpochs { get; init; } = 1;
    /// <summary>
    /// Optimiser settings of the fine-tuning (batch size, rate, schedule, batch and test caps). Its
    /// Epochs is replaced by <see cref="FineTuneEpochs"/> and its Seed by <see cref="Seed"/> + round,
    /// so every round sees a different shuffle. The batch size also sets the scoring batches.
    /// </summary>
    public TrainOptions FineTune { get; init; } = new() { Epochs = 1 };
    /// <summary>
    /// A budget in neurons and cores (a chip's, <see cref="NeuronBudget"/>) instead of <see cref="Keep"/> and
    /// <see cref="Scope"/>: each round removes units in global order (<see cref="StructuredPruner.BudgetKeepCounts"/>)
    /// until the round's share of the way to the budget is met, the last round the whole budget; null: Keep and Scope.
    /// </summary>
    public NeuronBudget? Budget { get; init; }
    /// <summary>Seeds the random criterion, the scoring samples and the fine-tuning shuffles.</summary>
    public int Seed { get; init; } = 1;

    public PruneSchedule Plan => new(Keep, Rounds, Schedule);

    public void Validate()
    {
        Plan.Validate();
        if (ScoreBatches < 1) throw new ArgumentException($"score batches must be at least 1, got {ScoreBatches}.");
        if (FineTuneEpochs < 0) throw new ArgumentException($"fine-tune epochs must be ≥ 0, got {FineTuneEpochs}.");
        (FineTune with { Epochs = 1 }).Validate();
    }
}

/// <summary>
/// What one round left: round 0 is the network before pruning. Accuracies are on the test split (capped
/// by the fine-tune options' MaxTestSamples); <see cref="AccuracyBeforeFineTune"/> is measured right
/// after the removal.
/// </summary>
public sealed record PruneRound(int Round, int[] Hidden, int Neurons, long Parameters, double AccuracyBeforeFineTune,
    double Accuracy, double Loss, double Seconds);

/// <summary>The pruned network (owned by the caller) and the record of every round.</summary>
public sealed record PruneResult(Models.SpikingNetwork Network, IReadOnlyList<PruneRound> Rounds);
