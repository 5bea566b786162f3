namespace SpikeFit.Training.Pruning.Criteria;

/// <summary>First-order Taylor (Molchanov et al. 2017): |(1/N) Σ_n Σ_t Σ_pos s·∂L_n/∂s|.</summary>
public sealed class TaylorCriterion : PruneCriterion
{
    public override string Name => "taylor";
    public override bool NeedsData => true;
    public override IReadOnlyList<double[]> Score(PruneScoringContext context) => context.Activity.Taylor;
}
