using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Training;

/// <summary>
/// The learned M = 4 rivals' constraints (issue 14): LSQ's step gradient and DKM's gradients through
/// the soft k-means, against finite differences of the loss of a tiny network; their checkpoint
/// round trip; and the same values on the ILGPU simulator as on the cpu backend.
/// </summary>
public sealed class LearnedRivalConstraintTests
{
    private const int Batch = 12;

    private static Dictionary<string, float[]> Warm(Backend backend, NetworkSpec spec, int seed)
    {
        using var net = ModelZoo.Build(backend, spec, seed);
        return net.Snapshot();
    }

    /// <summary>
    /// LSQ's step gradient is g·Σ ∂L/∂Ŵ_i·(q_i − v_i) inside the clip range and g·Σ ∂L/∂Ŵ_i·(−Q_N or Q_P)
    /// outside (v = w/s, g = 1/√(N·Q_P)). A finite difference in s with every level q held (no level
    /// flips: asserted) measures the true Σ ∂L/∂Ŵ_i·q_i; the straight-through part −Σ_inside ∂L/∂Ŵ_i·v_i
    /// uses the weight gradient, which must equal ∂L/∂Ŵ (from a full-precision network holding Ŵ) inside
    /// and 0 where the weight is clipped. Checked on the output layer (smooth up to the loss). MINT's
    /// scale has LSQ's gradient (it reuses the constraint): checked the same way, with the hidden layer's
    /// integer membrane in the network (the output integrator keeps its float membrane, so the loss is
    /// smooth in the output layer's scale).
    /// </summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(2, true)]
    public void Lsq_step_gradient_equals_finite_differences_of_the_loss(int bits, bool mint)
    {
        using var cpu = new CpuBackend();
        var (data, _) = TrainingFixtures.Prototypes(Batch, 1, seed: 13);
        var fp = NetworkSpec.Mlp(t: 4, hidden: 16);
        // An untrained warm start under MINT's threshold ⌈θ/s⌉ (≈ 28 units of s at θ = 1) leaves the hidden layer
        // silent and every output-weight gradient 0; a lower θ makes it fire.
        if (mint) fp = fp with { Theta = 0.1f };
        var warm = Warm(cpu, fp, 5);
        using var net = ModelZoo.Build(cpu, fp with { Constraint = mint ? new MintSpec(bits, bits) : new LsqSpec(bits) }, 5, warm);
        if (mint) Assert.IsType<MintMembrane>(((LifLayer)net.Layers.Single(l => l.Name == "lif1")).Membrane);
        var output = (Linear)net.Layers.Single(l => l.Name == "fc2");
        var lsq = (LsqConstraint)output.Constraint!;
        using var probe = new LossProbe(cpu, net, data, Batch);
        probe.Backward();
        double analytic = lsq.Step.Grad.ToArray()[0];
        var weightGrad = output.Weight.Grad.ToArray();
        float s0 = lsq.StepValue;
        var w = output.Weight.Value.ToArray();
        var (levels0, _) = lsq.Deployed();
        var (qn, qp) = CodebookMath.GridRange(bits); // (−Q_N, Q_P)
        if (bits == 2) Assert.Contains(levels0, q => q == qp); // some weights clip, so both branches are exercised

        // ∂L/∂Ŵ from the full-precision network computing with the same Ŵ. Not for MINT: a full-precision
        // network has float hidden membranes, so other hidden spikes; its weight gradient is LSQ's code, checked by the LSQ cases.
        if (!mint)
        {
            var snapped = net.Layers.OfType<IWeightedLayer>().ToDictionary(l => l.Weight.Name, l => l.EffectiveWeights());
            using var reference = ModelZoo.Build(cpu, fp, 5, new Dictionary<string, float[]>(warm.Concat(snapped).GroupBy(kv => kv.Key).Select(g => g.Last())));
            using (var p = new LossProbe(cpu, reference, data, Batch)) p.Backward();
            var dLdWhat = reference.Parameters.Single(x => x.Name == "fc2.weight").Grad.ToArray();
            for (int i = 0; i < w.Length; i++)
            {
                float v = w[i] / s0;
                bool inside = v > qn && v < qp;
                Assert.Equal(inside ? dLdWhat[i] : 0f, weightGrad[i], 6);
            }
        }

        double fd = double.NaN;
        foreach (double rel in new[] { 1e-2, 3e-3, 1e-3 })
        {
            double h = rel * s0;
            double Loss(double d)
            {
                lsq.Step.Value.CopyFrom(new[] { (float)(s0 + d) });
                return probe.Loss();
            }
            bool Same(double d)
            {
                lsq.Step.Value.CopyFrom(new[] { (float)(s0 + d) });
                return lsq.Deployed().Levels.SequenceEqual(levels0);
            }
            if (!Same(h) || !Same(-h)) continue;
            float up = (float)(s0 + h), down = (float)(s0 - h);
            fd = (Loss(h) - Loss(-h)) / ((double)up - down);
            break;
        }
        lsq.Step.Value.CopyFrom(new[] { s0 });
        Assert.False(double.IsNaN(fd), "every step perturbation flipped a level");
        double straightThrough = 0;
        for (int i = 0; i < w.Length; i++) straightThrough += weightGrad[i] * (double)(w[i] / s0);
        double expected = (fd - straightThrough) / Math.Sqrt((double)w.Length * qp); // g = 1/√(N·Q_P)
        Assert.True(Math.Abs(expected) > 1e-6, $"a vanishing step gradient ({expected:G3}) would pass trivially");
        Assert.True(Math.Abs(analytic - expected) <= 0.02 * Math.Abs(expected) + 1e-7,
            $"b={bits}: analytic ∂L/∂s {analytic:G6}, from finite differences {expected:G6}");
    }

    [Fact]
    public void Lsq_at_two_bits_has_at_most_four_levels_and_starts_from_the_papers_step()
    {
        using var cpu = new CpuBackend();
        var fp = NetworkSpec.Mlp(t: 2, hidden: 16);
        var warm = Warm(cpu, fp, 3);
        using var net = ModelZoo.Build(cpu, fp with { Constraint = new LsqSpec(2) }, 3, warm);
        foreach (var layer in net.Layers.OfType<IWeightedLayer>())
        {
            var lsq = (LsqConstraint)layer.Constraint!;
            double meanAbs = warm[layer.Weight.Name].Average(v => Math.Abs((double)v));
            Assert.Equal(2 * meanAbs, lsq.StepValue, 5); // 2·mean|w|/√Q_P with Q_P = 1
            var w = layer.EffectiveWeights();
            // At most 4 levels; the paper's initial step puts uniform warm-start weights within ±s, so −2s appears only once s shrinks.
            Assert.InRange(WeightValues.CountDistinct(w), 3, 4);
            Assert.All(lsq.Deployed().Levels, q => Assert.InRange(q, -2, 1));
            Assert.Equal(2, lsq.Storage.Bits);
        }
    }

    /// <summary>
    /// DKM differentiates Ŵ = soft k-means(W, c⁰) through every soft assignment and centroid update:
    /// ∂L/∂w (the weight gradient) and ∂L/∂c⁰ (the centroid tensor's gradient) against central
    /// differences of the loss, on the output layer, for 0 and 2 iterations.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Dkm_weight_and_centroid_gradients_equal_finite_differences_of_the_loss(int iterations)
    {
        using var cpu = new CpuBackend();
        var (data, _) = TrainingFixtures.Prototypes(Batch, 1, seed: 17);
        var fp = NetworkSpec.Mlp(t: 4, hidden: 16);
        var warm = Warm(cpu, fp, 8);
        using var net = ModelZoo.Build(cpu, fp with { Constraint = new DkmSpec(M: 4, Temperature: 0.3f, Iterations: iterations) }, 8, warm);
        var output = (Linear)net.Layers.Single(l => l.Name == "fc2");
        var dkm = (DkmConstraint)output.Constraint!;
        using var probe = new LossProbe(cpu, net, data, Batch);
        probe.Backward();
        var gw = output.Weight.Grad.ToArray();
        var gc = dkm.Centroids.Grad.ToArray();
        Assert.Contains(gc, g => Math.Abs(g) > 1e-4);

        double Central(Parameter p, int index, double h)
        {
            var v0 = p.Value.ToArray();
            var v = (float[])v0.Clone();
            v[index] = (float)(v0[index] + h);
            p.Value.CopyFrom(v);
            double up = probe.Loss();
            float upValue = v[index];
            v[index] = (float)(v0[index] - h);
            p.Value.CopyFrom(v);
            double down = probe.Loss();
            float downValue = v[index];
            p.Value.CopyFrom(v0);
            return (up - down) / ((double)upValue - downValue);
        }

        double scaleC = gc.Max(g => Math.Abs(g));
        for (int m = 0; m < gc.Length; m++)
        {
            double fd = Central(dkm.Centroids, m, 2e-3);
            Assert.True(Math.Abs(fd - gc[m]) <= 0.02 * scaleC, $"T={iterations} centroid {m}: analytic {gc[m]:G6}, finite difference {fd:G6}");
        }
        // The weights with the largest gradients (a vanishing one would pass trivially).
        double scaleW = gw.Max(g => Math.Abs(g));
        foreach (int i in Enumerable.Range(0, gw.Length).OrderByDescending(i => Math.Abs(gw[i])).Take(8))
        {
            double fd = Central(output.Weight, i, 2e-3);
            Assert.True(Math.Abs(fd - gw[i]) <= 0.02 * scaleW, $"T={iterations} weight {i}: analytic {gw[i]:G6}, finite difference {fd:G6}");
        }
    }

    [Fact]
    public void Dkm_float64_backward_matches_finite_differences_of_its_forward()
    {
        // The layer alone, in float64 terms: L = Σ_i r_i·Ŵ_i for fixed random r, so ∂L/∂Ŵ = r.
        var rng = new Random(3);
        int n = 40;
        var w = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var r = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var c0 = new[] { -0.7f, -0.2f, 0.25f, 0.8f };
        var math = new DkmMath(4, 0.2, 3);
        double L(float[] ww, float[] cc)
        {
            var e = new float[n];
            math.Forward(ww, cc, e);
            return e.Select((v, i) => v * r[i]).Sum();
        }
        L(w, c0);
        var grad = r.Select(v => (float)v).ToArray();
        var gc = math.Backward(w, grad);
        const float h = 1e-3f;
        for (int i = 0; i < n; i++)
        {
            var up = (float[])w.Clone(); up[i] += h;
            var down = (float[])w.Clone(); down[i] -= h;
            double fd = (L(up, c0) - L(down, c0)) / ((double)up[i] - down[i]);
            Assert.True(Math.Abs(fd - grad[i]) < 2e-3 + 2e-3 * Math.Abs(fd), $"weight {i}: analytic {grad[i]:G6}, fd {fd:G6}");
        }
        for (int m = 0; m < 4; m++)
        {
            var up = (float[])c0.Clone(); up[m] += h;
            var down = (float[])c0.Clone(); down[m] -= h;
            double fd = (L(w, up) - L(w, down)) / ((double)up[m] - down[m]);
            Assert.True(Math.Abs(fd - gc[m]) < 2e-3 + 2e-3 * Math.Abs(fd), $"centroid {m}: analytic {gc[m]:G6}, fd {fd:G6}");
        }
    }

    /// <summary>
    /// Over several parallel chunks the forward equals a plain sequential float64 evaluation of the same
    /// formulas (up to summation order) and is the same on every call (chunk sums are added in order).
    /// </summary>
    [Fact]
    public void Dkm_chunked_forward_matches_a_sequential_reference_and_is_deterministic()
    {
        var rng = new Random(21);
        int n = 2 * DkmMath.Chunk + 777;
        var w = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 0.1f).ToArray();
        var c0 = new[] { -0.06f, -0.02f, 0.02f, 0.07f };
        const double tau = 0.01;
        const int iterations = 3;
        var math = new DkmMath(4, tau, iterations);
        var first = new float[n];
        var second = new float[n];
        math.Forward(w, c0, first);
        math.Forward(w, c0, second);
        Assert.Equal(first, second);

        double[] Soft(double wi, double[] c)
        {
            var d = c.Select(cm => -Math.Abs(wi - cm) / tau).ToArray();
            double max = d.Max();
            var e = d.Select(v => Math.Exp(v - max)).ToArray();
            double z = e.Sum();
            return e.Select(v => v / z).ToArray();
        }
        var c = c0.Select(v => (double)v).ToArray();
        for (int t = 0; t < iterations; t++)
        {
            var num = new double[4];
            var den = new double[4];
            foreach (var wi in w)
            {
                var a = Soft(wi, c);
                for (int m = 0; m < 4; m++) { num[m] += a[m] * wi; den[m] += a[m]; }
            }
            c = num.Zip(den, (x, y) => x / y).ToArray();
        }
        for (int i = 0; i < n; i += 97)
        {
            var a = Soft(w[i], c);
            double expected = a.Zip(c, (x, y) => x * y).Sum();
            Assert.True(Math.Abs(expected - first[i]) <= 1e-6, $"weight {i}: chunked {first[i]}, sequential {expected}");
        }
    }

    [Fact]
    public void Dkm_snaps_to_m_values_and_the_step_carries_the_centroids()
    {
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(64, 16);
        var fp = NetworkSpec.Mlp(t: 3, hidden: 16);
        using var net = ModelZoo.Build(cpu, fp with { Constraint = new DkmSpec(M: 4) }, 2, Warm(cpu, fp, 2));
        var dkm = (DkmConstraint)((Linear)net.Layers.Single(l => l.Name == "fc1")).Constraint!;
        var before = dkm.Centroids.Value.ToArray();
        using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 16, LearningRate = 1e-2f, Seed = 1, MaxBatchesPerEpoch = 2 }))
            trainer.Fit(train, test);
        Assert.NotEqual(before, dkm.Centroids.Value.ToArray()); // the state moved by the fixed-point iterations
        foreach (var layer in net.Layers.OfType<IWeightedLayer>())
        {
            var hard = ((DkmConstraint)layer.Constraint!).HardWeights();
            Assert.InRange(WeightValues.CountDistinct(hard), 2, 4);
        }
    }

    /// <summary>The new tensors (LSQ's step; DKM's centroids and temperature; MINT's scale) survive a checkpoint save and
    /// load, and so does Ŵ; a loaded MINT network has its integer membrane again, so it computes the same output.</summary>
    [Theory]
    [InlineData("lsq")]
    [InlineData("dkm")]
    [InlineData("mint")]
    public void Checkpoint_round_trip_keeps_the_new_parameters(string kind)
    {
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(64, 16);
        var fp = NetworkSpec.Mlp(t: 3, hidden: 16);
        ConstraintSpec constraint = kind switch { "lsq" => new LsqSpec(2), "mint" => new MintSpec(2, 2), _ => new DkmSpec(M: 4, Temperature: 0.2f) };
        using var net = ModelZoo.Build(cpu, fp with { Constraint = constraint }, 4, Warm(cpu, fp, 4));
        using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 16, LearningRate = 1e-2f, Seed = 1, MaxBatchesPerEpoch = 2 }))
            trainer.Fit(train, test);
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-i14-{kind}-{Guid.NewGuid():N}.sfck");
        try
        {
            Checkpoint.Save(path, net, new TrainOptions(), 1, 2, new List<EpochReport>());
            using var loaded = Checkpoint.LoadNetwork(cpu, path);
            Assert.Equal(constraint, loaded.Spec.Constraint);
            var extra = net.Parameters.Where(p => p.Name.Contains("lsq_step") || p.Name.Contains("dkm_") || p.Name.Contains("mint_scale")).ToList();
            Assert.Equal(kind == "dkm" ? 4 : 2, extra.Count);
            foreach (var p in extra)
                Assert.Equal(p.Value.ToArray(), loaded.Parameters.Single(q => q.Name == p.Name).Value.ToArray());
            foreach (var (a, b) in net.Layers.OfType<IWeightedLayer>().Zip(loaded.Layers.OfType<IWeightedLayer>()))
                Assert.Equal(a.EffectiveWeights(), b.EffectiveWeights());
            Assert.Equal(net.Layers.OfType<LifLayer>().Select(l => l.Membrane is not null), loaded.Layers.OfType<LifLayer>().Select(l => l.Membrane is not null));
            if (kind == "mint")
            {
                Assert.NotNull(loaded.Layers.OfType<LifLayer>().Single().Membrane);
                using var images = cpu.Upload<float>(test.Images.AsSpan(0, 8 * test.Features).ToArray());
                int length = fp.T * 8 * fp.Classes; // the output buffers may be longer (grown for the training batches)
                Assert.Equal(net.Forward(images, 8).Data.ToArray()[..length], loaded.Forward(images, 8).Data.ToArray()[..length]);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SkippableTheory]
    [InlineData("lsq")]
    [InlineData("dkm")]
    [InlineData("mint")] // the integer membrane is a host path: the same on the simulator
    public void Ilgpu_simulator_computes_the_same_weights_and_gradients(string kind)
    {
        var (sim, reason) = TestBackends.Get(BackendKind.IlgpuCpu);
        Skip.If(sim is null, reason);
        var (data, _) = TrainingFixtures.Prototypes(Batch, 1, seed: 5);
        var fp = NetworkSpec.Mlp(t: 3, hidden: 16);
        ConstraintSpec constraint = kind switch { "lsq" => new LsqSpec(2), "mint" => new MintSpec(2, 2), _ => new DkmSpec(M: 4) };
        using var cpu = new CpuBackend();
        var warm = Warm(cpu, fp, 9);
        (float[] W, float[] Grad) Run(Backend b)
        {
            using var net = ModelZoo.Build(b, fp with { Constraint = constraint }, 9, warm);
            using var probe = new LossProbe(b, net, data, Batch);
            probe.Backward();
            var extra = net.Parameters.Single(p => p.Name is "fc2.lsq_step" or "fc2.dkm_centroids" or "fc2.mint_scale");
            return (((Linear)net.Layers.Single(l => l.Name == "fc1")).EffectiveWeights(), extra.Grad.ToArray());
        }
        var (wc, gc) = Run(cpu);
        var (ws, gs) = Run(sim!);
        Assert.Equal(wc, ws);
        for (int i = 0; i < gc.Length; i++)
            Assert.True(Math.Abs(gc[i] - gs[i]) <= 1e-4 * Math.Max(1, Math.Abs(gc[i])), $"{kind} gradient {i}: cpu {gc[i]}, ilgpu-cpu {gs[i]}");
    }
}
