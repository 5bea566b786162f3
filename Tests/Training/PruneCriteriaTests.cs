using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Pruning.Criteria;

namespace SpikeFit.Tests.Training;

/// <summary>The pruning-criterion registry and the checks on what a criterion returns.</summary>
public sealed class PruneCriteriaTests
{
    [Fact]
    public void Registry_refuses_taken_names_and_malformed_ones()
    {
        var again = Assert.Throws<ArgumentException>(() => PruneCriteria.Register(new FscCriterion()));
        Assert.Contains("'fsc' is already registered", again.Message);
        var alias = Assert.Throws<ArgumentException>(() => PruneCriteria.Register(new Named("rate")));
        Assert.Contains("'rate' is already registered (FiringRateCriterion)", alias.Message);
        Assert.Throws<ArgumentException>(() => PruneCriteria.Register(new Named("Upper")));
        Assert.Throws<ArgumentException>(() => PruneCriteria.Register(new Named("two words")));
        Assert.DoesNotContain("Upper", PruneCriteria.Names);
        Assert.Equal("fsc", PruneCriterion.Fsc.ToString());
        Assert.True(PruneCriterion.Fsc.NeedsData && PruneCriterion.Taylor.NeedsData && PruneCriterion.FiringRate.NeedsData);
        Assert.False(PruneCriterion.Magnitude.NeedsData || PruneCriterion.Random.NeedsData);
    }

    [Fact]
    public void Scores_of_the_wrong_shape_name_the_criterion()
    {
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2) with { Hidden = new[] { 8, 4 } }, 1);
        var (data, _) = TrainingFixtures.Prototypes(16, 1);
        var layers = Assert.Throws<InvalidOperationException>(() => NeuronScores.Compute(net, new Named("short", layers: 1), data));
        Assert.Contains("'short' returned 1 layers of scores; the network has 2 hidden layers", layers.Message);
        var units = Assert.Throws<InvalidOperationException>(() => NeuronScores.Compute(net, new Named("narrow", layers: 2, units: 3), data));
        Assert.Contains("'narrow' returned 3 scores for lif1, which has 8 units", units.Message);
        // A criterion that reads activity without declaring NeedsData is told so.
        var undeclared = Assert.Throws<InvalidOperationException>(() => NeuronScores.Compute(net, new Named("sly", readsActivity: true), data));
        Assert.Contains("NeedsData", undeclared.Message);
    }

    /// <summary>A criterion for these tests only, never registered successfully.</summary>
    private sealed class Named(string name, int layers = 0, int units = 1, bool readsActivity = false) : PruneCriterion
    {
        public override string Name => name;
        public override bool NeedsData => false;

        public override IReadOnlyList<double[]> Score(PruneScoringContext context)
        {
            if (readsActivity) _ = context.Activity;
            return Enumerable.Range(0, layers).Select(_ => new double[units]).ToList();
        }
    }
}
