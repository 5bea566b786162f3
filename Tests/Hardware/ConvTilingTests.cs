using SpikeFit.Training.Hardware;

namespace SpikeFit.Tests.Hardware;

/// <summary>
/// The conv mapper (<see cref="ConvTiling"/> through <see cref="CoreMapper"/>) on a hand-built layer:
/// a 6×6 single-channel input, 3×3 kernel, no padding, 2 output channels → 4×4 positions × 2 channels =
/// 32 neurons. A tile of 2×2 positions reads a 4×4 window: 16 inputs, unless a masked tap removes a pixel.
/// </summary>
public class ConvTilingTests
{
    private static ChipProfile Custom(int neuronsPerCore, int? axons, int? axonTypes = null)
    {
        string F(string field, int? v) => v is int x ? $", \"{field}\": {{ \"value\": {x}, \"source\": \"test\" }}" : "";
        string json = $$"""
            { "chips": [ { "name": "Grid", "distinctScope": "neuron", "weightBits": { "value": 8, "source": "test" }
              {{F("coresPerChip", 100)}}{{F("neuronsPerCore", neuronsPerCore)}}{{F("axonsPerCore", axons)}}{{F("axonTypes", axonTypes)}} } ] }
            """;
        return ChipCatalog.Parse([("test.json", json)]).Single(c => c.Name == "Grid");
    }

    /// <summary>Weights [2 channels, 3×3 taps, 1 input channel]: channel o, tap t has 1 + t + 10·o (all distinct, never zero), with the listed taps zeroed (masked) in every channel.</summary>
    private static float[] Kernel(params int[] maskedTaps)
    {
        var w = new float[2 * 9];
        for (int o = 0; o < 2; o++)
            for (int t = 0; t < 9; t++) w[o * 9 + t] = maskedTaps.Contains(t) ? 0f : 1 + t + 10 * o;
        return w;
    }

    private static LayerSummary Layer(float[] w) =>
        ModelSummary.FromWeights("conv", w, 2, 9, 8, CodebookScope.None, false, 0.1, LayerKind.Conv, positions: 16, inputs: 36)
            with { Connectivity = LayerConnectivity.Conv(w, 2, 3, 0, 6, 6, 1) };

    private static (LayerMapping Mapping, bool Mapped, List<string> Violations) Map(float[] w, ChipProfile chip)
    {
        var (m, mapped, v, _) = CoreMapper.Map(Layer(w), ChipConstraints.From(chip));
        return (m, mapped, v);
    }

    [Fact]
    public void A_tile_at_the_axon_limit_fits_and_one_tap_over_it_takes_smaller_tiles()
    {
        // 16 axons: 2×2 positions × both channels (8 neurons) read exactly the 4×4 window.
        var (exact, mapped, violations) = Map(Kernel(), Custom(neuronsPerCore: 8, axons: 16));
        Assert.True(mapped);
        Assert.Empty(violations);
        Assert.Equal("tiles of 2×2 positions × 2 channels", exact.Placement);
        Assert.Equal(4, exact.Cores);
        Assert.All(exact.CoreTable, c => Assert.Equal((8, 16, 72L), (c.Neurons, c.DistinctInputs, c.Synapses)));

        // 15 axons with tap (0, 0) masked: the window's top-left pixel is read only through that tap, so each core reads 15.
        var (masked, _, maskedViolations) = Map(Kernel(0), Custom(neuronsPerCore: 8, axons: 15));
        Assert.Empty(maskedViolations);
        Assert.Equal(4, masked.Cores);
        Assert.All(masked.CoreTable, c => Assert.Equal((8, 15, 64L), (c.Neurons, c.DistinctInputs, c.Synapses)));

        // The same 15 axons with that tap present: one input over on every 2×2 tile, so 2×1 tiles (4×3 = 12 inputs), 8 cores.
        var (over, _, overViolations) = Map(Kernel(), Custom(neuronsPerCore: 8, axons: 15));
        Assert.Empty(overViolations);
        Assert.Equal("tiles of 2×1 positions × 2 channels", over.Placement);
        Assert.Equal(8, over.Cores);
        Assert.All(over.CoreTable, c => Assert.Equal(12, c.DistinctInputs));
        // Every neuron placed exactly once.
        Assert.Equal(32, over.CoreTable.Sum(c => c.Neurons));
        Assert.Equal(Enumerable.Range(0, 8), over.CoreOfNeuron!.Distinct().Order());
    }

    [Fact]
    public void A_conv_neuron_over_the_axons_of_a_core_is_refused_with_its_fan_in()
    {
        var (m, mapped, violations) = Map(Kernel(), Custom(neuronsPerCore: 8, axons: 8));
        Assert.False(mapped);
        Assert.Equal("refused", m.Placement);
        Assert.Equal("layer conv: 32 of 32 neurons cannot sit on any Grid core (neuron 0: fan-in 9; 9 inputs > 8 input axons per core)", Assert.Single(violations));
        // One masked tap per channel brings every neuron to 8 inputs: one position per core then fits.
        var (fits, ok, none) = Map(Kernel(4), Custom(neuronsPerCore: 8, axons: 8));
        Assert.True(ok);
        Assert.Empty(none);
        Assert.All(fits.CoreTable, c => Assert.InRange(c.DistinctInputs, 1, 8));
    }

    [Fact]
    public void Axon_types_place_one_position_per_core_and_split_channels_whose_type_maps_differ()
    {
        // W[o, tap] = c_o[type(tap)] with one type map for both channels: one position × 2 channels per core.
        int[] type = [0, 1, 2, 3, 0, 1, 2, 3, 0];
        var shared = new float[18];
        for (int o = 0; o < 2; o++)
            for (int t = 0; t < 9; t++) shared[o * 9 + t] = 1 + type[t] + 10 * o;
        var (m, _, violations) = Map(shared, Custom(neuronsPerCore: 256, axons: 256, axonTypes: 4));
        Assert.Empty(violations);
        Assert.Equal("tiles of 1×1 positions × 2 channels", m.Placement);
        Assert.Equal(16, m.Cores);
        Assert.All(m.CoreTable, c => Assert.Equal("4 types", c.Typing));

        // Channel 1 with another type map: 4 values each, but the pairs (type₀, type₁) take 9 combinations
        // over the 9 taps, more than 4 types, so the channels go to separate cores.
        int[] other = [0, 0, 0, 1, 1, 1, 2, 2, 3];
        var split = new float[18];
        for (int t = 0; t < 9; t++)
        {
            split[t] = 1 + type[t];
            split[9 + t] = 11 + other[t];
        }
        var (s, _, splitViolations) = Map(split, Custom(neuronsPerCore: 256, axons: 256, axonTypes: 4));
        Assert.Empty(splitViolations);
        Assert.Equal("tiles of 1×1 positions × 1 channels", s.Placement);
        Assert.Equal(32, s.Cores);
    }

    [Fact]
    public void Candidates_come_fewest_cores_first_and_keep_the_neuron_limit()
    {
        var g = new ConvGeometry(4, 4, 2, 3, 0, 6, 6, 1);
        var all = ConvTiling.Candidates(g, 8, onePosition: false).ToList();
        Assert.All(all, t => Assert.InRange(t.Neurons, 1, 8));
        Assert.Equal(all.Select(t => ConvTiling.Cores(g, t)).Order(), all.Select(t => ConvTiling.Cores(g, t)));
        Assert.All(ConvTiling.Candidates(g, 8, onePosition: true), t => Assert.Equal((1, 1), (t.Height, t.Width)));
        // Cores numbered tile row, tile column, channel group; each neuron once.
        var coreOf = ConvTiling.Assign(g, new ConvTile(2, 2, 1));
        Assert.Equal(0, coreOf[g.Neuron(0, 0, 0)]);
        Assert.Equal(1, coreOf[g.Neuron(1, 1, 1)]);
        Assert.Equal(2, coreOf[g.Neuron(0, 2, 0)]);
        Assert.Equal(7, coreOf[g.Neuron(3, 3, 1)]);
    }
}
