using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>FSC and the other pruning criteria, structured removal, and the iterative prune → fine-tune schedule.</summary>
public sealed class PruningTests
{
    /// <summary>Per-sample losses of one fixed batch, in double from the readout's logits.</summary>
    private sealed class Probe : IDisposable
    {
        private readonly Backend _b;
        private readonly SpikingNetwork _net;
        private readonly DeviceBuffer<float> _images, _logits, _losses, _grad;
        private readonly DeviceBuffer<int> _labels;
        private readonly int[] _hostLabels;
        public int Batch { get; }

        public Probe(Backend backend, SpikingNetwork net, DataSplit data)
        {
            _b = backend;
            _net = net;
            Batch = data.Count;
            _hostLabels = data.Labels;
            _images = backend.Upload<float>(data.Images);
            _labels = backend.Upload<int>(data.Labels);
            _logits = backend.Allocate<float>(Batch * net.Spec.Classes);
            _losses = backend.Allocate<float>(Batch);
            _grad = backend.Allocate<float>((long)net.Spec.T * Batch * net.Spec.Classes);
        }

        /// <summary>The network's raw output [T, B, classes].</summary>
        public float[] Output() => _net.Forward(_images, Batch).Data.ToArray()[..(_net.Spec.T * Batch * _net.Spec.Classes)];

        /// <summary>L_n = log Σ exp(z) − z_label for every sample (the loss kernel's logits, log-sum-exp in double).</summary>
        public double[] Losses()
        {
            var output = _net.Forward(_images, Batch);
            int c = _net.Spec.Classes;
            _b.Loss.SoftmaxCrossEntropy(_net.Spec.T, Batch, c, _net.ReadoutScale, output.Data, _labels, _logits, _losses, _grad);
            var z = _logits.ToArray();
            var result = new double[Batch];
            for (int n = 0; n < Batch; n++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < c; j++) max = Math.Max(max, z[n * c + j]);
                double sum = 0;
                for (int j = 0; j < c; j++) sum += Math.Exp(z[n * c + j] - max);
                result[n] = max + Math.Log(sum) - z[n * c + _hostLabels[n]];
            }
            return result;
        }

        public void Dispose()
        {
            _images.Dispose(); _labels.Dispose(); _logits.Dispose(); _losses.Dispose(); _grad.Dispose();
        }
    }

    /// <summary>Parameter values of a freshly built network, each multiplied by <paramref name="gain"/> where given (to make tiny nets fire).</summary>
    private static Dictionary<string, float[]> Weights(Backend backend, NetworkSpec spec, int seed, IReadOnlyDictionary<string, float>? gain = null)
    {
        using var net = ModelZoo.Build(backend, spec, seed);
        var w = net.Snapshot();
        foreach (var (name, g) in gain ?? new Dictionary<string, float>())
            w[name] = w[name].Select(v => v * g).ToArray();
        return w;
    }

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

    /// <summary>
    /// Weights on a 1/64 grid in [−½, ½] and images on a 1/8 grid make every dot product exact in float32,
    /// whatever order the GEMM sums in (the pruned layers have a different fan-in, so their blocking
    /// differs); that is what lets the comparison below be exact rather than within a tolerance.
    /// </summary>
    private static Dictionary<string, float[]> Dyadic(Dictionary<string, float[]> w) =>
        w.ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => Math.Clamp(MathF.Round(v * 64f) / 64f, -0.5f, 0.5f)).ToArray());

    private static DataSplit DyadicImages(DataSplit d) =>
        d with { Images = d.Images.Select(v => MathF.Round(v * 8f) / 8f).ToArray() };

    [Fact]
    public void Pruned_mlp_equals_the_original_with_outgoing_weights_zeroed()
    {
        using var cpu = new CpuBackend();
        var (data, _) = TrainingFixtures.Prototypes(6, 1, seed: 5);
        data = DyadicImages(data);
        var spec = NetworkSpec.Mlp(t: 3) with { Hidden = new[] { 12, 10 } };
        var w = Dyadic(Weights(cpu, spec, 4, new Dictionary<string, float> { ["fc1.weight"] = 4f, ["fc2.weight"] = 3f }));
        int[] drop1 = { 0, 3, 7, 11 }, drop2 = { 2, 5 };
        var zeroed = new Dictionary<string, float[]>(w);
        zeroed["fc2.weight"] = ZeroColumns(w["fc2.weight"], 12, 1, drop1);
        zeroed["fc3.weight"] = ZeroColumns(w["fc3.weight"], 10, 1, drop2);
        using var original = ModelZoo.Build(cpu, spec, 4, w);
        using var reference = ModelZoo.Build(cpu, spec, 4, zeroed);
        var kept = new[] { Keep(12, drop1), Keep(10, drop2) };
        using var pruned = StructuredPruner.Prune(original, kept, seed: 99);

        Assert.Equal(new[] { 8, 8 }, pruned.Spec.Hidden);
        var p = pruned.Snapshot();
        Assert.Equal(8 * 784, p["fc1.weight"].Length);
        Assert.Equal(8, p["fc1.bias"].Length);
        Assert.Equal(8 * 8, p["fc2.weight"].Length);
        Assert.Equal(8, p["fc2.bias"].Length);
        Assert.Equal(10 * 8, p["fc3.weight"].Length);
        Assert.True(pruned.ParameterCount < original.ParameterCount);
        // Row 0 of the pruned fc1 is unit 1 of the original (unit 0 dropped); fc2's column 2 is original column 4 (0 and 3 dropped).
        Assert.Equal(w["fc1.weight"].AsSpan(784, 784).ToArray(), p["fc1.weight"].AsSpan(0, 784).ToArray());
        Assert.Equal(w["fc2.weight"][0 * 12 + 4], p["fc2.weight"][0 * 8 + 2]);

        float[] expected, actual;
        using (var probe = new Probe(cpu, reference, data)) expected = probe.Output();
        using (var probe = new Probe(cpu, pruned, data)) actual = probe.Output();
        Assert.Equal(expected, actual);
        // The removed units mattered: with them the output differs (the zeroing is not a no-op).
        using (var probe = new Probe(cpu, original, data)) Assert.NotEqual(expected, probe.Output());
    }

    [Fact]
    public void Pruned_conv_net_equals_the_original_with_outgoing_weights_zeroed()
    {
        using var cpu = new CpuBackend();
        var (data, _) = TrainingFixtures.Prototypes(4, 1, seed: 6);
        data = DyadicImages(data);
        var spec = NetworkSpec.Conv(t: 2) with { Hidden = new[] { 4, 6 } };
        var w = Dyadic(Weights(cpu, spec, 8, new Dictionary<string, float> { ["conv1.weight"] = 4f, ["conv2.weight"] = 4f }));
        int[] drop1 = { 1 }, drop2 = { 0, 4 };
        var zeroed = new Dictionary<string, float[]>(w);
        // conv2 [6, 3, 3, 4]: 9 positions × 4 input channels per row; fc [10, 5·5·6]: 25 positions × 6 channels.
        zeroed["conv2.weight"] = ZeroColumns(w["conv2.weight"], 4, 9, drop1);
        zeroed["fc.weight"] = ZeroColumns(w["fc.weight"], 6, 25, drop2);
        using var original = ModelZoo.Build(cpu, spec, 8, w);
        using var reference = ModelZoo.Build(cpu, spec, 8, zeroed);
        using var pruned = StructuredPruner.Prune(original, new[] { Keep(4, drop1), Keep(6, drop2) }, seed: 99);

        Assert.Equal(new[] { 3, 4 }, pruned.Spec.Hidden);
        var p = pruned.Snapshot();
        Assert.Equal(new[] { 3, 3, 3, 1 }, pruned.Parameters.Single(x => x.Name == "conv1.weight").Shape);
        Assert.Equal(new[] { 4, 3, 3, 3 }, pruned.Parameters.Single(x => x.Name == "conv2.weight").Shape);
        Assert.Equal(10 * 25 * 4, p["fc.weight"].Length);
        Assert.Equal(3, p["conv1.bias"].Length);
        Assert.Equal(4, p["conv2.bias"].Length);

        float[] expected, actual;
        using (var probe = new Probe(cpu, reference, data)) expected = probe.Output();
        using (var probe = new Probe(cpu, pruned, data)) actual = probe.Output();
        Assert.Equal(expected, actual);
        using (var probe = new Probe(cpu, original, data)) Assert.NotEqual(expected, probe.Output());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cat_codebooks_follow_the_pruned_rows(bool perNeuron)
    {
        using var cpu = new CpuBackend();
        var fp = NetworkSpec.Mlp(t: 2, hidden: 8);
        var spec = fp with { Codebook = new CodebookSpec(M: 4, Bits: 4, PerNeuron: perNeuron) };
        using var net = ModelZoo.Build(cpu, spec, 2, Weights(cpu, fp, 2));
        var kept = new[] { new[] { 1, 2, 5, 6 } };
        using var pruned = StructuredPruner.Prune(net, kept, seed: 2);
        var before = net.Snapshot();
        var after = pruned.Snapshot();
        if (perNeuron)
        {
            Assert.Equal(4 * 4, after["fc1.codebook"].Length);
            Assert.Equal(before["fc1.codebook"].AsSpan(5 * 4, 4).ToArray(), after["fc1.codebook"].AsSpan(2 * 4, 4).ToArray());
            Assert.Equal(10 * 4, after["fc2.codebook"].Length); // the output layer keeps its rows
        }
        else
        {
            Assert.Equal(before["fc1.codebook"], after["fc1.codebook"]);
            // Same codebook, same latent weights: every kept row quantizes as before.
            var e0 = ((Linear)net.Layers[0]).EffectiveWeights();
            var e1 = ((Linear)pruned.Layers[0]).EffectiveWeights();
            for (int i = 0; i < kept[0].Length; i++)
                Assert.Equal(e0.AsSpan(kept[0][i] * 784, 784).ToArray(), e1.AsSpan(i * 784, 784).ToArray());
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

    [Fact]
    public void Selection_removes_the_lowest_and_global_scope_normalises_each_layer()
    {
        var scores = new NeuronScores(PruneCriterion.Fsc, new[] { "lif1", "lif2" },
            new[] { new[] { 4000.0, 1000, 3000, 2000 }, new[] { 1.0, 4, 2, 3 } }, 1);
        var kept = StructuredPruner.SelectKept(scores, new[] { 2, 3 });
        Assert.Equal(new[] { 0, 2 }, kept[0]);
        Assert.Equal(new[] { 1, 2, 3 }, kept[1]);
        // Raw scores would strip lif2 to its last unit; divided by each layer's mean both keep half.
        Assert.Equal(new[] { 2, 2 }, StructuredPruner.GlobalKeepCounts(scores, 4));
        // Never a layer's last unit.
        Assert.Equal(new[] { 1, 1 }, StructuredPruner.GlobalKeepCounts(scores, 2));
    }

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

    private static int[] Keep(int n, int[] drop) => Enumerable.Range(0, n).Except(drop).ToArray();

    /// <summary>Zeroes, in a [rows, positions·channels] matrix with the channel innermost, the columns of the given channels.</summary>
    private static float[] ZeroColumns(float[] w, int channels, int positions, int[] drop)
    {
        var r = (float[])w.Clone();
        int fanIn = positions * channels;
        for (int row = 0; row < w.Length / fanIn; row++)
            for (int p = 0; p < positions; p++)
                foreach (int c in drop) r[row * fanIn + p * channels + c] = 0f;
        return r;
    }
}
