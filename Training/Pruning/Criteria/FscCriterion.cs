namespace SpikeFit.Training.Pruning.Criteria;

/// <summary>Fisher spike contribution (DESIGN §4): FSC_i = (1/2N) Σ_n (Σ_t Σ_pos s·∂L_n/∂s)², SpikeFit's criterion.</summary>
public sealed class FscCriterion : PruneCriterion
{
    public override string Name => "fsc";
    public override bool NeedsData => true;
    public override IReadOnlyList<double[]> Score(PruneScoringContext context) => context.Activity.Fsc;
}
