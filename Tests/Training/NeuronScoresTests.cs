using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;
using static SpikeFit.Tests.Training.PruningFixtures;

namespace SpikeFit.Tests.Training;

/// <summary>The pruning scores: FSC and Taylor against finite differences of a mask on the neuron, magnitude, firing rate, random, and the per-sample / per-channel fold.</summary>
public sealed class NeuronScoresTests
{
    /// <summary>
    /// FSC_i = ½·mean_n (∂L_n/∂m_i)², with m_i a multiplicative mask on unit i's spikes. Spikes are a step
    /// function of the membrane, so a mask placed BEFORE the spike function has no finite difference to
    /// take; here it sits AFTER it, on the spikes of the LAST hidden layer where they enter the output
    /// layer. From there to the loss everything is smooth: the dense output layer (conv: 2×2 max pool,
    /// where pool(m·s) = m·pool(s) for m &gt; 0, then the dense layer), the membrane integrator and softmax
    /// cross-entropy. Scaling unit i's spikes by m is the same as scaling the output layer's weight
    /// columns that read them, which is how the mask is applied. The losses are per sample (L_n, a SUM
    /// is never formed); the kernel's product is of the batch-MEAN loss, which NeuronScores rescales by B.
    /// Tolerance: the central difference with h = 1e-2 of a float32 forward pass has an error of about
    /// 1e-7·|logit|/h ≈ 1e-5 in each ∂L_n/∂m (the curvature term, h²/6·L''', is far smaller); the
    /// observed gap is below 5e-5 of the largest score, and the scores are compared to 1e-3 of the layer's
    /// largest score (FSC) or largest |mean derivative| (Taylor). A missing factor B (mean vs sum) would
    /// be off by 8× (Taylor) or 64× (FSC).
    /// </summary>
    [Theory]
    [InlineData("mlp")]
    [InlineData("conv")]
    public void Fsc_is_half_the_mean_squared_mask_gradient(string kind)
    {
        using var cpu = new CpuBackend();
        const int batch = 8;
        var (data, _) = TrainingFixtures.Prototypes(batch, 1, seed: 21);
        NetworkSpec spec;
        Dictionary<string, float[]> warm;
        string output;
        if (kind == "mlp")
        {
            spec = NetworkSpec.Mlp(t: 4, hidden: 12);
            warm = Weights(cpu, spec, 3, new Dictionary<string, float> { ["fc1.weight"] = 3f, ["fc2.weight"] = 4f });
            output = "fc2.weight";
        }
        else
        {
            spec = NetworkSpec.Conv(t: 3) with { Hidden = new[] { 4, 6 } };
            warm = Weights(cpu, spec, 3, new Dictionary<string, float> { ["conv1.weight"] = 4f, ["conv2.weight"] = 4f, ["fc.weight"] = 4f });
            output = "fc.weight";
        }
        using var net = ModelZoo.Build(cpu, spec, 3, warm);
        var stats = NeuronScores.Measure(net, data, batchSize: batch, maxBatches: 1);
        var last = HiddenLayer.Of(net)[^1];
        var fsc = stats.Fsc[^1];
        var taylor = stats.Taylor[^1];
        Assert.Equal(batch, stats.Samples);
        Assert.True(fsc.Count(v => v > 1e-6) >= 2, $"too few units with a score to compare: [{string.Join(", ", fsc.Select(v => v.ToString("G3")))}]");

        var weight = net.Parameters.Single(p => p.Name == output);
        var w0 = weight.Value.ToArray();
        int fanIn = w0.Length / spec.Classes, channels = last.Channels;
        using var probe = new Probe(cpu, net, data);
        const double h = 1e-2;
        double[] LossesAt(int unit, double m)
        {
            var w = (float[])w0.Clone();
            for (int o = 0; o < spec.Classes; o++)
                for (int j = unit; j < fanIn; j += channels) // the NHWC features of channel `unit` (dense: column `unit`)
                    w[o * fanIn + j] = (float)(w0[o * fanIn + j] * m);
            weight.Value.CopyFrom(w);
            return probe.Losses();
        }
        var fdFsc = new double[channels];
        var fdTaylor = new double[channels];
        for (int i = 0; i < channels; i++)
        {
            var up = LossesAt(i, 1 + h);
            var down = LossesAt(i, 1 - h);
            var g = up.Zip(down, (a, b) => (a - b) / (2 * h)).ToArray();
            fdFsc[i] = 0.5 * g.Average(v => v * v);
            fdTaylor[i] = Math.Abs(g.Average());
        }
        weight.Value.CopyFrom(w0);
        double fscScale = fdFsc.Max(), taylorScale = fdTaylor.Max();
        for (int i = 0; i < channels; i++)
        {
            Assert.True(Math.Abs(fsc[i] - fdFsc[i]) <= 1e-3 * fscScale,
                $"{kind} unit {i}: FSC from the kernel {fsc[i]:G6}, from finite differences {fdFsc[i]:G6}");
            Assert.True(Math.Abs(taylor[i] - fdTaylor[i]) <= 1e-3 * taylorScale,
                $"{kind} unit {i}: Taylor from the kernel {taylor[i]:G6}, from finite differences {fdTaylor[i]:G6}");
        }
    }

    [Fact]
    public void Magnitude_is_the_l1_norm_of_incoming_effective_weights()
    {
        using var cpu = new CpuBackend();
        var spec = NetworkSpec.Mlp(t: 2, hidden: 3);
        var w = Weights(cpu, spec, 1);
        // Row i: alternating ±(i+1)/100, so its L1 norm is 784·(i+1)/100.
        w["fc1.weight"] = Enumerable.Range(0, 3 * 784).Select(k => (k % 2 == 0 ? 1 : -1) * (k / 784 + 1) / 100f).ToArray();
        using var net = ModelZoo.Build(cpu, spec, 1, w);
        var s = NeuronScores.Magnitude(net).Layers[0];
        for (int i = 0; i < 3; i++) Assert.Equal(784 * (i + 1) / 100.0, s[i], 3);

        var conv = NetworkSpec.Conv(t: 2) with { Hidden = new[] { 2, 3 } };
        var cw = Weights(cpu, conv, 1);
        cw["conv2.weight"] = Enumerable.Range(0, 3 * 9 * 2).Select(k => -(k / 18 + 1) * 0.5f).ToArray(); // [3, 3, 3, 2]
        using var cnet = ModelZoo.Build(cpu, conv, 1, cw);
        var cs = NeuronScores.Magnitude(cnet).Layers[1];
        Assert.Equal(new[] { 9.0, 18.0, 27.0 }, cs);
    }

    [Fact]
    public void Firing_rate_fsc_and_taylor_on_always_and_never_firing_units()
    {
        using var cpu = new CpuBackend();
        var (data, _) = TrainingFixtures.Prototypes(16, 1, seed: 2);
        var spec = NetworkSpec.Mlp(t: 4, hidden: 6);
        var w = Weights(cpu, spec, 5, new Dictionary<string, float> { ["fc1.weight"] = 3f });
        w["fc1.bias"][1] = 100f;  // fires at every step
        w["fc1.bias"][4] = -100f; // never fires
        using var net = ModelZoo.Build(cpu, spec, 5, w);
        var stats = NeuronScores.Measure(net, data, batchSize: 8);
        Assert.Equal(16, stats.Samples);
        Assert.Equal(1.0, stats.FiringRate[0][1]);
        Assert.Equal(0.0, stats.FiringRate[0][4]);
        Assert.All(stats.FiringRate[0], r => Assert.InRange(r, 0, 1));
        // A silent unit has s = 0 at every step, so Σ_t s·∂L/∂s = 0 exactly: it scores 0 under FSC and Taylor.
        Assert.Equal(0.0, stats.Fsc[0][4]);
        Assert.Equal(0.0, stats.Taylor[0][4]);
        Assert.True(stats.Fsc[0][1] > 0);
        // NeuronScores.Compute picks the same numbers.
        Assert.Equal(stats.Fsc[0], NeuronScores.Compute(net, PruneCriterion.Fsc, data, batchSize: 8).Layers[0]);
    }

    [Fact]
    public void Random_scores_are_determined_by_the_seed()
    {
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 20), 1);
        var a = NeuronScores.Random(net, 7).Layers[0];
        Assert.Equal(a, NeuronScores.Random(net, 7).Layers[0]);
        Assert.NotEqual(a, NeuronScores.Random(net, 8).Layers[0]);
        Assert.Equal(20, a.Distinct().Count());
    }

    [Fact]
    public void Fsc_squares_per_sample_and_per_channel_sums_so_cancelling_products_differ_from_taylor()
    {
        // Two samples, one dense unit: products +0.3 and −0.3 (batch-mean loss, B = 2 → per-sample ±0.6).
        var sq = new double[1];
        var sum = new double[1];
        ProductFold.Accumulate(new[] { 0.3f, -0.3f }, rows: 2, positions: 1, channels: 1, scale: 2, sq, sum);
        double fsc = sq[0] / (2 * 2), taylor = Math.Abs(sum[0] / 2);
        Assert.Equal(0.18, fsc, 6); // ½·mean(0.6²): the unit matters to each sample…
        Assert.Equal(0.0, taylor, 6); // …but the first-order change of the mean loss cancels.

        // A conv channel at two positions with opposite products: summed BEFORE squaring, so 0; channel 1 adds up.
        // Layout [B=1, positions=2, channels=2]: (p0,c0)=1, (p0,c1)=0.5, (p1,c0)=−1, (p1,c1)=0.5.
        sq = new double[2];
        sum = new double[2];
        ProductFold.Accumulate(new[] { 1f, 0.5f, -1f, 0.5f }, rows: 1, positions: 2, channels: 2, scale: 1, sq, sum);
        Assert.Equal(new[] { 0.0, 1.0 }, sq);
    }
}
