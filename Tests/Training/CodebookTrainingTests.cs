using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>Clusterization-aware training (CAT) end to end on the small prototype task.</summary>
public sealed class CodebookTrainingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cat_from_a_warm_start_keeps_m_values_on_the_grid(bool perNeuron)
    {
        var (train, test) = TrainingFixtures.Prototypes(640, 200);
        var options = new TrainOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3f, Seed = 3 };
        using var cpu = new CpuBackend();
        var fp32Spec = NetworkSpec.Mlp(t: 4, hidden: 32);
        Dictionary<string, float[]> warm;
        using (var fp32 = ModelZoo.Build(cpu, fp32Spec, options.Seed))
        using (var trainer = new Trainer(fp32, options))
        {
            trainer.Fit(train, test);
            warm = fp32.Snapshot();
        }
        var catSpec = fp32Spec with { Codebook = new CodebookSpec(M: 4, Bits: 4, PerNeuron: perNeuron) };
        using var cat = ModelZoo.Build(cpu, catSpec, options.Seed, warm);
        using (var trainer = new Trainer(cat, options with { LearningRate = 1e-3f }))
        {
            var result = trainer.Fit(train, test);
            Assert.True(result.TestAccuracy > 0.7, $"CAT test accuracy {result.TestAccuracy:P1}");
        }
        var layers = cat.Layers.OfType<IWeightedLayer>().ToList();
        Assert.Equal(2, layers.Count);
        foreach (var layer in layers)
        {
            var constraint = Assert.IsType<CodebookConstraint>(layer.Constraint);
            var (codebook, _, scale, assignments) = constraint.Deployed();
            var w = layer.EffectiveWeights();
            int groups = constraint.Shape.Groups, len = constraint.Shape.GroupLength;
            for (int g = 0; g < groups; g++)
            {
                var distinct = w.AsSpan(g * len, len).ToArray().Distinct().ToArray();
                Assert.True(distinct.Length <= 4, $"{layer.Name} group {g}: {distinct.Length} distinct values");
                if (!perNeuron) Assert.Equal(4, distinct.Length);
                foreach (var v in distinct)
                {
                    double q = v / scale;
                    Assert.True(Math.Abs(q - Math.Round(q)) < 1e-4 && Math.Abs(q) <= 8, $"{layer.Name}: {v} is not on the 4-bit grid of Δ = {scale}");
                }
            }
            Assert.All(assignments, a => Assert.InRange(a, 0, 3));
            Assert.Equal(groups * 4, codebook.Length);
        }
    }

    [Fact]
    public void Codebook_larger_than_the_grid_is_refused()
    {
        using var cpu = new CpuBackend();
        var spec = NetworkSpec.Mlp(t: 2, hidden: 8) with { Codebook = new CodebookSpec(M: 8, Bits: 2) };
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Build(cpu, spec, 1));
        Assert.Contains("2-bit", e.Message);
    }

    /// <summary>A CAT checkpoint loaded into a freshly built network computes with the saved codebook, not the new one's.</summary>
    [Fact]
    public void Loading_a_cat_checkpoint_restores_the_projected_codebook()
    {
        var (train, test) = TrainingFixtures.Prototypes(256, 64);
        using var cpu = new CpuBackend();
        var spec = NetworkSpec.Mlp(t: 3, hidden: 16) with { Codebook = new CodebookSpec(M: 4, Bits: 4) };
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-cat-{Guid.NewGuid():N}.sfck");
        try
        {
            float[] saved;
            using (var net = ModelZoo.Build(cpu, spec, 1))
            using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-2f, Seed = 1 }, path))
            {
                trainer.Fit(train, test);
                saved = net.Layers.OfType<IWeightedLayer>().First().EffectiveWeights();
            }
            using var fresh = ModelZoo.Build(cpu, spec, 2); // other seed: other initial weights and codebook
            Assert.NotEqual(saved, fresh.Layers.OfType<IWeightedLayer>().First().EffectiveWeights());
            Checkpoint.Load(path, fresh);
            Assert.Equal(saved, fresh.Layers.OfType<IWeightedLayer>().First().EffectiveWeights());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
