namespace SpikeFit.Training.Pruning.Criteria;

/// <summary>Uniform scores in [0, 1) drawn from the context's seed, layer by layer: the same seed gives the same ranking.</summary>
public sealed class RandomCriterion : PruneCriterion
{
    public override string Name => "random";
    public override bool NeedsData => false;

    public override IReadOnlyList<double[]> Score(PruneScoringContext context)
    {
        var rng = new System.Random(context.Seed);
        return context.Hidden.Select(h => Enumerable.Range(0, h.Channels).Select(_ => rng.NextDouble()).ToArray()).ToList();
    }
}
