using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>The weight constraints behind CAT and the baselines: gradients, grids, frozen parts, validation.</summary>
public sealed class WeightConstraintTests
{
    private const int Batch = 12;

    private static Dictionary<string, float[]> Warm(Backend backend, NetworkSpec spec, int seed)
    {
        using var net = ModelZoo.Build(backend, spec, seed);
        return net.Snapshot();
    }

    /// <summary>
    /// ∂L/∂c_m = Σ_(a=m) ∂L/∂Ŵ, checked by central differences on the output layer's codebook (between
    /// the last spiking layer and the loss everything is smooth, so the loss is differentiable there).
    /// Shared weights keep assignments fixed by construction; CAT at 16 bits moves the projected value
    /// with the latent one, and the step is small enough that no assignment flips (checked).
    /// </summary>
    [Theory]
    [InlineData("shared")]
    [InlineData("cat")]
    public void Centroid_gradient_equals_finite_differences_of_the_loss(string kind)
    {
        using var cpu = new CpuBackend();
        var (data, _) = TrainingFixtures.Prototypes(Batch, 1, seed: 11);
        var fp = NetworkSpec.Mlp(t: 4, hidden: 16);
        var spec = kind == "cat" ? fp with { Codebook = new CodebookSpec(M: 4, Bits: 16) } : fp with { SharedWeights = new SharedWeightsSpec(M: 4) };
        using var net = ModelZoo.Build(cpu, spec, 5, Warm(cpu, fp, 5));
        using var probe = new LossProbe(cpu, net, data, Batch);
        var output = (Linear)net.Layers.Single(l => l.Name == "fc2");
        var codebook = output.Constraint!.Parameters.Single();
        probe.Backward();
        var analytic = codebook.Grad.ToArray();
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-4); // a vanishing gradient would pass trivially
        var c0 = codebook.Value.ToArray();
        var assignments0 = kind == "cat" ? ((CodebookConstraint)output.Constraint).Deployed().Assignments : null;
        double scale = analytic.Max(g => Math.Abs(g));
        // CAT's largest |centroid| also sets the grid scale Δ, which moves every projected value; the
        // summed-gradient formula is straight-through for Δ (DESIGN §4), so that centroid is not compared.
        int scaleSetter = kind == "cat" ? Array.IndexOf(c0, c0.MaxBy(Math.Abs)) : -1;
        int compared = 0;
        for (int m = 0; m < c0.Length; m++)
        {
            if (m == scaleSetter) continue;
            // Large enough that the float32 loss difference is far above its rounding noise, small enough
            // that no CAT assignment flips (asserted); the tolerance is 1% of the largest centroid gradient.
            double h = 2e-3;
            if (kind == "cat")
            {
                // Moving c_m by h moves its decision boundaries by h/2: stay inside the gap to the nearest weight.
                var (proj, _, _, _) = ((CodebookConstraint)output.Constraint).Deployed();
                var sorted = proj.Order().ToArray();
                int r = Array.IndexOf(sorted, proj[m]);
                var bounds = new List<double>();
                if (r > 0) bounds.Add((sorted[r - 1] + sorted[r]) / 2.0);
                if (r < sorted.Length - 1) bounds.Add((sorted[r] + sorted[r + 1]) / 2.0);
                double gap = output.Weight.Value.ToArray().Min(w => bounds.Min(b => Math.Abs(w - b)));
                h = Math.Min(h, 1.8 * gap);
                if (h < 3e-4) continue; // too close to call in float32; counted below
            }
            compared++;
            // Returns the loss and the centroid's value as the layer uses it (CAT rounds it to the 16-bit grid,
            // so the difference quotient divides by the projected step, not the latent one).
            (double Loss, double Used) Shifted(double d)
            {
                var c = (float[])c0.Clone();
                c[m] = (float)(c0[m] + d);
                codebook.Value.CopyFrom(c);
                output.AfterUpdate();
                double used = c[m];
                if (output.Constraint is CodebookConstraint cat)
                {
                    var deployed = cat.Deployed();
                    Assert.Equal(assignments0, deployed.Assignments);
                    used = deployed.Codebook[m];
                }
                return (probe.Loss(), used);
            }
            var (lossUp, up) = Shifted(h);
            var (lossDown, down) = Shifted(-h);
            double fd = (lossUp - lossDown) / (up - down);
            codebook.Value.CopyFrom(c0);
            output.AfterUpdate();
            Assert.True(Math.Abs(fd - analytic[m]) <= 1e-2 * scale,
                $"{kind} centroid {m}: analytic {analytic[m]:G6}, finite difference {fd:G6}");
        }
        Assert.True(compared >= (kind == "cat" ? 2 : 4), $"only {compared} centroids compared");
    }

    [Fact]
    public void Distinct_levels_spread_clashing_centroids_and_keep_their_order()
    {
        // b = 2: levels −2..1. Δ = 0.3 rounds {−0.3, −0.1, 0.1, 0.3} to {−1, 0, 0, 1}.
        var c = new[] { -0.3f, -0.1f, 0.1f, 0.3f };
        Assert.True(DistinctLevels.Apply(c, 1, 4, 2, 0.3f));
        Assert.Equal(new[] { -0.6f, -0.3f, 0f, 0.3f }, c.Select(v => MathF.Round(v, 4)).ToArray());
        // Already distinct: untouched. Unsorted groups keep each centroid's rank.
        var d = new[] { 0.3f, -0.3f, 0f, 0.6f, /* group 2 */ 0.3f, 0.3f, -0.3f, 0.3f };
        Assert.True(DistinctLevels.Apply(d, 2, 4, 3, 0.3f));
        Assert.Equal(new[] { 0.3f, -0.3f, 0f, 0.6f }, d[..4]);
        var g2 = d[4..].Select(v => (int)MathF.Round(v / 0.3f)).ToArray();
        Assert.Equal(4, g2.Distinct().Count());
        Assert.Equal(-1, g2[2]);
        Assert.All(g2, q => Assert.InRange(q, -4, 3));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Cat_with_m_equal_to_two_to_the_b_uses_every_level(int bits)
    {
        using var cpu = new CpuBackend();
        var fp = NetworkSpec.Mlp(t: 2, hidden: 16);
        int m = 1 << bits;
        using var net = ModelZoo.Build(cpu, fp with { Codebook = new CodebookSpec(M: m, Bits: bits) }, 3, Warm(cpu, fp, 3));
        foreach (var layer in net.Layers.OfType<IWeightedLayer>())
        {
            var (_, levels, scale, _) = ((CodebookConstraint)layer.Constraint!).Deployed();
            Assert.Equal(m, levels.Distinct().Count());
            Assert.All(levels, q => Assert.InRange(q, -(m / 2), m / 2 - 1));
            Assert.Equal(m, WeightValues.CountDistinct(layer.EffectiveWeights()));
            Assert.True(scale > 0);
        }
    }

    [Fact]
    public void Ste_forward_is_the_quantizer_and_the_gradient_passes_straight_through()
    {
        using var cpu = new CpuBackend();
        var (data, _) = TrainingFixtures.Prototypes(Batch, 1, seed: 4);
        var fp = NetworkSpec.Mlp(t: 3, hidden: 16);
        var warm = Warm(cpu, fp, 2);
        using var qat = ModelZoo.Build(cpu, fp with { Ste = new SteSpec(SteQuantizer.Ternary) }, 2, warm);
        // The same network in full precision, holding the ternary weights: its weight gradients are ∂L/∂Ŵ.
        var snapped = qat.Layers.OfType<IWeightedLayer>().ToDictionary(l => l.Weight.Name, l => l.EffectiveWeights());
        foreach (var (name, w) in snapped)
        {
            var expected = Quantizers.Ternary(warm[name]).Weights;
            Assert.Equal(expected, w);
            Assert.True(WeightValues.CountDistinct(w) <= 3); // −α, 0, α
        }
        using var reference = ModelZoo.Build(cpu, fp, 2, new Dictionary<string, float[]>(warm.Concat(snapped).GroupBy(kv => kv.Key).Select(g => g.Last())));
        using (var p = new LossProbe(cpu, qat, data, Batch)) p.Backward();
        using (var p = new LossProbe(cpu, reference, data, Batch)) p.Backward();
        foreach (var name in snapped.Keys)
        {
            var a = qat.Parameters.Single(x => x.Name == name).Grad.ToArray();
            var b = reference.Parameters.Single(x => x.Name == name).Grad.ToArray();
            Assert.Equal(b, a);
            Assert.Contains(a, g => g != 0f);
        }
    }

    [Fact]
    public void Deep_compression_fine_tunes_centroids_with_frozen_weights_and_assignments()
    {
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(256, 64);
        var fp = NetworkSpec.Mlp(t: 3, hidden: 16);
        var warm = Warm(cpu, fp, 6);
        using var net = ModelZoo.Build(cpu, fp with { SharedWeights = new SharedWeightsSpec(M: 4) }, 6, warm);
        var before = net.Layers.OfType<IWeightedLayer>().ToDictionary(l => l.Name, l => (W: l.Weight.Value.ToArray(), E: l.EffectiveWeights()));
        using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-2f, Seed = 1 }))
            trainer.Fit(train, test);
        foreach (var layer in net.Layers.OfType<IWeightedLayer>())
        {
            Assert.Equal(before[layer.Name].W, layer.Weight.Value.ToArray());
            var after = layer.EffectiveWeights();
            Assert.NotEqual(before[layer.Name].E, after);
            Assert.Equal(4, WeightValues.CountDistinct(after));
            // Same partition: weights that shared a centroid before still share one.
            var pairs = before[layer.Name].E.Zip(after).Distinct().ToArray();
            Assert.Equal(4, pairs.Length);
        }
    }

    [Fact]
    public void Cat_trains_conv_layers_too()
    {
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(64, 32);
        var fp = NetworkSpec.Conv(t: 2) with { Hidden = new[] { 4, 8 } };
        using var net = ModelZoo.Build(cpu, fp with { Codebook = new CodebookSpec(M: 4, Bits: 4, PerNeuron: true) }, 1, Warm(cpu, fp, 1));
        using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 16, Seed = 1 }))
            trainer.Fit(train, test);
        var conv = net.Layers.OfType<Conv2dLayer>().ToList();
        Assert.Equal(2, conv.Count);
        foreach (var layer in conv)
        {
            var w = layer.EffectiveWeights();
            for (int o = 0; o < layer.OutChannels; o++)
                Assert.InRange(WeightValues.CountDistinct(w.AsSpan(o * layer.FanIn, layer.FanIn)), 1, 4);
        }
    }

    [Theory]
    [InlineData(1, 4, "at least 2")]
    [InlineData(8, 2, "2-bit")]
    [InlineData(4, 5, "2, 3, 4, 8 or 16")]
    public void Bad_codebook_settings_are_refused_with_the_fix(int m, int bits, string expected)
    {
        using var cpu = new CpuBackend();
        var spec = NetworkSpec.Mlp(t: 2, hidden: 8) with { Codebook = new CodebookSpec(M: m, Bits: bits) };
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Build(cpu, spec, 1));
        Assert.Contains(expected, e.Message);
    }
}
