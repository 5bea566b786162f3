using SpikeFit.Training.Energy;
using SpikeFit.Training.Hardware;

namespace SpikeFit.Tests.Energy;

public class EnergyModelTests
{
    private static EnergyConstants WithUser(string json) =>
        EnergyConstants.Parse([("energy.json (built-in)", EnergyConstants.BuiltInJson()), ("user.json", json)]);

    /// <summary>4 analog inputs → 3 neurons (float weights) → 2 neurons (codebook of 2 values, one zero), T = 4.</summary>
    private static ModelSummary Tiny()
    {
        var fc1 = ModelSummary.FromWeights("fc1", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 3, 4, 4, CodebookScope.None, true, 0);
        var fc2 = ModelSummary.FromWeights("fc2", [0.5f, -0.5f, 0.5f, 0f, 0.5f, -0.5f], 2, 3, 4, CodebookScope.Layer, false, 0.5);
        return new ModelSummary("tiny", 4, [fc1, fc2]);
    }

    [Fact]
    public void BuiltInConstantsAreHorowitzSums()
    {
        var k = EnergyConstants.Load();
        Assert.Equal(3.7 + 0.9, k.MacPj, 12);
        Assert.Equal(0.9, k.AccumulatePj, 12);
        Assert.Equal(3.7 + 0.9 + 0.9, k.NeuronUpdateOpsPj, 12);
        Assert.Equal("32KB", k.WeightSram);
        Assert.Equal(20.0 / 64, k.BitPj, 12);
        Assert.Equal(32, k.NeuronStateBits);
        Assert.Equal(5.5 + 2 * 32 * 20.0 / 64, k.NeuronUpdatePj, 12);  // 25.5 pJ
        Assert.Equal(26, k.EnergyPerSop.Single(c => c.Chip == "TrueNorth").Pj);
        Assert.Equal(23.6, k.EnergyPerSop.Single(c => c.Chip == "Loihi").Pj);
    }

    [Fact]
    public void TinyNetEnergyMatchesTheHandComputation()
    {
        var r = EnergyModel.Estimate(Tiny(), EnergyConstants.Load());
        var (fc1, fc2) = (r.Layers[0], r.Layers[1]);
        // fc1 (analog, W·x once): 12 MACs × 4.6 = 55.2; reads 12 × 4 bits × 0.3125 = 15; neurons 4 × 3 × 25.5 = 306.
        Assert.Equal(12, fc1.Macs);
        Assert.Equal(0, fc1.Sops);
        Assert.Equal(55.2, fc1.ComputePj, 9);
        Assert.Equal(15, fc1.WeightReadPj, 9);
        Assert.Equal(306, fc1.NeuronPj, 9);
        // fc2: spikes in = 0.5 × 3 × 4 = 6, fan-out = 5 non-zero / 3 inputs → 10 SOPs; 10 × 0.9 = 9;
        // 2 values + zero → 2-bit indices: 10 × 2 × 0.3125 = 6.25; neurons 4 × 2 × 25.5 = 204.
        Assert.Equal(10, fc2.Sops, 9);
        Assert.Equal(9, fc2.ComputePj, 9);
        Assert.Equal(6.25, fc2.WeightReadPj, 9);
        Assert.Equal(204, fc2.NeuronPj, 9);
        Assert.Equal(376.2 + 219.25, r.TotalPj, 9);
        Assert.Equal(595.45e-6, r.TotalUj, 12);
        // Second estimate: 10 SOPs × chip pJ + the analog layer's 55.2 pJ of MACs.
        Assert.Equal(260 + 55.2, r.Chips.Single(c => c.Chip == "TrueNorth").TotalPj, 9);
        Assert.Equal(236 + 55.2, r.Chips.Single(c => c.Chip == "Loihi").TotalPj, 9);
    }

    [Fact]
    public void OverrideFileReplacesOnlyTheGivenEntries()
    {
        var k = WithUser("""
            { "choices": { "accumulate": { "ops": ["int8Add"] }, "weightSram": { "size": "8KB" } },
              "energyPerSop": { "TrueNorth": { "pj": 30, "source": "test" }, "MyChip": { "pj": 1, "source": "me" } } }
            """);
        Assert.Equal(0.03, k.AccumulatePj, 12);
        Assert.Equal(4.6, k.MacPj, 12);
        Assert.Equal(10.0 / 64, k.BitPj, 12);
        Assert.Equal(30, k.EnergyPerSop.Single(c => c.Chip == "TrueNorth").Pj);
        Assert.Equal(23.6, k.EnergyPerSop.Single(c => c.Chip == "Loihi").Pj);
        Assert.Equal(1, k.EnergyPerSop.Single(c => c.Chip == "MyChip").Pj);
        Assert.Contains("user.json", k.Sources);
        // The tiny net's fc2 with int8 accumulates: 10 SOPs × 0.03.
        Assert.Equal(0.3, EnergyModel.Estimate(Tiny(), k).Layers[1].ComputePj, 9);
    }

    [Theory]
    [InlineData("""{ "operations": { "int8Add": { "pj": "cheap" } } }""", "operations.int8Add.pj")]
    [InlineData("""{ "choices": { "mac": { "ops": ["fp64Mult"] } } }""", "choices.mac.ops[0]")]
    [InlineData("""{ "choices": { "weightSram": { "size": "2MB" } } }""", "choices.weightSram.size")]
    [InlineData("""{ "chioces": {} }""", "chioces")]
    [InlineData("""{ "operations": """, "not valid JSON")]
    public void MalformedFilesNameTheFileAndField(string json, string field)
    {
        var e = Assert.Throws<InvalidOperationException>(() => WithUser(json));
        Assert.Contains("user.json", e.Message);
        Assert.Contains(field, e.Message);
    }
}
