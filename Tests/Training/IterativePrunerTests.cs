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
    public void A_neuron_budget_on_a_conv_net_prunes_channels_until_their_positions_fit()
    {
        // 2C3-P2-4C3-P2-FC10 on 28×28: a conv1 channel is 26×26 = 676 neurons, a conv2 channel 11×11 = 121; 1,846 neurons in all.
        // A budget of 1,500 neurons: the end needs [2, 1] (1,483) or [1, 4] (1,170), whichever the scores choose.
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(256, 64, seed: 5);
        var spec = NetworkSpec.Conv(t: 2) with { Hidden = new[] { 2, 4 } };
        using var net = ModelZoo.Build(cpu, spec, 5);
        var budget = new NeuronBudget(1500, MaxCores: 100, NeuronsPerCore: 256, NeuronsPerUnit: [676, 121], OutputNeurons: 10);
        Assert.Equal(1846, budget.Neurons(spec.Hidden));
        var options = new PruneOptions
        {
            Criterion = PruneCriterion.Fsc, Rounds = 2, ScoreBatches = 2, FineTuneEpochs = 1, Budget = budget, Seed = 5,
            FineTune = new TrainOptions { Epochs = 1, BatchSize = 32, LearningRate = 5e-3f, Seed = 5, MaxBatchesPerEpoch = 2 },
        };
        var (pruned, rounds) = IterativePruner.Run(net, options, train, test);
        using (pruned)
        {
            Assert.True(budget.Fits(pruned.Spec.Hidden), $"[{string.Join(", ", pruned.Spec.Hidden)}] is over the budget");
            Assert.False(budget.Fits(rounds[0].Hidden));
            Assert.Equal(3, rounds.Count);
            Assert.All(pruned.Spec.Hidden.Zip(spec.Hidden), p => Assert.InRange(p.First, 1, p.Second));
        }
        // A budget even one channel per layer cannot meet is refused before any work, with the numbers.
        var tight = budget with { MaxNeurons = 800 };
        using var again = ModelZoo.Build(cpu, spec, 5);
        var e = Assert.Throws<ArgumentException>(() => IterativePruner.Run(again, options with { Budget = tight }, train, test));
        Assert.Contains("807 neurons (budget 800)", e.Message);
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
