using SpikeFit.Training.Hardware;
using static SpikeFit.Tests.Hardware.HardwareNets;

namespace SpikeFit.Tests.Hardware;

public class ChipConstraintsTests
{
    [Fact]
    public void TrueNorthGivesEveryLimitWithNothingMissing()
    {
        var c = ChipConstraints.From(Chip("TrueNorth"));
        Assert.Equal(9, c.WeightBits);
        Assert.Equal(4, c.DistinctValues);
        Assert.Equal(ValueScope.Neuron, c.ValueScope);
        Assert.Equal(4, c.AxonTypes);
        Assert.Equal(256, c.InputsPerCore);
        Assert.Null(c.FanInPerNeuron);
        Assert.Equal(256, c.MaxFanIn); // a neuron's synapses sit on its core's 256 axons
        Assert.Equal(256, c.NeuronsPerCore);
        Assert.Equal(4096, c.CoresPerChip);
        Assert.Equal(1048576, c.NeuronsPerChip);
        Assert.Equal(65536, c.SynapsesPerCore);
        Assert.Equal(268435456, c.SynapsesPerChip);
        Assert.True(c.SpikeInputOnly);
        Assert.Empty(c.Warnings);
    }

    [Fact]
    public void DynapSeIsPerCoreValuesAndSixtyFourInputsPerNeuronWithItsGapsNamed()
    {
        var c = ChipConstraints.From(Chip("DYNAP-SE"));
        Assert.Equal(4, c.DistinctValues);
        Assert.Equal(ValueScope.Core, c.ValueScope);
        Assert.Equal("synapse types", c.ValuesWhat);
        Assert.Equal(64, c.FanInPerNeuron);
        Assert.Equal(64, c.MaxFanIn);
        Assert.Null(c.InputsPerCore);
        Assert.Null(c.AxonTypes);
        Assert.Equal(1024, c.NeuronsPerChip);
        Assert.Null(c.WeightBits);
        Assert.Contains("weightBits not in the profile: weight precision not checked", c.Warnings);
        Assert.Contains("axonsPerCore not in the profile: distinct inputs per core not checked", c.Warnings);
        Assert.Contains("synapsesPerCore and synapseMemoryBitsPerCore not in the profile: synapses per core not checked", c.Warnings);
        Assert.Contains("synapsesPerChip not in the profile: synapses per chip not checked", c.Warnings);
    }

    [Fact]
    public void ChipsLimitingOnlyBitsAllowTwoToTheBValuesAndDeriveWhatIsMissing()
    {
        var tianjic = ChipConstraints.From(Chip("Tianjic"));
        Assert.Equal(256, tianjic.DistinctValues); // 8-bit weights: 2^8 values, no finer scope
        Assert.Equal(ValueScope.None, tianjic.ValueScope);
        Assert.Equal(256, tianjic.InputsPerCore);
        Assert.Equal(10_000_000, tianjic.SynapsesPerChip);
        Assert.Contains("axonsPerCore = 256 is uncertain (Pei et al., Nature 572:106 (2019), FCore crossbar)", tianjic.Warnings);
        Assert.Contains(tianjic.Warnings, w => w.StartsWith("neuronsPerCore = 256 is uncertain"));

        var spinnaker = ChipConstraints.From(Chip("SpiNNaker"));
        Assert.Equal(16 * 1000, spinnaker.NeuronsPerChip);
        Assert.Contains("neuronsPerChip not in the profile: derived as coresPerChip × neuronsPerCore = 16000", spinnaker.Warnings);
        Assert.Contains("fanInPerNeuron not in the profile and no axonsPerCore: fan-in per neuron not checked", spinnaker.Warnings);
        Assert.Null(spinnaker.MaxFanIn);

        var loihi = ChipConstraints.From(Chip("Loihi"));
        Assert.Equal(1048576, loihi.SynapseMemoryBitsPerCore);
        Assert.Contains("synapsesPerCore not in the profile: synapses per core bounded by synaptic memory only (synapses × weight bits)", loihi.Warnings);

        var akida = ChipConstraints.From(Chip("Akida AKD1000"));
        Assert.Equal(8, akida.BitsFor(analogInput: true));
        Assert.Equal(4, akida.BitsFor(analogInput: false));
    }

    [Fact]
    public void EveryCatalogueChipNamesEachLimitItLacksAndEachUncertainFigure()
    {
        foreach (var profile in ChipCatalog.Load())
        {
            var c = ChipConstraints.From(profile);
            string all = string.Join("\n", c.Warnings);
            if (c.WeightBits is null) Assert.Contains("weightBits not in the profile", all);
            if (c.InputsPerCore is null) Assert.Contains("axonsPerCore not in the profile", all);
            if (c.SynapsesPerCore is null) Assert.Contains("synapsesPerCore", all);
            if (c.SynapsesPerChip is null) Assert.Contains("synapsesPerChip not in the profile", all);
            if (profile.NeuronsPerChip is null) Assert.Contains("neuronsPerChip not in the profile: derived", all);
            if (c.DistinctValues is null) Assert.Contains("distinct weight values not checked", all);
            foreach (var (field, figure) in profile.Figures().Where(f => f.Figure.Uncertain))
                Assert.Contains($"{field} = {figure.Value:G} is uncertain", all);
        }
    }

    [Fact]
    public void AUserChipWithOnlyCoresAndNeuronsIsNotSilentlyUnlimited()
    {
        var chip = ChipCatalog.Parse([("user.json", """
            { "chips": [ { "name": "Bare", "coresPerChip": { "value": 2, "source": "me" }, "neuronsPerCore": { "value": 10, "source": "me" } } ] }
            """)]).Single(c => c.Name == "Bare");
        var c = ChipConstraints.From(chip);
        // bits, values, axons, fan-in, neurons per chip (derived), synapses per core, synapses per chip
        Assert.Equal(7, c.Warnings.Count);
        Assert.Equal(20, c.NeuronsPerChip);
        Assert.Null(c.DistinctValues);
    }
}
