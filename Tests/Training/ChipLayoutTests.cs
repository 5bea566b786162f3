using System.Collections.Concurrent;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Training;

/// <summary>
/// The chip layouts of DESIGN §4b–d on the cpu path: how masks and partitions are chosen, the
/// gradients of per-core codebooks and TrueNorth values against finite differences, checkpoints,
/// validation, and the version-2 deployed format whose integer-only inference matches the float model.
/// </summary>
public sealed class ChipLayoutTests
{
    private readonly ITestOutputHelper _log;
    public ChipLayoutTests(ITestOutputHelper log) => _log = log;

    private static readonly CpuBackend Cpu = new();
    private static readonly (DataSplit Train, DataSplit Test) Data = TrainingFixtures.Prototypes(640, 300);
    private static readonly float[] Images8 = TrainingFixtures.OnPixelGrid(Data.Test.Images);
    private static readonly ConcurrentDictionary<string, Lazy<SpikingNetwork>> Trained = new();
    private static readonly Lazy<Dictionary<string, float[]>> Warm = new(() =>
    {
        using var fp32 = ModelZoo.Build(Cpu, TinyMlp, 3);
        using (var trainer = new Trainer(fp32, new TrainOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3f, Seed = 3 }))
            trainer.Fit(Data.Train, Data.Test);
        return fp32.Snapshot();
    });

    private static NetworkSpec TinyMlp => NetworkSpec.Mlp(t: 4, hidden: 32);

    /// <summary>The chip-aware variants exported below, each fine-tuned one epoch from the same full-precision warm start.</summary>
    private static ConstraintSpec Layout(string name) => name switch
    {
        "fanin-cat" => new ConnectivitySpec(new CodebookSpec(M: 4, Bits: 4), FanIn: 24, ReviseEvery: 5, FreezeAfter: 10),
        "core-cat-per-core" => new ConnectivitySpec(new CodebookSpec(M: 4, Bits: 4, NeuronsPerCore: 8), CoreInputs: 200, NeuronsPerCore: 8,
            ReviseEvery: 5, FreezeAfter: 10),
        "cat-per-core" => new CodebookSpec(M: 4, Bits: 4, NeuronsPerCore: 8),
        "truenorth" => new TrueNorthSpec(NeuronsPerCore: 8, ReassignEvery: 5, ReassignUntil: 10),
        "core-truenorth" => new ConnectivitySpec(new TrueNorthSpec(NeuronsPerCore: 8, ReassignEvery: 5, ReassignUntil: 10),
            FanIn: 64, CoreInputs: 200, NeuronsPerCore: 8, ReviseEvery: 5, FreezeAfter: 10),
        _ => throw new ArgumentException(name),
    };

    private static SpikingNetwork TrainedLayout(string name) => Trained.GetOrAdd(name, _ => new Lazy<SpikingNetwork>(() =>
    {
        var net = ModelZoo.Build(Cpu, TinyMlp with { Constraint = Layout(name) }, 3, Warm.Value);
        using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-3f, Seed = 3 }))
            trainer.Fit(Data.Train, Data.Test);
        return net;
    })).Value;

    [Fact]
    public void Fan_in_mask_keeps_the_k_largest_magnitudes_per_row_ties_to_the_lower_index()
    {
        var w = new[] { 0.1f, -0.5f, 0.3f, 0.3f, /* row 1 */ 0f, 0f, -2f, 1f };
        var mask = ConnectivityMasks.TopKPerRow(w, 2, 4, 2);
        Assert.Equal(new[] { false, true, true, false, false, false, true, true }, mask);
        var allowed = new[] { true, false, true, true, true, true, true, true };
        Assert.Equal(new[] { false, false, true, true, false, false, true, true }, ConnectivityMasks.TopKPerRow(w, 2, 4, 2, allowed));
    }

    /// <summary>
    /// Rows 0, 2, 4 read columns 0–3 and rows 1, 3, 5 columns 4–7 (interleaved, so contiguous packing
    /// would mix them): with P = 3 and A = 4 the greedy partition separates the two groups and the
    /// block mask keeps every non-zero weight; contiguous cores of 3 would need all 8 inputs each.
    /// </summary>
    [Fact]
    public void Greedy_partition_groups_neurons_whose_strong_inputs_overlap()
    {
        const int rows = 6, fanIn = 8;
        var rng = new Random(4);
        var w = new float[rows * fanIn];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < fanIn; j++)
                w[r * fanIn + j] = (r % 2 == 0) == (j < 4) ? 0.5f + (float)rng.NextDouble() : 0f;
        var core = ConnectivityMasks.GreedyCorePartition(w, rows, fanIn, neuronsPerCore: 3, inputsPerCore: 4);
        Assert.Equal(core[0], core[2]);
        Assert.Equal(core[0], core[4]);
        Assert.Equal(core[1], core[3]);
        Assert.Equal(core[1], core[5]);
        Assert.NotEqual(core[0], core[1]);
        var mask = ConnectivityMasks.CoreInputMask(w, rows, fanIn, core, 2, 4);
        for (int k = 0; k < w.Length; k++) if (w[k] != 0f) Assert.True(mask[k], $"weight {k} lost");
        Assert.Equal(new[] { 4, 4 }, ConnectivityMasks.InputsPerCore(mask, rows, fanIn, core, 2));
        var contiguous = new[] { 0, 0, 0, 1, 1, 1 };
        var used = w.Select(v => v != 0f).ToArray();
        Assert.Equal(new[] { 8, 8 }, ConnectivityMasks.InputsPerCore(used, rows, fanIn, contiguous, 2));
    }

    /// <summary>TrueNorth's types are 4-means of a core's column vectors: columns built from 4 exact column types are recovered exactly.</summary>
    [Fact]
    public void Axon_types_recover_a_layer_that_follows_the_truenorth_rule()
    {
        const int rows = 6, fanIn = 12, perCore = 3;
        var rng = new Random(9);
        var layout = CoreLayout.Contiguous(rows, fanIn, perCore);
        var values = Enumerable.Range(0, rows * 4).Select(i => (float)(i % 4 - 1.5 + 0.1 * rng.NextDouble())).ToArray();
        var truth = Enumerable.Range(0, layout.Cores * fanIn).Select(i => i % 4).ToArray();
        var w = new float[rows * fanIn];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < fanIn; j++) w[r * fanIn + j] = values[r * 4 + truth[layout.CoreOfRow[r] * fanIn + j]];
        var (types, fitted) = AxonTypes.Fit(w, layout, 4, 10);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < fanIn; j++)
                Assert.Equal(w[r * fanIn + j], fitted[r * 4 + types[layout.CoreOfRow[r] * fanIn + j]], 5);
    }

    /// <summary>
    /// ∂L/∂c of a per-core codebook (summed per row, then per core) and of TrueNorth's per-neuron values
    /// (Σ over the columns of each type) against central differences of the loss, on the output layer
    /// (its integrator readout makes the loss smooth in its weights), under a connectivity mask so the
    /// masked gradient is what is checked. 16-bit grids make the projection nearly continuous; the value
    /// that sets the grid scale Δ moves every value and is not compared (as for CAT, WeightConstraintTests).
    /// </summary>
    [Theory]
    [InlineData("core-cat-per-core")]
    [InlineData("core-truenorth")]
    public void Per_core_and_truenorth_value_gradients_equal_finite_differences(string kind)
    {
        const int batch = 6;
        var (data, _) = TrainingFixtures.Prototypes(batch, 1, seed: 11);
        var fp = NetworkSpec.Mlp(t: 4, hidden: 16);
        ConstraintSpec inner = kind == "core-truenorth" ? new TrueNorthSpec(NeuronsPerCore: 4, Bits: 16) : new CodebookSpec(M: 4, Bits: 16, NeuronsPerCore: 4);
        var spec = fp with { Constraint = new ConnectivitySpec(inner, FanIn: 10, CoreInputs: 12, NeuronsPerCore: 4) };
        Dictionary<string, float[]> warm;
        using (var w = ModelZoo.Build(Cpu, fp, 5)) warm = w.Snapshot();
        // Ten inputs of the initial scale never reach the threshold: scaled up, the hidden layer spikes.
        warm["fc1.weight"] = warm["fc1.weight"].Select(v => 20f * v).ToArray();
        using var net = ModelZoo.Build(Cpu, spec, 5, warm);
        using var probe = new LossProbe(Cpu, net, data, batch);
        var output = (Linear)net.Layers.Single(l => l.Name == "fc2");
        var masked = (MaskedConstraint)output.Constraint!;
        var values = masked.Inner!.Parameters[0];
        var deployable = (IDeployableWeights)masked.Inner;
        probe.Backward();
        var analytic = values.Grad.ToArray();
        var v0 = values.Value.ToArray();
        double scale = analytic.Max(g => Math.Abs(g));
        Assert.True(scale > 1e-4, "a vanishing gradient would pass trivially");
        var assignments0 = deployable.Deployable().Assignments;
        int scaleSetter = Array.IndexOf(v0, v0.MaxBy(Math.Abs));
        int compared = 0;
        for (int m = 0; m < v0.Length; m++)
        {
            if (m == scaleSetter) continue;
            (double Loss, double Used, bool Same) Shifted(double d)
            {
                var v = (float[])v0.Clone();
                v[m] = (float)(v0[m] + d);
                values.Value.CopyFrom(v);
                output.AfterUpdate();
                var now = deployable.Deployable();
                return (probe.Loss(), now.Scale * (double)now.Levels[m], now.Assignments.SequenceEqual(assignments0));
            }
            var (up, usedUp, sameUp) = Shifted(1e-3);
            var (down, usedDown, sameDown) = Shifted(-1e-3);
            values.Value.CopyFrom(v0);
            output.AfterUpdate();
            if (!sameUp || !sameDown || usedUp == usedDown) continue; // an assignment flipped: the loss is not smooth there
            compared++;
            double fd = (up - down) / (usedUp - usedDown);
            Assert.True(Math.Abs(fd - analytic[m]) <= 1e-2 * scale, $"{kind} value {m}: analytic {analytic[m]:G6}, finite difference {fd:G6}");
        }
        _log.WriteLine($"{kind}: {compared} of {v0.Length} values compared");
        Assert.True(compared >= v0.Length / 2, $"only {compared} of {v0.Length} values compared");
    }

    /// <summary>Integer-only inference of masked, per-core and TrueNorth-layout models gives the float model's predictions.</summary>
    [Theory]
    [InlineData("fanin-cat")]
    [InlineData("core-cat-per-core")]
    [InlineData("cat-per-core")]
    [InlineData("truenorth")]
    [InlineData("core-truenorth")]
    public void Integer_inference_of_chip_layouts_equals_the_float_predictions(string name)
    {
        var net = TrainedLayout(name);
        var model = DeployExporter.Export(net, "test");
        Assert.Equal(2, model.Header.Version);
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-layout-{Guid.NewGuid():N}.sfdm");
        try
        {
            model.Save(path);
            var loaded = DeployedModel.Load(path);
            // The file decodes to exactly the weights the float network computes with (masked synapses 0).
            foreach (var (layer, w) in loaded.WeightedLayers.Zip(net.Layers.OfType<IWeightedLayer>()))
                Assert.Equal(w.EffectiveWeights(), loaded.DecodedWeights(layer));
            int n = Data.Test.Count;
            var integer = new IntegerInference(loaded, path).Run(Images8, n);
            var (floatPredictions, _) = FloatReadout.Run(net, Images8, n);
            int agree = Enumerable.Range(0, n).Count(i => integer.Predictions[i] == floatPredictions[i]);
            int correct = Enumerable.Range(0, n).Count(i => integer.Predictions[i] == Data.Test.Labels[i]);
            _log.WriteLine($"{name}: integer agrees with float on {agree}/{n}, integer accuracy {(double)correct / n:P1}, {new FileInfo(path).Length} bytes");
            Assert.True(agree >= 0.99 * n, $"predictions agree on {agree} of {n}");
            // Three times chance after one epoch: the model learnt (TrueNorth alone, 4 types per core column, learns slowest).
            Assert.True(correct > 0.3 * n, $"integer accuracy {(double)correct / n:P1}: the task is learnable");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Truenorth_export_round_trips_types_values_cores_and_mask()
    {
        var net = TrainedLayout("core-truenorth");
        var model = DeployExporter.Export(net, "test");
        foreach (var (layer, weighted) in model.WeightedLayers.Zip(net.Layers.OfType<IWeightedLayer>()))
        {
            var masked = (MaskedConstraint)weighted.Constraint!;
            var tn = (TrueNorthConstraint)masked.Inner!;
            Assert.True(layer.TrueNorth && layer.PerNeuron && layer.HasMask);
            Assert.Equal(2, layer.IndexBits);
            Assert.Equal(9, layer.Bits);
            Assert.Equal(tn.AxonTypes, model.Indices(layer));
            Assert.Equal(masked.Partition!.CoreOfNeuron, model.CoreOfRow(layer));
            Assert.Equal(masked.CurrentMask, model.Mask(layer)!);
            Assert.All(model.Levels(layer), q => Assert.InRange(q, -256, 255));
            // W[i, j] = c_i[type_core(i)(j)], read back from the file.
            var q = model.Levels(layer);
            var w = model.IntegerWeights(layer);
            var core = model.CoreOfRow(layer)!;
            var mask = model.Mask(layer)!;
            for (int r = 0; r < layer.Rows; r++)
                for (int j = 0; j < layer.FanIn; j++)
                    Assert.Equal(mask[r * layer.FanIn + j] ? q[r * 4 + tn.AxonTypes[core[r] * layer.FanIn + j]] : 0, w[r * layer.FanIn + j]);
        }
    }

    [Fact]
    public void A_model_without_chip_layouts_is_still_written_as_version_1_and_a_version_1_header_cannot_carry_them()
    {
        using var plain = ModelZoo.Build(Cpu, TinyMlp with { Codebook = new CodebookSpec(M: 4, Bits: 4) }, 3, Warm.Value);
        var v1 = DeployExporter.Export(plain, "test");
        Assert.Equal(1, v1.Header.Version);
        Assert.DoesNotContain(v1.Header.Layers, l => l.NeedsVersion2);
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-v1-{Guid.NewGuid():N}.sfdm");
        try
        {
            v1.Save(path);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(1, BitConverter.ToInt32(bytes, 8));
            Assert.DoesNotContain("\"Cores\"", System.Text.Encoding.UTF8.GetString(bytes)); // the version 1 header is unchanged
            Assert.Equal(v1.Payload, DeployedModel.Load(path).Payload);
        }
        finally { File.Delete(path); }
        var v2 = DeployExporter.Export(TrainedLayout("truenorth"), "test");
        var downgraded = new DeployedModel(v2.Header with { Version = 1 }, v2.Payload);
        var e = Assert.Throws<InvalidDataException>(() => downgraded.Validate("x.sfdm"));
        Assert.Contains("version 2", e.Message);
    }

    [Fact]
    public void Masks_partitions_and_types_survive_a_checkpoint()
    {
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-layout-{Guid.NewGuid():N}.sfck");
        try
        {
            var spec = TinyMlp with { Constraint = Layout("core-truenorth") };
            float[][] effective;
            int[][] partitions;
            using (var net = ModelZoo.Build(Cpu, spec, 3, Warm.Value))
            {
                using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-3f, Seed = 3, MaxBatchesPerEpoch = 7 }, path))
                    trainer.Fit(Data.Train, Data.Test);
                effective = net.Layers.OfType<IWeightedLayer>().Select(l => l.EffectiveWeights()).ToArray();
                partitions = net.Layers.OfType<IWeightedLayer>().Select(l => l.Constraint!.Partition!.CoreOfNeuron).ToArray();
            }
            // Built from the spec alone (random weights, so another greedy partition), then loaded.
            using var loaded = Checkpoint.LoadNetwork(Cpu, path);
            var layers = loaded.Layers.OfType<IWeightedLayer>().ToArray();
            for (int l = 0; l < layers.Length; l++)
            {
                Assert.Equal(partitions[l], layers[l].Constraint!.Partition!.CoreOfNeuron);
                Assert.Equal(effective[l], layers[l].EffectiveWeights());
            }
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("conv-core", "conv rows are channels")]
    [InlineData("inputs-without-neurons", "give both or neither")]
    [InlineData("nothing", "needs a fan-in budget")]
    [InlineData("nested", "cannot wrap another mask")]
    [InlineData("core-and-neuron", "choose one codebook scope")]
    [InlineData("cores-disagree", "cores must agree")]
    [InlineData("revise-without-freeze", "freeze step")]
    public void Meaningless_combinations_are_refused(string what, string expected)
    {
        var mlp = NetworkSpec.Mlp(t: 2, hidden: 16);
        var spec = what switch
        {
            "conv-core" => NetworkSpec.Conv(t: 2) with { Constraint = new ConnectivitySpec(null, CoreInputs: 8, NeuronsPerCore: 4) },
            "inputs-without-neurons" => mlp with { Constraint = new ConnectivitySpec(null, CoreInputs: 8) },
            "nothing" => mlp with { Constraint = new ConnectivitySpec(new CodebookSpec()) },
            "nested" => mlp with { Constraint = new ConnectivitySpec(new ConnectivitySpec(null, FanIn: 3), FanIn: 4) },
            "core-and-neuron" => mlp with { Codebook = new CodebookSpec(PerNeuron: true, NeuronsPerCore: 4) },
            "cores-disagree" => mlp with { Constraint = new ConnectivitySpec(new TrueNorthSpec(NeuronsPerCore: 8), CoreInputs: 8, NeuronsPerCore: 4) },
            "revise-without-freeze" => mlp with { Constraint = new ConnectivitySpec(null, FanIn: 4, ReviseEvery: 10) },
            _ => throw new ArgumentException(what),
        };
        var e = Assert.Throws<ArgumentException>(() => spec.Validate());
        Assert.Contains(expected, e.Message);
    }
}
