using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;
using static SpikeFit.Tests.Training.PruningFixtures;

namespace SpikeFit.Tests.Training;

/// <summary>Structured removal of neurons: the pruned network computes what the original does with those neurons silenced, codebooks follow their rows, and the selection of the kept neurons.</summary>
public sealed class StructuredPrunerTests
{
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
    public void A_neuron_budget_removes_in_global_order_until_neurons_and_cores_fit()
    {
        // Normalised: lif1 0.4, 0.8, 1.2, 1.6; lif2 1.82, 0.18. Removal order: lif2#1, lif1#0, lif1#1, lif1#2 (then only last units).
        var scores = new NeuronScores(PruneCriterion.Fsc, new[] { "lif1", "lif2" }, new[] { new[] { 1.0, 2, 3, 4 }, new[] { 10.0, 1 } }, 1);
        // lif1 dense (1 neuron a unit), lif2 a conv channel of 4 positions; 2 output neurons; cores of 2.
        NeuronBudget Budget(long neurons, long cores = 100) => new(neurons, cores, 2, [1, 4], 2);
        Assert.Equal(14, Budget(14).Neurons([4, 2]));
        Assert.Equal(new[] { 4, 2 }, StructuredPruner.BudgetKeepCounts(scores, Budget(14).Fits)); // within: nothing leaves
        Assert.Equal(new[] { 4, 1 }, StructuredPruner.BudgetKeepCounts(scores, Budget(10).Fits)); // a 4-neuron channel goes first
        Assert.Equal(new[] { 2, 1 }, StructuredPruner.BudgetKeepCounts(scores, Budget(8).Fits));
        // Cores of 2 at full occupancy: the output's 2 neurons take 1, lif1's 4 units 2, lif2's 2 channels of 4 positions 4.
        Assert.Equal(7, Budget(100).Cores([4, 2]));
        Assert.Equal(new[] { 4, 1 }, StructuredPruner.BudgetKeepCounts(scores, Budget(100, cores: 5).Fits));
        Assert.Equal(new[] { 2, 1 }, StructuredPruner.BudgetKeepCounts(scores, Budget(100, cores: 4).Fits));
        // One unit per layer is 7 neurons: a budget of 6 cannot be met, and says so.
        Assert.NotNull(Budget(6).Unreachable(2));
        Assert.Null(Budget(7).Unreachable(2));
        Assert.Throws<ArgumentException>(() => StructuredPruner.BudgetKeepCounts(scores, Budget(6).Fits));
        // Rounds: from 12 hidden neurons towards 6 in two geometric rounds, ⌈12·√½⌉ = 9 after the first, the budget after the last.
        Assert.Equal(12, Budget(8).HiddenNeurons([4, 2]));
        Assert.Equal(9, NeuronBudget.RoundAllowance(12, 6, 1, 2, PruneScheduleKind.Geometric));
        Assert.Equal(9, NeuronBudget.RoundAllowance(12, 6, 1, 2, PruneScheduleKind.Linear));
        Assert.Equal(6, NeuronBudget.RoundAllowance(12, 6, 2, 2, PruneScheduleKind.Geometric));
        Assert.Equal(887, NeuronBudget.RoundAllowance(1024, 768, 1, 2, PruneScheduleKind.Geometric)); // ⌈1024·√0.75⌉
        Assert.Equal(6, NeuronBudget.RoundAllowance(5, 6, 1, 2, PruneScheduleKind.Geometric));        // already within: the end itself
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
