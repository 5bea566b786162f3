using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>Evaluator (evaluation without a Trainer) and DeviceBatch (the one host → device batch stager).</summary>
public sealed class EvaluatorTests
{
    // Two hidden layers: fc2 and fc3 read spikes, so input rates are measured too (fc1 reads the analog image).
    private static readonly NetworkSpec Spec = NetworkSpec.Mlp(t: 4) with { Hidden = new[] { 32, 16 } };
    private static readonly TrainOptions Options = new() { Epochs = 1, BatchSize = 32, LearningRate = 5e-3f, Seed = 3 };

    [Fact]
    public void Evaluator_reports_what_the_trainer_reports()
    {
        var (train, test) = TrainingFixtures.Prototypes(256, 100);
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, Spec, Options.Seed);
        using var trainer = new Trainer(net, Options);
        trainer.Fit(train, test);

        var (accuracy, loss, rates) = trainer.Evaluate(test, 90);
        using var evaluator = new Evaluator(net, Options.BatchSize);
        var e = evaluator.Evaluate(test, 90);
        Assert.Equal(accuracy, e.Accuracy);
        Assert.Equal(loss, e.Loss);
        Assert.Equal(rates, e.FiringRates);
        Assert.Equal(trainer.LastInputRates.OrderBy(kv => kv.Key), e.InputRates.OrderBy(kv => kv.Key));
        Assert.Equal(new[] { "fc2", "fc3" }, e.InputRates.Keys.Order());
        Assert.Equal(new[] { "lif1", "lif2" }, e.FiringRates.Keys.Where(k => k.StartsWith("lif")).Order());
        Assert.Equal(90, e.Samples);
        // One short epoch (fixed seeds): above chance (10%), so the figures compared come from a network that learnt something.
        Assert.True(e.Accuracy > 0.15, $"accuracy {e.Accuracy:P1} after one epoch (chance is 10%)");
        Assert.All(e.FiringRates.Values, r => Assert.InRange(r, 0, 1));
    }

    [Fact]
    public void A_partial_last_batch_and_another_batch_size_count_the_same_spikes_and_samples()
    {
        var (train, test) = TrainingFixtures.Prototypes(128, 50);
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, Spec, seed: 4);
        using var whole = new Evaluator(net, batchSize: 64);
        using var small = new Evaluator(net, batchSize: 7); // 50 = 7·7 + 1: a last batch of one sample
        var a = whole.Evaluate(test);
        var b = small.Evaluate(test);
        Assert.Equal(50, b.Samples);
        Assert.Equal(a.Accuracy, b.Accuracy);
        Assert.Equal(a.FiringRates, b.FiringRates);
        Assert.Equal(a.InputRates, b.InputRates);
        Assert.Equal(a.Loss, b.Loss, 9);
    }

    [Fact]
    public void DeviceBatch_gathers_samples_in_the_given_order_with_their_indices_as_ids()
    {
        // 5 samples of 3 features: sample s holds (10s, 10s+1, 10s+2), label s.
        var images = Enumerable.Range(0, 5).SelectMany(s => new float[] { 10 * s, 10 * s + 1, 10 * s + 2 }).ToArray();
        var data = new DataSplit(images, new[] { 0, 1, 2, 3, 4 }, 3);
        using var cpu = new CpuBackend();
        using var batch = new DeviceBatch(cpu, capacity: 3, features: 3);

        batch.Stage(data, new[] { 4, 0, 2 });
        Assert.Equal(new float[] { 40, 41, 42, 0, 1, 2, 20, 21, 22 }, batch.Images.ToArray());
        Assert.Equal(new[] { 4, 0, 2 }, batch.Labels.ToArray());
        Assert.Equal(new[] { 4, 0, 2 }, batch.Ids.ToArray());

        batch.StageRange(data, 1, 2);
        Assert.Equal(new float[] { 10, 11, 12, 20, 21, 22 }, batch.Images.ToArray()[..6]);
        Assert.Equal(new[] { 1, 2 }, batch.Labels.ToArray()[..2]);
        Assert.Equal(new[] { 1, 2 }, batch.Ids.ToArray()[..2]);
        Assert.Equal(new[] { 1, 2 }, batch.HostLabels[..2].ToArray());

        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Stage(data, new[] { 0, 1, 2, 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.StageRange(data, 4, 2));
        var wide = new DataSplit(new float[8], new[] { 0, 1 }, 4);
        Assert.Contains("3 features", Assert.Throws<ArgumentException>(() => batch.StageRange(wide, 0, 1)).Message);
    }
}
