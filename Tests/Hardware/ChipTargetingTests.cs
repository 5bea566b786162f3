using System.Text.Json;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.Commands;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;
using static SpikeFit.Tests.Hardware.HardwareNets;

namespace SpikeFit.Tests.Hardware;

public class ChipTargetingTests
{
    private static ChipPlan PlanFor(string chip, NetworkSpec? spec = null)
    {
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, spec ?? NetworkSpec.Mlp(t: 2, hidden: 32), seed: 1);
        return ChipTargeting.Plan(net, ChipConstraints.From(Chip(chip)));
    }

    [Fact]
    public void ThePlanGivesEachChipItsValuesMasksAndCores()
    {
        // MLP 784-32-10. TrueNorth: 256 axons < 784 inputs → per-core input budget; axon types → TrueNorth's
        // layout; 42 neurons fit its 4096 cores one per core, so P halves from 256 down to 1.
        var tn = PlanFor("TrueNorth");
        Assert.Equal(new TrueNorthSpec(NeuronsPerCore: 1, Bits: 9, Types: 4), tn.Value);
        Assert.Equal((null, 256, 1), (tn.FanIn, tn.CoreInputs, tn.NeuronsPerCore));
        Assert.False(tn.Refused);
        Assert.Contains(tn.Budgets, b => b.StartsWith("inputs per core: ≤ 256 axons per core of 1 neurons on TrueNorth; layer fc1 reads 784 inputs per neuron: a per-core input budget A = 256 on cores of P = 1"));
        Assert.Contains("cores: P = 1 of TrueNorth's 256 neurons per core, the fewest with which the layers fit its 4096 cores (42 cores); " +
                        "fewer neurons per core give each core's inputs and values to fewer neurons", tn.Budgets);

        // Tianjic: the same input budget, CAT at 8 bits with no value limit; 42 ≤ 156 cores.
        var tianjic = PlanFor("Tianjic");
        Assert.Equal(new CodebookSpec(16, 8), tianjic.Value);
        Assert.Equal((null, 256, 1), (tianjic.FanIn, tianjic.CoreInputs, tianjic.NeuronsPerCore));
        Assert.False(tianjic.Refused);

        // DYNAP-SE: 64 synapses per neuron (fc1 reads 784, fc2 32) → fan-in mask 64; 4 synapse types per core →
        // per-core codebooks; 4 cores: P = 16 gives 2 + 1 = 3 cores, P = 8 would need 4 + 2 = 6.
        var dynap = PlanFor("DYNAP-SE");
        Assert.Equal(new CodebookSpec(4, 4, NeuronsPerCore: 16), dynap.Value);
        Assert.Equal((64, (int?)null, 16), (dynap.FanIn, dynap.CoreInputs, dynap.NeuronsPerCore));
        Assert.False(dynap.Refused);
        Assert.Contains("weight bits: not in DYNAP-SE's profile; CAT on a 4-bit grid (not checked against the chip)", dynap.Budgets);
        Assert.Contains(dynap.Budgets, b => b.StartsWith("fan-in: ≤ 64 input synapses per neuron on DYNAP-SE; layer fc1 reads 784 inputs per neuron: a fan-in mask of 64"));

        // Chips whose cores take the whole layer: no mask, no core size.
        var loihi = PlanFor("Loihi");
        Assert.Equal(new CodebookSpec(16, 8), loihi.Value);
        Assert.Equal((null, (int?)null, (int?)null), (loihi.FanIn, loihi.CoreInputs, loihi.NeuronsPerCore));
        Assert.False(loihi.HasMask);
        Assert.Equal(new CodebookSpec(16, 4), PlanFor("Akida AKD1000").Value); // the tighter of 4 (hidden) and 8 (input) bits
        Assert.Equal(new CodebookSpec(16, 16), PlanFor("SpiNNaker").Value);
    }

    [Fact]
    public void TheConvNetIsTiledWithWholeLayerScopesAndABudgetOnItsClassifierOnly()
    {
        // 16C3-P2-32C3-P2-FC10 on 28×28, no padding: conv1 26×26×16 reads 9 inputs per neuron, conv2 11×11×32 reads 144, fc reads 5×5×32 = 800.
        var conv = NetworkSpec.Conv(t: 2);
        var tn = PlanFor("TrueNorth", conv);
        Assert.False(tn.Refused);
        // One position per core × a group of channels sharing a type map: groups of 4 give 676·4 + 121·8 = 3672 cores and the
        // classifier's 10 (1 core each at least) fit 4096; groups of 2 (7344 cores) would not. Cores of 1 neuron for the classifier's 256-input budget.
        Assert.Equal(new TrueNorthSpec(NeuronsPerCore: 4, Bits: 9, Types: 4), tn.Value);
        Assert.Equal((null, 256, 1, true), (tn.FanIn, tn.CoreInputs, tn.NeuronsPerCore, tn.OnlyOverBudget));
        Assert.Contains(tn.Budgets, b => b.Contains("× a group of 4 channels sharing one type map, the smallest group with which the conv layers fit its cores: conv1 2704 cores, conv2 968 cores"));
        Assert.Contains(tn.Budgets, b => b.StartsWith("cores: P = 1 of TrueNorth's 256 neurons per core for the dense layers, the fewest with which they fit the 424 cores the conv layers leave (3672 taken)"));
        Assert.Contains(tn.Budgets, b => b.StartsWith("inputs per core: ≤ 256 axons per core of 1 neurons on TrueNorth; layer fc reads 800 inputs per neuron"));
        // What deploy trains for it is a valid conv constraint: the budget on fc only, TrueNorth's layout inside.
        var options = ChipTrainingOptions.ForPlan(tn);
        var spec = conv with { Constraint = options.Constraint(tn.Value, new TrainOptions { Epochs = 1 }, 10) };
        spec.Validate();
        Assert.Equal(new ConnectivitySpec(tn.Value, CoreInputs: 256, NeuronsPerCore: 1, OnlyOverBudget: true), spec.Constraint);

        // Tianjic: 256 neurons and 256 axons per core; conv2's 2×2 tiles × 32 channels read exactly 4×4×16 = 256 inputs.
        var tianjic = PlanFor("Tianjic", conv);
        Assert.False(tianjic.Refused);
        Assert.Equal(new CodebookSpec(16, 8), tianjic.Value);
        Assert.Equal((256, true), (tianjic.CoreInputs, tianjic.OnlyOverBudget));
        Assert.Contains(tianjic.Budgets, b => b.Contains("conv2 in tiles of 2×2 positions × 32 channels (36 cores)"));

        // DYNAP-SE: 4 cores of 256; even one channel per conv layer needs 3 + 1 cores, plus 1 for fc.
        var dynap = PlanFor("DYNAP-SE", conv);
        Assert.Equal("even pruned to one channel per hidden layer the layers need 5 cores of 256 neurons (conv1 676 neurons → 3, conv2 121 neurons → 1, " +
                     "fc 10 neurons → 1; layers never share a core); DYNAP-SE has 4", Assert.Single(dynap.Impossible));
        Assert.Empty(dynap.Unsupported);
    }

    [Fact]
    public void A_conv_layer_over_a_cores_axons_even_alone_is_refused_with_its_numbers()
    {
        // conv2 reads 3×3 × 16 = 144 inputs per neuron; a chip with 100 axons per core cannot hold one of its neurons without tap masks.
        var chip = ChipConstraints.From(ChipCatalog.Parse([("t.json", """
            { "chips": [ { "name": "Narrow", "coresPerChip": { "value": 4096, "source": "t" }, "neuronsPerCore": { "value": 256, "source": "t" },
              "axonsPerCore": { "value": 100, "source": "t" }, "weightBits": { "value": 8, "source": "t" } } ] }
            """)]).Single(c => c.Name == "Narrow"));
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, NetworkSpec.Conv(t: 2), seed: 1);
        var plan = ChipTargeting.Plan(net, chip);
        Assert.True(plan.Refused);
        Assert.Equal("layer conv2: even one neuron per core reads 144 inputs (3×3 taps × 16 channels), over Narrow's 100 input axons or its per-core synapse storage; " +
                     "that needs kernel-tap masks, which this build does not train for deploy", Assert.Single(plan.Unsupported));
    }

    [Fact]
    public void A_network_over_a_chips_neurons_or_cores_is_planned_for_pruning_and_the_catalogue_chips_need_none()
    {
        foreach (var name in new[] { "TrueNorth", "Loihi", "Loihi 2", "SpiNNaker", "Akida AKD1000", "Tianjic", "DYNAP-SE" })
        {
            var mlp = PlanFor(name);
            Assert.Null(mlp.Prune);
            Assert.Contains(mlp.Budgets, b => b.StartsWith("neurons: 42 in the network") && b.EndsWith("within it, no pruning needed"));
            if (name == "DYNAP-SE") continue; // the conv net is refused there: its layers need 5 cores of the 4
            var convPlan = PlanFor(name, NetworkSpec.Conv(t: 2));
            Assert.Null(convPlan.Prune);
            Assert.Contains(convPlan.Budgets, b => b.StartsWith("neurons: 14698 in the network") && b.EndsWith("within it, no pruning needed"));
        }
        // MLP 784-32-10 (42 neurons) on 30 neurons per chip, and on 3 cores of 16 (fc1 needs 2, the output 1: it fits; 4 of 8 would not).
        var chips = ChipCatalog.Parse([("test", """
            { "chips": [
              { "name": "Small", "coresPerChip": { "value": 4, "source": "t" }, "neuronsPerCore": { "value": 16, "source": "t" },
                "neuronsPerChip": { "value": 30, "source": "t" }, "weightBits": { "value": 8, "source": "t" } },
              { "name": "FewCores", "coresPerChip": { "value": 2, "source": "t" }, "neuronsPerCore": { "value": 16, "source": "t" },
                "weightBits": { "value": 8, "source": "t" } },
              { "name": "Tiny", "coresPerChip": { "value": 4, "source": "t" }, "neuronsPerCore": { "value": 16, "source": "t" },
                "neuronsPerChip": { "value": 10, "source": "t" }, "weightBits": { "value": 8, "source": "t" } },
              { "name": "ConvSmall", "coresPerChip": { "value": 1000, "source": "t" }, "neuronsPerCore": { "value": 256, "source": "t" },
                "neuronsPerChip": { "value": 8000, "source": "t" }, "weightBits": { "value": 8, "source": "t" } }
            ] }
            """)]);
        ChipPlan Plan(string name)
        {
            using var cpu = new CpuBackend();
            using var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 32), seed: 1);
            return ChipTargeting.Plan(net, ChipConstraints.From(chips.Single(c => c.Name == name)));
        }
        var small = Plan("Small");
        Assert.False(small.Refused);
        var budget = small.Prune!;
        Assert.Equal((30L, 4L, 16, 10L), (budget.MaxNeurons, budget.MaxCores, budget.NeuronsPerCore, budget.OutputNeurons));
        Assert.Equal([1L], budget.NeuronsPerUnit);
        Assert.StartsWith("neurons: 42 neurons (≤ 30), 3 cores of 16 at full occupancy (≤ 4) on Small; over it, so hidden units are pruned first", small.NeuronsLine);
        Assert.Equal(small.NeuronsLine, Assert.Single(small.Budgets, b => b.StartsWith("neurons:", StringComparison.Ordinal)));
        // 2 cores: fc1's 32 units take 2 and the output 1; pruned to 16 units they take 1.
        var few = Plan("FewCores");
        Assert.NotNull(few.Prune);
        Assert.True(few.Prune!.Fits([16]));
        Assert.False(few.Prune.Fits([17]));
        // 10 neurons for 10 classes leave no hidden unit: refused before training, with the numbers.
        var tiny = Plan("Tiny");
        Assert.True(tiny.Refused);
        Assert.Null(tiny.Prune);
        Assert.Contains(tiny.Impossible, r => r.Contains("11 neurons") && r.Contains("10 per chip"));
        // The conv net 16C3-P2-32C3-P2-FC10 (14,698 neurons) on 8,000: a conv channel counts all its positions (676, 121).
        using var cpu = new CpuBackend();
        using var convNet = ModelZoo.Build(cpu, NetworkSpec.Conv(t: 2), seed: 1);
        var conv = ChipTargeting.Plan(convNet, ChipConstraints.From(chips.Single(c => c.Name == "ConvSmall"))).Prune!;
        Assert.Equal([676L, 121L], conv.NeuronsPerUnit);
        Assert.Equal(14698, conv.Neurons([16, 32]));
        Assert.True(conv.Fits([10, 8]));   // 6,760 + 968 + 10
        Assert.False(conv.Fits([11, 8]));  // 7,436 + 968 + 10
    }

    [Fact]
    public void AChipTooSmallInAnyWayIsRefusedWithTheNumbers()
    {
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 32), seed: 1);
        ChipConstraints Tiny(int cores, int neuronsPerCore) => ChipConstraints.From(ChipCatalog.Parse([("t.json", $$"""
            { "chips": [ { "name": "Tiny", "coresPerChip": { "value": {{cores}}, "source": "t" }, "neuronsPerCore": { "value": {{neuronsPerCore}}, "source": "t" },
              "weightBits": { "value": 8, "source": "t" } } ] }
            """)]).Single(c => c.Name == "Tiny"));
        Assert.Equal("2 weighted layers need at least 2 cores (layers never share a core); Tiny has 1", Assert.Single(ChipTargeting.Plan(net, Tiny(1, 100)).Impossible));
        // Pruned to one hidden neuron the MLP still has 1 + 10 neurons; 2 cores × 5 = 10 neurons per chip.
        Assert.Equal("even pruned to one channel per hidden layer the network has 11 neurons; Tiny has 10 per chip", Assert.Single(ChipTargeting.Plan(net, Tiny(2, 5)).Impossible));
        // 2 cores of 6: the 10 outputs alone need 2 cores, the one hidden neuron a third (layers never share a core).
        Assert.Equal("even pruned to one channel per hidden layer the layers need 3 cores of 6 neurons (fc1 1 neurons → 1, fc2 10 neurons → 2; layers never share a core); Tiny has 2",
            Assert.Single(ChipTargeting.Plan(net, Tiny(2, 6)).Impossible));
        Assert.Empty(ChipTargeting.Plan(net, Tiny(2, 10)).Impossible);
    }

    [Fact]
    public void DeployRefusesASingleChipBeforeLoadingDataOrTraining()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"spikefit-deploy-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(dir);
            string warm = Path.Combine(dir, "fp32.sfck");
            using (var cpu = new CpuBackend())
            using (var net = ModelZoo.Build(cpu, NetworkSpec.Conv(t: 2), 1))
                Checkpoint.Save(warm, net, new TrainOptions(), 1, 0, new List<EpochReport>());
            string outDir = Path.Combine(dir, "out");
            // --data names no folder: a refusal must not need the data.
            int rc = DeployCommand.Create().Parse(["deploy", "--chip", "dynap-se", "--warm-start", warm, "--out", outDir, "--data", Path.Combine(dir, "no-data")]).Invoke();
            Assert.Equal(3, rc); // ExitCodes.Refused
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "dynap-se", "deploy.json")));
            Assert.Equal("refused: cannot fit", doc.RootElement.GetProperty("status").GetString());
            Assert.Contains("the layers need 5 cores of 256 neurons", doc.RootElement.GetProperty("firstViolation").GetString());
            Assert.False(File.Exists(Path.Combine(outDir, "dynap-se", "checkpoint.sfck")));

            var e = Assert.Throws<ArgumentException>(() => DeployCommand.Create().Parse(["deploy", "--chip", "nochip", "--warm-start", warm]).Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));
            Assert.Contains("--chip nochip is not in the catalogue", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
