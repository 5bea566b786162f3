using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>CAT with one codebook for the whole network: shared values, summed gradient, checkpoints, validation.</summary>
public sealed class WholeNetworkCodebookTests
{
    private const int Batch = 12;

    /// <summary>
    /// The shared centroid gradient is Σ over layers of each layer's Σ_(a=m) ∂Ŵ: a per-layer CAT
    /// network whose codebooks all hold the shared values computes the same Ŵ, so the sum of its
    /// per-layer codebook gradients (each checked by finite differences in WeightConstraintTests)
    /// must equal the shared one.
    /// </summary>
    [Theory]
    [InlineData("mlp")]
    [InlineData("conv")]
    public void Shared_gradient_is_the_sum_of_the_per_layer_centroid_gradients(string kind)
    {
        using var cpu = new CpuBackend();
        var fp = kind == "mlp"
            ? NetworkSpec.Mlp(t: 4, hidden: 16) with { Hidden = new[] { 16, 12 } }
            : NetworkSpec.Conv(t: 3) with { Hidden = new[] { 4, 6 } };
        var (data, _) = TrainingFixtures.Prototypes(Batch, 1, seed: 7);
        Dictionary<string, float[]> warm;
        using (var w = ModelZoo.Build(cpu, fp, 3)) warm = w.Snapshot();

        using var whole = ModelZoo.Build(cpu, fp with { Codebook = new CodebookSpec(M: 4, Bits: 8, WholeNetwork: true) }, 3, warm);
        using var perLayer = ModelZoo.Build(cpu, fp with { Codebook = new CodebookSpec(M: 4, Bits: 8) }, 3, warm);
        var shared = whole.Parameters.Where(p => p.Name == NetworkCodebook.ParameterName).ToList();
        Assert.Single(shared); // listed once (by the first layer), so the optimiser steps it once
        var layersW = whole.Layers.OfType<IWeightedLayer>().ToList();
        var layersL = perLayer.Layers.OfType<IWeightedLayer>().ToList();
        Assert.True(layersW.Count >= 3);
        var latent = shared[0].Value.ToArray();
        foreach (var l in layersL)
        {
            l.Constraint!.Parameters.Single().Value.CopyFrom(latent);
            l.AfterUpdate();
        }
        for (int i = 0; i < layersW.Count; i++) Assert.Equal(layersL[i].EffectiveWeights(), layersW[i].EffectiveWeights());
        Assert.InRange(layersW.SelectMany(l => l.EffectiveWeights()).Distinct().Count(), 2, 4);

        float[] lossW, lossL;
        using (var probe = new LossProbe(cpu, whole, data, Batch)) lossW = probe.Backward();
        using (var probe = new LossProbe(cpu, perLayer, data, Batch)) lossL = probe.Backward();
        Assert.Equal(lossL, lossW);
        var expected = new double[4];
        foreach (var l in layersL)
        {
            var g = l.Constraint!.Parameters.Single().Grad.ToArray();
            for (int m = 0; m < 4; m++) expected[m] += g[m];
        }
        var actual = shared[0].Grad.ToArray();
        double scale = expected.Max(Math.Abs);
        Assert.True(scale > 1e-6, "a vanishing gradient would pass trivially");
        for (int m = 0; m < 4; m++)
            Assert.True(Math.Abs(actual[m] - expected[m]) <= 1e-5 * scale, $"centroid {m}: shared {actual[m]:G7}, Σ layers {expected[m]:G7}");
    }

    [Fact]
    public void Trains_with_at_most_m_values_in_the_whole_network_and_survives_a_checkpoint()
    {
        var (train, test) = TrainingFixtures.Prototypes(256, 64);
        using var cpu = new CpuBackend();
        var spec = NetworkSpec.Mlp(t: 3, hidden: 16) with { Codebook = new CodebookSpec(M: 4, Bits: 4, WholeNetwork: true) };
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-catnet-{Guid.NewGuid():N}.sfck");
        try
        {
            float[][] saved;
            float[] initial;
            using (var net = ModelZoo.Build(cpu, spec, 1))
            using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-2f, Seed = 1 }, path))
            {
                initial = net.Parameters.Single(p => p.Name == NetworkCodebook.ParameterName).Value.ToArray();
                var result = trainer.Fit(train, test);
                Assert.True(result.TestAccuracy > 0.2, $"accuracy {result.TestAccuracy} (chance: 0.1)");
                Assert.NotEqual(initial, net.Parameters.Single(p => p.Name == NetworkCodebook.ParameterName).Value.ToArray());
                saved = net.Layers.OfType<IWeightedLayer>().Select(l => l.EffectiveWeights()).ToArray();
                Assert.InRange(saved.SelectMany(w => w).Distinct().Count(), 2, 4);
                var c = (CodebookConstraint)net.Layers.OfType<IWeightedLayer>().First().Constraint!;
                Assert.Contains("whole network", c.Describe);
                var (_, levels, scale, _) = c.Deployed();
                Assert.All(levels, q => Assert.InRange(q, -8, 7));
                Assert.True(scale > 0);
            }
            using var fresh = ModelZoo.Build(cpu, spec, 2);
            Checkpoint.Load(path, fresh);
            Assert.Equal(saved, fresh.Layers.OfType<IWeightedLayer>().Select(l => l.EffectiveWeights()).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Per_neuron_and_whole_network_together_are_refused()
    {
        using var cpu = new CpuBackend();
        var spec = NetworkSpec.Mlp(t: 2, hidden: 8) with { Codebook = new CodebookSpec(M: 4, Bits: 4, PerNeuron: true, WholeNetwork: true) };
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Build(cpu, spec, 1));
        Assert.Contains("choose one codebook scope", e.Message);
    }
}
