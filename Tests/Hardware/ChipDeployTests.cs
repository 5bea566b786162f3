using System.Text.Json;
using SpikeFit.Experiments.Commands;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Hardware;

/// <summary>
/// <c>spikefit deploy</c> end to end on chips that need masks (issue 12 items 2 and 5): a tiny FP32 MLP on
/// the synthetic data, deployed to small TrueNorth-like and DYNAP-SE-like profiles given with --chips, so
/// that the per-core input budget, TrueNorth's axon types, the fan-in mask and per-core codebooks are all
/// trained, mapped by the training's partition and exported; integer-only predictions equal the float model's.
/// </summary>
public sealed class ChipDeployTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"spikefit-chipdeploy-{Guid.NewGuid():N}");

    public ChipDeployTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A tiny FP32 warm start on the synthetic data (<c>train</c>, seed 3); returns its checkpoint.</summary>
    private string TrainWarmStart(string name, params string[] net)
    {
        string fp = Path.Combine(_dir, name);
        Assert.Equal(0, TrainCommand.Create().Parse(["--dataset", "synthetic", "--device", "cpu", .. net, "--T", "2", "--batch", "64",
            "--epochs", "1", "--max-batches", "6", "--max-test", "64", "--seed", "3", "--out", fp]).Invoke());
        return Path.Combine(fp, "checkpoint.sfck");
    }

    /// <summary><c>deploy --chip</c> from <paramref name="warmStart"/> onto a profile of <paramref name="profiles"/> (200 test images); returns the chip's folder and deploy.json.</summary>
    private (string Dir, JsonElement Record) Deploy(string chip, string slug, string profiles, string warmStart, string name, int epochs)
    {
        string chips = Path.Combine(_dir, name + "-chips.json");
        File.WriteAllText(chips, profiles);
        string outDir = Path.Combine(_dir, name);
        Assert.Equal(0, DeployCommand.Create().Parse(["--chip", chip, "--chips", chips, "--warm-start", warmStart,
            "--dataset", "synthetic", "--device", "cpu", "--batch", "64", "--epochs", $"{epochs}", "--max-batches", "2", "--max-test", "200", "--seed", "3",
            "--out", outDir, "--json", outDir + ".json"]).Invoke());
        // The --json record says where and on what the figures were made, as the folder's deploy.json does.
        var run = JsonDocument.Parse(File.ReadAllText(outDir + ".json")).RootElement;
        Assert.StartsWith("cpu", run.GetProperty("device").GetString());
        Assert.Equal("synthetic", run.GetProperty("dataset").GetProperty("name").GetString());
        Assert.Equal(chip, run.GetProperty("chips")[0].GetProperty("chip").GetString());
        string dir = Path.Combine(outDir, slug);
        var r = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "deploy.json"))).RootElement;
        Assert.Equal("fits one chip", r.GetProperty("status").GetString());
        Assert.True(r.GetProperty("fits").GetBoolean());
        return (dir, r);
    }

    /// <summary>Integer-only inference of the exported model predicts what the float checkpoint predicts, image by image, on deploy's test images.</summary>
    private static void AssertIntegerEqualsFloat(string dir, JsonElement r, Action<SpikeFit.Training.Models.SpikingNetwork>? checkNet = null)
    {
        var data = DatasetLoader.Load("synthetic", null);
        int n = r.GetProperty("testSamples").GetInt32();
        Assert.Equal(200, n);
        int[] floatPredictions;
        using (var cpu = new CpuBackend())
        using (var net = Checkpoint.LoadNetwork(cpu, Path.Combine(dir, "checkpoint.sfck")))
        {
            checkNet?.Invoke(net);
            floatPredictions = FloatReadout.Run(net, data.TestImages, n).Predictions;
        }
        var integer = IntegerInference.Load(Path.Combine(dir, "model.sfdm")).Run(data.TestImages, n);
        Assert.Equal(floatPredictions, integer.Predictions[..n]);
        Assert.Equal(r.GetProperty("floatAccuracy").GetDouble(), r.GetProperty("integerAccuracy").GetDouble());
    }

    // 784 → 16 → 10. TinyNorth: 64 axons per core (fc1 reads 784, fc2 16), 8 neurons per core, 6 cores:
    // P = 8 needs 2 + 2 = 4 cores, P = 4 would need 4 + 3 = 7 > 6, so P = 8. TinyDynap: 16 synapses per neuron
    // (fc1 reads 784, fc2 16), 4 synapse types per core, 4 cores of 8 (P = 8: 4 cores).
    private const string Profiles = """
        { "chips": [
          { "name": "TinyNorth", "coresPerChip": { "value": 6, "source": "test" }, "neuronsPerCore": { "value": 8, "source": "test" },
            "axonsPerCore": { "value": 64, "source": "test" }, "synapsesPerCore": { "value": 512, "source": "test" },
            "weightBits": { "value": 9, "source": "test" }, "distinctValues": { "value": 4, "source": "test" },
            "axonTypes": { "value": 4, "source": "test" }, "distinctScope": "neuron", "distinctWhat": "axon types",
            "analogInput": { "value": 0, "source": "test" } },
          { "name": "TinyDynap", "coresPerChip": { "value": 4, "source": "test" }, "neuronsPerCore": { "value": 8, "source": "test" },
            "fanInPerNeuron": { "value": 16, "source": "test" }, "distinctValues": { "value": 4, "source": "test" },
            "distinctScope": "core", "distinctWhat": "synapse types", "analogInput": { "value": 0, "source": "test" } }
        ] }
        """;

    [Theory]
    [InlineData("TinyNorth", "tinynorth", "TrueNorth 4 axon types per core of 8, 9-bit values per neuron, mask ≤ 64 inputs per core of 8, fixed at the warm start")]
    [InlineData("TinyDynap", "tinydynap", "CAT M=4 b=4 per core of 8, mask fan-in ≤ 16, revised every 2 steps to step 2")]
    public void AMaskedChipIsTrainedForMappedByItsPartitionAndIntegerEqualsFloat(string chip, string slug, string constraint)
    {
        var (dir, r) = Deploy(chip, slug, Profiles, TrainWarmStart("fp", "--hidden", "16"), "deploy", epochs: 2);
        Assert.Equal(4, r.GetProperty("cores").GetInt64()); // fc1: 16 neurons on 2 cores of 8; fc2: 10 on 2
        Assert.Equal(constraint, r.GetProperty("constraint").GetString());
        string mapping = File.ReadAllText(Path.Combine(dir, "mapping.md"));
        Assert.Contains("layer fc1: 2 cores (partition)", mapping);
        Assert.Contains("layer fc2: 2 cores (partition)", mapping);
        AssertIntegerEqualsFloat(dir, r);
    }

    // 784 → 16 → 10 is 26 neurons; TinyBrain holds 20 (4 cores of 8, 8-bit weights): FSC prunes fc1 to 10 units in two
    // rounds (⌈16·√(10/16)⌉ = 13, then 10), fine-tuning in FP32 between them, and the pruned net is planned and trained.
    private const string SmallChip = """
        { "chips": [
          { "name": "TinyBrain", "coresPerChip": { "value": 4, "source": "test" }, "neuronsPerCore": { "value": 8, "source": "test" },
            "neuronsPerChip": { "value": 20, "source": "test" }, "weightBits": { "value": 8, "source": "test" } }
        ] }
        """;

    [Fact]
    public void A_network_over_the_chips_neurons_is_pruned_by_fsc_to_fit_then_deployed_with_integer_equal_to_float()
    {
        var (dir, r) = Deploy("TinyBrain", "tinybrain", SmallChip, TrainWarmStart("fp-prune", "--hidden", "16"), "deploy-prune", epochs: 1);
        Assert.Equal(4, r.GetProperty("cores").GetInt64()); // fc1: 10 neurons on 2 cores of 8; fc2: 10 on 2
        var pruning = r.GetProperty("pruning");
        Assert.Equal("fsc", pruning.GetProperty("criterion").GetString());
        Assert.Equal([16], pruning.GetProperty("hiddenBefore").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([10], pruning.GetProperty("hiddenAfter").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal((26L, 20L), (pruning.GetProperty("neuronsBefore").GetInt64(), pruning.GetProperty("neuronsAfter").GetInt64()));
        Assert.Equal([16, 13, 10], pruning.GetProperty("rounds").EnumerateArray().Select(e => e.GetProperty("neurons").GetInt32()));
        var budgets = r.GetProperty("budgets").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(budgets, b => b.StartsWith("neurons: 26 neurons (≤ 20), 4 cores of 8 at full occupancy (≤ 4) on TinyBrain; over it, so hidden units are pruned first"));
        Assert.Contains(budgets, b => b.StartsWith("pruning: fsc, 2 rounds, hidden [16] → [10]: 20 neurons (≤ 20)"));
        Assert.Contains("neurons: 20 in the network, 20 per TinyBrain chip; within it, no pruning needed", budgets);
        // The deployed checkpoint is the pruned network.
        AssertIntegerEqualsFloat(dir, r, net => Assert.Equal([10], net.Spec.Hidden));
    }

    // Conv 2C3-P2-4C3-P2-FC10 on 28×28: conv1 26×26×2 reads 9 inputs per neuron, conv2 11×11×4 reads 18, fc 5×5×4 = 100.
    // ConvNorth: 64 axons and 8 neurons per core, 1000 cores. One position per core; type maps per group of 2 channels:
    // 676·1 + 121·2 = 918 cores (groups of 1 would need 1836 > 1000); fc over the 64-axon budget on the 82 cores left: P = 1, 10 cores.
    private const string ConvProfile = """
        { "chips": [
          { "name": "ConvNorth", "coresPerChip": { "value": 1000, "source": "test" }, "neuronsPerCore": { "value": 8, "source": "test" },
            "axonsPerCore": { "value": 64, "source": "test" }, "weightBits": { "value": 9, "source": "test" },
            "distinctValues": { "value": 4, "source": "test" }, "axonTypes": { "value": 4, "source": "test" },
            "distinctScope": "neuron", "distinctWhat": "axon types", "analogInput": { "value": 0, "source": "test" } }
        ] }
        """;

    [Fact]
    public void A_conv_net_is_trained_in_truenorths_layout_tiled_one_position_per_core_and_integer_equals_float()
    {
        var (dir, r) = Deploy("ConvNorth", "convnorth", ConvProfile, TrainWarmStart("fp-conv", "--net", "conv", "--hidden", "2", "4"), "deploy-conv", epochs: 1);
        Assert.Equal(676 + 242 + 10, r.GetProperty("cores").GetInt64());
        Assert.Equal("TrueNorth 4 axon types per core of 2, 9-bit values per neuron, mask ≤ 64 inputs per core of 1 (layers reading more than 64), fixed at the warm start",
            r.GetProperty("constraint").GetString());
        string mapping = File.ReadAllText(Path.Combine(dir, "mapping.md"));
        Assert.Contains("layer conv1: 676 cores (tiles of 1×1 positions × 2 channels)", mapping);
        Assert.Contains("layer conv2: 242 cores (tiles of 1×1 positions × 2 channels)", mapping);
        Assert.Contains("layer fc: 10 cores (partition)", mapping);
        AssertIntegerEqualsFloat(dir, r);
    }
}
