using SpikeFit.Training.Hardware;
using static SpikeFit.Tests.Hardware.HardwareNets;

namespace SpikeFit.Tests.Hardware;

public class FitCheckerTests
{
    [Fact]
    public void FanInOverTrueNorthAxonsFailsAndNamesTheLayer()
    {
        var r = FitChecker.Check(Mlp(300, 100), Chip("TrueNorth"));
        Assert.False(r.Fits);
        // Dense weights: every neuron reads 300 inputs, more than one core's 256 axons, so no core can hold any of them.
        var v = Assert.Single(r.Violations);
        Assert.Equal("layer fc1: 100 of 100 neurons cannot sit on any TrueNorth core (neuron 0: fan-in 300; 300 inputs > 256 input axons per core)", v);
        Assert.Equal("refused", r.Layers[0].Placement);
        Assert.Equal(0, r.ChipsNeeded);
        Assert.Contains(r.Notes, n => n.Contains("fc1") && n.Contains("spikes only"));
    }

    [Fact]
    public void FourValuesPerNeuronFitTrueNorthWithHandCountedCores()
    {
        // fc1: 250 neurons, fan-in 200 → min(256, 65536/200 = 327) = 256 per core → 1 core.
        // fc2: 10 neurons, fan-in 250 → min(256, 262) = 256 per core → 1 core. Layer has 8 values, each neuron 4.
        var model = Mlp(200, 250, perNeuron: 4, layerValues: 8);
        Assert.Equal(8, model.Layers[0].DistinctValues);
        Assert.Equal(4, model.Layers[0].MaxDistinctPerNeuron);
        var r = FitChecker.Check(model, Chip("TrueNorth"));
        Assert.True(r.Fits, string.Join("; ", r.Violations));
        Assert.Empty(r.Violations);
        Assert.Equal(2, r.CoresNeeded);
        Assert.Equal(1, r.ChipsNeeded);
        Assert.Equal([1L, 1L], r.Layers.Select(l => l.Cores));

        // One layer of 600 neurons: ceil(600 / 256) = 3 cores.
        var wide = new ModelSummary("wide", 8, [Dense("fc1", 200, 600, 4, 4, 8, analog: true)]);
        Assert.Equal(3, FitChecker.Check(wide, Chip("TrueNorth")).CoresNeeded);
    }

    [Fact]
    public void SixteenValuesFailTrueNorthPerNeuronAndDynapSePerCore()
    {
        var tn = FitChecker.Check(Mlp(200, 100, perNeuron: 16, layerValues: 16), Chip("TrueNorth"));
        Assert.False(tn.Fits);
        // The per-neuron count rules out any axon typing, so the per-core typing lines are not repeated.
        Assert.Equal(["layer fc1: 100 of 100 neurons have more than 4 distinct weight values (up to 16); TrueNorth allows 4 per neuron (axon types)",
                      "layer fc2: 10 of 10 neurons have more than 4 distinct weight values (up to 16); TrueNorth allows 4 per neuron (axon types)"],
            tn.Violations);
        Assert.All(tn.Layers.SelectMany(l => l.CoreTable), c => Assert.Equal("none", c.Typing));

        // DYNAP-SE: fan-in 60 ≤ 64, but each neuron alone holds 16 values and a core only 4 synapse types.
        var small = new ModelSummary("s", 8, [Dense("fc1", 60, 300, 16, 16, 8, analog: false)]);
        var dy = FitChecker.Check(small, Chip("DYNAP-SE"));
        Assert.False(dy.Fits);
        Assert.Equal("layer fc1: 300 of 300 neurons cannot sit on any DYNAP-SE core (neuron 0: fan-in 60; 16 distinct weight values > 4 per core)",
            Assert.Single(dy.Violations));

        var four = new ModelSummary("s", 8, [Dense("fc1", 60, 300, 4, 4, 8, analog: false)]);
        var ok = FitChecker.Check(four, Chip("DYNAP-SE"));
        Assert.True(ok.Fits, string.Join("; ", ok.Violations));
        Assert.Equal(2, ok.CoresNeeded);
    }

    [Fact]
    public void DynapSePerCoreScopeGroupsNeuronsSharingTheirValues()
    {
        // Each neuron uses 4 values but the layer 8: fine for TrueNorth's per-neuron types. On DYNAP-SE
        // (4 values per core) the mapper groups neurons with the same 4 values (neuron o uses
        // {1 + (o + k) % 8}, k < 4: 8 classes, o mod 8), one class per core: 8 cores > 4 per chip.
        // (The count-only checker refused this layer outright for its 8 values in the layer.)
        var model = new ModelSummary("s", 8, [Dense("fc1", 60, 100, 4, 8, 8, analog: false)]);
        var dy = FitChecker.Check(model, Chip("DYNAP-SE"));
        Assert.Equal(8, dy.CoresNeeded);
        Assert.All(dy.Layers[0].CoreTable, c => Assert.Equal(4, c.DistinctValues));
        Assert.Equal([13, 13, 13, 13, 12, 12, 12, 12], dy.Layers[0].CoreTable.Select(c => c.Neurons));
        Assert.Equal("needs 2 chips (8 cores > 4 per chip)", Assert.Single(dy.Violations));
        Assert.True(FitChecker.Check(model, Chip("TrueNorth")).Fits);
    }

    [Fact]
    public void WeightBitsOverTheChipsAreViolations()
    {
        var model = Mlp(200, 100, bits: 8);
        var akida = FitChecker.Check(model, Chip("Akida AKD1000"));
        // The input layer may use 8 bits on Akida; hidden layers at most 4.
        Assert.Equal("layer fc2: weights need 8 bits; Akida AKD1000 supports at most 4 in hidden layers", Assert.Single(akida.Violations));

        var tn = FitChecker.Check(Mlp(200, 100, bits: 16), Chip("TrueNorth"));
        Assert.Contains("layer fc1: weights need 16 bits; TrueNorth supports at most 9", tn.Violations);
        Assert.Contains("layer fc2: weights need 16 bits; TrueNorth supports at most 9", tn.Violations);
        Assert.True(FitChecker.Check(Mlp(200, 100, bits: 16), Chip("SpiNNaker")).Fits);
    }

    [Fact]
    public void TooManyNeuronsForOneChipNeedsTwoChips()
    {
        // 4097 × 256 neurons of fan-in 200: 4097 cores > 4096 and 1,048,832 neurons > 1,048,576 → 2 chips.
        int neurons = 4097 * 256;
        var layer = new LayerSummary("fc1", LayerKind.Dense, 200, 200, neurons, (long)neurons * 200, (long)neurons * 200,
            (long)neurons * 200, 8, 4, 4, CodebookScope.Layer, false, 0.1);
        var r = FitChecker.Check(new ModelSummary("big", 8, [layer]), Chip("TrueNorth"));
        Assert.False(r.Fits);
        Assert.Equal(4097, r.CoresNeeded);
        Assert.Equal(2, r.ChipsNeeded);
        var v = Assert.Single(r.Violations);
        Assert.StartsWith("needs 2 chips (4097 cores > 4096 per chip; 1048832 neurons > 1048576 per chip", v);
    }

    [Fact]
    public void SynapticMemoryLimitsNeuronsPerLoihiCore()
    {
        // Loihi: 1,048,576 bits per core / (4000 fan-in × 8 bits) = 32 neurons per core → 100 neurons need 4 cores.
        var model = new ModelSummary("m", 8, [Dense("fc1", 4000, 100, 4, 4, 8, analog: false)]);
        var r = FitChecker.Check(model, Chip("Loihi"));
        Assert.True(r.Fits, string.Join("; ", r.Violations));
        Assert.Equal(32, r.Layers[0].NeuronsPerCore);
        Assert.Equal(4, r.CoresNeeded);
    }

    [Fact]
    public void ConvLayerCountsConnectionsAndMapsEveryPosition()
    {
        // 2 channels × 3×3 kernel on 1 input channel, 4 output positions: 8 neurons of fan-in 9.
        var w = HardwareNets.Weights(2, 9, 2, 3);
        w[0] = 0; // one zero in the kernel → 4 positions lose one connection each
        var l = ModelSummary.FromWeights("conv1", w, 2, 9, 4, CodebookScope.Layer, true, 0, LayerKind.Conv, positions: 4, inputs: 16);
        Assert.Equal(8, l.Neurons);
        Assert.Equal(72, l.Synapses);
        Assert.Equal(68, l.NonZeroSynapses);
        Assert.Equal(18, l.Parameters);
        var r = FitChecker.Check(new ModelSummary("c", 4, [l]), Chip("TrueNorth"));
        Assert.Equal(1, r.CoresNeeded);
    }
}
