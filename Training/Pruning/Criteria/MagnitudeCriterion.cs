namespace SpikeFit.Training.Pruning.Criteria;

/// <summary>L1 norm of each unit's incoming effective weights Ŵ, as the forward pass uses them (a conv channel: its whole K·K·C kernel).</summary>
public sealed class MagnitudeCriterion : PruneCriterion
{
    public override string Name => "magnitude";
    public override bool NeedsData => false;

    public override IReadOnlyList<double[]> Score(PruneScoringContext context) => context.Hidden.Select(h =>
    {
        var w = h.Incoming.EffectiveWeights();
        int fanIn = h.Incoming.FanIn;
        var s = new double[h.Channels];
        for (int o = 0; o < s.Length; o++)
        {
            double sum = 0;
            for (int j = 0; j < fanIn; j++) sum += Math.Abs(w[(long)o * fanIn + j]);
            s[o] = sum;
        }
        return s;
    }).ToList();
}
