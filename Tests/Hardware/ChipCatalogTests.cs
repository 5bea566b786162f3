using SpikeFit.Training.Hardware;

namespace SpikeFit.Tests.Hardware;

public class ChipCatalogTests
{
    private static IReadOnlyList<ChipProfile> WithUser(string json) =>
        ChipCatalog.Parse([("chips.json (built-in)", ChipCatalog.BuiltInJson()), ("user.json", json)]);

    [Fact]
    public void BuiltInChipsLoadAndEveryFigureHasASource()
    {
        var chips = ChipCatalog.Load();
        Assert.Equal(["TrueNorth", "Loihi", "Loihi 2", "SpiNNaker", "Akida AKD1000", "DYNAP-SE", "Tianjic"], chips.Select(c => c.Name));
        foreach (var c in chips)
            foreach (var (field, fig) in c.Figures())
                Assert.False(string.IsNullOrWhiteSpace(fig.Source), $"{c.Name}.{field} has no source");
        var tn = chips[0];
        Assert.Equal(4096, tn.CoresPerChip.Value);
        Assert.Equal(256, tn.NeuronsPerCore.Value);
        Assert.Equal(256, tn.AxonsPerCore!.Value);
        Assert.Equal(4, tn.DistinctValues!.Value);
        Assert.Equal("neuron", tn.DistinctScope);
        var dynap = chips.Single(c => c.Name == "DYNAP-SE");
        Assert.Equal(64, dynap.FanInPerNeuron!.Value);
        Assert.Equal("core", dynap.DistinctScope);
        Assert.True(chips.Single(c => c.Name == "Akida AKD1000").WeightBits!.Uncertain);
    }

    [Fact]
    public void UserFileReplacesOnlyTheFieldsItGivesAndAddsChips()
    {
        var chips = WithUser("""
            { "chips": [
              { "name": "truenorth", "axonsPerCore": { "value": 512, "source": "hypothetical" } },
              { "name": "MyChip", "coresPerChip": { "value": 2, "source": "me" }, "neuronsPerCore": { "value": 10, "source": "me" } }
            ] }
            """);
        var tn = chips.Single(c => c.Name == "TrueNorth");
        Assert.Equal(512, tn.AxonsPerCore!.Value);
        Assert.Equal("hypothetical", tn.AxonsPerCore.Source);
        Assert.Equal(256, tn.NeuronsPerCore.Value);     // kept
        Assert.Equal(8, chips.Count);
        // With 512 axons the 300-input net now maps: fan-in 300 → min(256, 65536/300 = 218) = 218 per core.
        var r = FitChecker.Check(HardwareNets.Mlp(300, 100), tn);
        Assert.True(r.Fits, string.Join("; ", r.Violations));
        Assert.Equal(2, r.CoresNeeded);
        var mine = FitChecker.Check(new ModelSummary("m", 4, [HardwareNets.Dense("fc1", 5, 30, 2, 2, 8, false)]), chips.Single(c => c.Name == "MyChip"));
        Assert.Equal(3, mine.CoresNeeded);
        Assert.Equal(2, mine.ChipsNeeded);
        Assert.False(mine.Fits);
    }

    [Theory]
    [InlineData("""{ "chips": [ { "name": "X", "coresPerChip": { "value": "many", "source": "s" } } ] }""", "coresPerChip.value")]
    [InlineData("""{ "chips": [ { "name": "X", "coresPerChip": { "value": 4 } } ] }""", "coresPerChip.source")]
    [InlineData("""{ "chips": [ { "name": "X", "neuronPerCore": { "value": 4, "source": "s" } } ] }""", "neuronPerCore")]
    [InlineData("""{ "chips": [ { "name": "X", "coresPerChip": { "value": 4, "source": "s" } } ] }""", "neuronsPerCore")]
    [InlineData("""{ "chips": [ { "name": "TrueNorth", "distinctScope": "chip" } ] }""", "distinctScope")]
    [InlineData("""{ "chip": [] }""", "chips")]
    [InlineData("""{ "chips": [ { "name": "X", """, "not valid JSON")]
    public void MalformedFilesNameTheFileAndField(string json, string field)
    {
        var e = Assert.Throws<InvalidOperationException>(() => WithUser(json));
        Assert.Contains("user.json", e.Message);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void MissingUserFileIsRefusedAsNotFound() =>
        Assert.Throws<FileNotFoundException>(() => ChipCatalog.Load(Path.Combine(Path.GetTempPath(), "no-such-chips-file.json")));
}
