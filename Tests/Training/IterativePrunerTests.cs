using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>The iterative prune → fine-tune schedule, and the criterion names.</summary>
public sealed class IterativePrunerTests
{
    [Fact]
    public void Schedules_end_on_the_budget()
    {
        var geometric = new PruneSchedule(0.5, 3);
        Assert.Equal(new[] { 512, 406, 323, 256 }, Enumerable.Range(0, 4).Select(r => geometric.LayerTarget(512, r)).ToArray());
        var linear = new PruneSchedule(0.5, 4, PruneScheduleKind.Linear);
        Assert.Equal(new[] { 512, 448, 384, 320, 256 }, Enumerable.Range(0, 5).Select(r => linear.LayerTarget(512, r)).ToArray());
        Assert.Equal(1, new PruneSchedule(0.01, 2).LayerTarget(16, 2));
        Assert.Throws<ArgumentException>(() => new PruneSchedule(0, 2).Validate());
    }

    [Theory]
    [InlineData("fsc", PruneScope.Layer)]
    [InlineData("taylor", PruneScope.Global)]
    public void Iterative_pruning_meets_the_budget_and_keeps_learning(string criterion, PruneScope scope)
    {
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(512, 128, seed: 9);
        var spec = NetworkSpec.Mlp(t: 4) with { Hidden = new[] { 32, 16 } };
        using var net = ModelZoo.Build(cpu, spec, 4);
        var fit = new TrainOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3f, Seed = 4 };
        using (var trainer = new Trainer(net, fit)) trainer.Fit(train, test);
        var options = new PruneOptions
        {
            Criterion = PruneCriteria.Parse(criterion), Keep = 0.5, Rounds = 3, Scope = scope, ScoreBatches = 4, FineTuneEpochs = 1,
            FineTune = fit with { Epochs = 1 }, Seed = 4,
        };
        var before = net.Snapshot();
        var (pruned, rounds) = IterativePruner.Run(net, options, train, test);
        using (pruned)
        {
            Assert.Equal(4, rounds.Count);
            Assert.Equal(48, rounds[0].Neurons);
            if (scope == PruneScope.Layer) Assert.Equal(new[] { 16, 8 }, pruned.Spec.Hidden);
            Assert.Equal(24, pruned.Spec.Hidden.Sum());
            Assert.Equal(24, rounds[^1].Neurons);
            Assert.True(rounds.Zip(rounds.Skip(1)).All(p => p.Second.Neurons < p.First.Neurons), "every round removes units");
            Assert.True(rounds[^1].Parameters < rounds[0].Parameters);
            Assert.True(rounds[^1].Accuracy > 0.3, $"accuracy {rounds[^1].Accuracy:P1} after pruning to half (chance 10%)");
            // The input network is left as it was, and the LIF layers no longer accumulate Fisher scores.
            Assert.Equal(before["fc1.weight"], net.Snapshot()["fc1.weight"]);
            Assert.All(HiddenLayer.Of(pruned), h => Assert.Null(h.Lif.Fisher));
        }
    }

    [Fact]
    public void Criteria_names_round_trip()
    {
        // The CLI names, in this order (other tests may register more after them).
        Assert.Equal(new[] { "fsc", "taylor", "magnitude", "firing-rate", "random" }, PruneCriteria.Names.Take(5));
        foreach (var name in PruneCriteria.Names) Assert.Equal(name, PruneCriteria.Parse(name).CliName());
        Assert.Same(PruneCriterion.FiringRate, PruneCriteria.Parse("Rate"));
        Assert.Same(PruneCriterion.FiringRate, PruneCriteria.Parse("firingrate"));
        var unknown = Assert.Throws<ArgumentException>(() => PruneCriteria.Parse("saliency"));
        Assert.StartsWith("Unknown pruning criterion 'saliency': use fsc, taylor, magnitude, firing-rate, random", unknown.Message);
    }
}
