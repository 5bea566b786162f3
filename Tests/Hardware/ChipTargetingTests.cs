using System.Text.Json;
using SpikeFit.Experiments.Commands;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
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
    public void TheConvNetIsRefusedWhereItNeedsPerCoreBudgetsOrAxonTypes()
    {
        var conv = NetworkSpec.Conv(t: 2);
        var tn = PlanFor("TrueNorth", conv);
        Assert.True(tn.Refused);
        Assert.Empty(tn.Impossible);
        Assert.Equal(2, tn.Unsupported.Count);
        Assert.Matches(@"^layer fc\w* reads \d+ inputs per neuron; TrueNorth has 256 input axons per core, so those layers need a per-core input budget \(A = 256 on cores of 256\), " +
                       "which this build trains only for the mlp: the conv net's conv rows are channels shared by every position, not neurons of one core$", tn.Unsupported[0]);
        Assert.Equal("TrueNorth's 4 axon types are shared by the neurons of a core (W[i, j] = c_i[type(j)]); this build trains that layout only for the mlp: " +
                     "the conv net's conv rows are channels shared by every position (2 conv layers)", tn.Unsupported[1]);
        Assert.Contains("per-core input budget", Assert.Single(PlanFor("Tianjic", conv).Unsupported));
        // A fan-in mask and a per-layer codebook (every core then holds ≤ 4 values) are trainable on the conv net.
        var dynap = PlanFor("DYNAP-SE", conv);
        Assert.Empty(dynap.Unsupported);
        Assert.Equal(new CodebookSpec(4, 4), dynap.Value);
        Assert.Equal(64, dynap.FanIn);
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
            using (var net = ModelZoo.Build(cpu, NetworkSpec.Conv(t: 2), 1))
                Checkpoint.Save(warm, net, new TrainOptions(), 1, 0, new List<EpochReport>());
            string outDir = Path.Combine(dir, "out");
            // --data names no folder: a refusal must not need the data.
            int rc = DeployCommand.Create().Parse(["deploy", "--chip", "tianjic", "--warm-start", warm, "--out", outDir, "--data", Path.Combine(dir, "no-data")]).Invoke();
            Assert.Equal(3, rc); // ExitCodes.Refused
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "tianjic", "deploy.json")));
            Assert.Equal("refused: needs what this build cannot train for this network", doc.RootElement.GetProperty("status").GetString());
            Assert.Contains("Tianjic has 256 input axons per core, so those layers need a per-core input budget", doc.RootElement.GetProperty("firstViolation").GetString());
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
