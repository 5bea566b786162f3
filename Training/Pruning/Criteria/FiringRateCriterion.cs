namespace SpikeFit.Training.Pruning.Criteria;

/// <summary>Mean spikes per step on the scoring batches (a conv channel averages over its positions).</summary>
public sealed class FiringRateCriterion : PruneCriterion
{
    public override string Name => "firing-rate";
    public override IReadOnlyList<string> Aliases { get; } = new[] { "firingrate", "rate" };
    public override bool NeedsData => true;
    public override IReadOnlyList<double[]> Score(PruneScoringContext context) => context.Activity.FiringRate;
}
