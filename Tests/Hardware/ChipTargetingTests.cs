using System.Text.Json;
using SpikeFit.Experiments.Commands;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
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
    public void TheCodebookFollowsTheChipsBitsAndValues()
    {
        var tn = PlanFor("TrueNorth");
        Assert.Equal(new CodebookSpec(4, 8, PerNeuron: true), tn.Codebook); // 9 bits → the 8-bit grid; 4 values per neuron
        Assert.Empty(tn.Impossible);
        // A dense 784-input layer needs fan-in masks, which this build does not train: refused before training.
        Assert.Equal("layer fc1 reads 784 inputs per neuron; TrueNorth takes at most 256 (input axons per core), which needs fan-in masks (issue 12 item 2), not in this build",
            Assert.Single(tn.Unsupported));
        Assert.True(tn.Refused);

        var loihi = PlanFor("Loihi");
        Assert.Equal(new CodebookSpec(16, 8), loihi.Codebook);
        Assert.False(loihi.Refused);
        Assert.Equal(new CodebookSpec(16, 4), PlanFor("Akida AKD1000").Codebook); // the tighter of 4 (hidden) and 8 (input) bits
        Assert.Equal(new CodebookSpec(16, 16), PlanFor("SpiNNaker").Codebook);

        var dynap = PlanFor("DYNAP-SE");
        Assert.Equal(new CodebookSpec(4, 4), dynap.Codebook); // 4 per core: a per-layer codebook; bits unknown → 4, said in the budgets
        Assert.Contains("weight bits: not in DYNAP-SE's profile; CAT on a 4-bit grid (not checked against the chip)", dynap.Budgets);
        Assert.Contains(dynap.Unsupported, u => u.StartsWith("layer fc1 reads 784 inputs per neuron; DYNAP-SE takes at most 64 (input synapses per neuron)"));
        Assert.DoesNotContain(dynap.Unsupported, u => u.Contains("fc2")); // 32 inputs ≤ 64
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
        Assert.Empty(ChipTargeting.Plan(net, Tiny(2, 6)).Impossible);
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
            using (var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 32), 1))
                Checkpoint.Save(warm, net, new TrainOptions(), 1, 0, new List<EpochReport>());
            string outDir = Path.Combine(dir, "out");
            // --data names no folder: a refusal must not need the data.
            int rc = DeployCommand.Create().Parse(["deploy", "--chip", "tianjic", "--warm-start", warm, "--out", outDir, "--data", Path.Combine(dir, "no-data")]).Invoke();
            Assert.Equal(3, rc); // ExitCodes.Refused
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "tianjic", "deploy.json")));
            Assert.Equal("refused: needs what this build cannot train", doc.RootElement.GetProperty("status").GetString());
            Assert.Contains("784 inputs per neuron; Tianjic takes at most 256", doc.RootElement.GetProperty("firstViolation").GetString());
            Assert.False(File.Exists(Path.Combine(outDir, "tianjic", "checkpoint.sfck")));

            var e = Assert.Throws<ArgumentException>(() => DeployCommand.Create().Parse(["deploy", "--chip", "nochip", "--warm-start", warm]).Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));
            Assert.Contains("--chip nochip is not in the catalogue", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
