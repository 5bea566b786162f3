using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using static SpikeFit.Tests.Hardware.HardwareNets;

namespace SpikeFit.Tests.Hardware;

/// <summary>The core mapper on hand-built layers whose placement and per-core counts are worked out by hand.</summary>
public class CoreMapperTests
{
    /// <summary>A chip with only the given limits (weights up to 8 bits).</summary>
    private static ChipProfile Custom(string name, int cores, int neuronsPerCore, int? axons = null, int? synapsesPerCore = null,
        int? values = null, string scope = "neuron", int? axonTypes = null)
    {
        string F(string field, int? v) => v is int x ? $", \"{field}\": {{ \"value\": {x}, \"source\": \"test\" }}" : "";
        string json = $$"""
            { "chips": [ { "name": "{{name}}", "distinctScope": "{{scope}}", "weightBits": { "value": 8, "source": "test" }
              {{F("coresPerChip", cores)}}{{F("neuronsPerCore", neuronsPerCore)}}{{F("axonsPerCore", axons)}}
              {{F("synapsesPerCore", synapsesPerCore)}}{{F("distinctValues", values)}}{{F("axonTypes", axonTypes)}} } ] }
            """;
        return ChipCatalog.Parse([("test.json", json)]).Single(c => c.Name == name);
    }

    /// <summary>A dense layer from rows of (input, weight) pairs over <paramref name="inputs"/> inputs; every other weight is zero.</summary>
    private static LayerSummary Sparse(string name, int inputs, params (int Input, float W)[][] rows)
    {
        var w = new float[rows.Length * inputs];
        for (int o = 0; o < rows.Length; o++)
            foreach (var (i, v) in rows[o]) w[o * inputs + i] = v;
        return ModelSummary.FromWeights(name, w, rows.Length, inputs, 8, CodebookScope.Layer, false, 0.1);
    }

    private static ModelSummary One(LayerSummary l) => new("m", 4, [l]);

    [Fact]
    public void DistinctInputsSynapsesAndValuesPerCoreAreCountedFromTheNonZeroWeights()
    {
        // 8 inputs but each neuron reads 2-3 of them (the rest are zero, -0 included): the nominal fan-in 8
        // exceeds the 4 axons per core, the real inputs do not.
        var layer = Sparse("fc", 8,
            [(0, 1f), (1, 2f), (3, 0f), (7, -0f)],
            [(1, 2f), (2, 3f)],
            [(4, 1f), (5, 1f)],
            [(5, 2f), (6, 3f), (7, 4f)]);
        var r = FitChecker.Check(One(layer), Custom("Tiny", cores: 4, neuronsPerCore: 2, axons: 4));
        Assert.True(r.Fits, string.Join("; ", r.Violations));
        var m = Assert.Single(r.Layers);
        Assert.Equal("greedy", m.Placement);
        // Core 0: neuron 0 then neuron 1 (one new input, 2) → inputs {0, 1, 2}, 4 synapses, values {1, 2, 3}.
        // Core 1: neurons 2 and 3 → inputs {4, 5, 6, 7}, 5 synapses, values {1, 2, 3, 4}, neuron 3 alone has 3.
        Assert.Equal(
            [new CoreLoad(0, 2, 3, 4, 32, 3, 2, null), new CoreLoad(1, 2, 4, 5, 40, 4, 3, null)],
            m.CoreTable);
        Assert.Equal(2, r.CoresNeeded);
        Assert.Equal(1, r.ChipsNeeded);
    }

    [Fact]
    public void ALayerAtTheInputAndSynapseLimitsFitsAndOneMoreDoesNot()
    {
        var chip = Custom("Edge", cores: 1, neuronsPerCore: 4, axons: 6, synapsesPerCore: 12);
        (int, float)[] R(params int[] inputs) => inputs.Select(i => (i, 1f)).ToArray();
        // Exactly 6 distinct inputs and 12 synapses on one core.
        var exact = Sparse("fc", 10, R(0, 1, 2), R(1, 2, 3), R(3, 4, 5), R(0, 4, 5));
        var ok = FitChecker.Check(One(exact), chip);
        Assert.True(ok.Fits, string.Join("; ", ok.Violations));
        Assert.Equal(new CoreLoad(0, 4, 6, 12, 96, 1, 1, null), Assert.Single(ok.Layers[0].CoreTable));

        // One input more (neuron 3 reads input 6 instead of 5): 7 inputs on one core, so a second core is needed, and the chip has one.
        var overInput = Sparse("fc", 10, R(0, 1, 2), R(1, 2, 3), R(3, 4, 5), R(0, 4, 6));
        var r = FitChecker.Check(One(overInput), chip);
        Assert.False(r.Fits);
        Assert.Equal(2, r.CoresNeeded);
        Assert.Equal("needs 2 chips (2 cores > 1 per chip)", Assert.Single(r.Violations));
        // The same layer trained for one core (a partition putting all four neurons on core 0) is over its axons.
        var forced = FitChecker.Check(One(overInput with { Partition = new CorePartition([0, 0, 0, 0]) }), chip);
        Assert.Equal("partition", forced.Layers[0].Placement);
        Assert.Equal("layer fc: 1 of 1 cores exceed Edge's 6 input axons per core (distinct inputs) (core 0: 7)", Assert.Single(forced.Violations));

        // One synapse more (neuron 3 also reads input 3, already on the core): 13 synapses > 12.
        var overSynapse = Sparse("fc", 10, R(0, 1, 2), R(1, 2, 3), R(3, 4, 5), R(0, 3, 4, 5));
        Assert.Equal(2, FitChecker.Check(One(overSynapse), chip).CoresNeeded);
        var forcedSyn = FitChecker.Check(One(overSynapse with { Partition = new CorePartition([0, 0, 0, 0]) }), chip);
        // The chip's synapses are its one core's (derived, and named in the warnings), so the chip is over too.
        Assert.Equal(["layer fc: 1 of 1 cores exceed Edge's 12 synapses per core (core 0: 13)", "needs 2 chips (13 non-zero synapses > 12 per chip)"],
            forcedSyn.Violations);
        Assert.Contains("synapsesPerChip not in the profile: derived as coresPerChip × synapsesPerCore = 12", forcedSyn.Warnings);
    }

    [Fact]
    public void WithoutInputOrValueLimitsNeuronsArePackedInOrderUpToTheNeuronLimit()
    {
        // 5 neurons, 2 per core, no axon limit: cores [0, 0, 1, 1, 2], none over 2 neurons (the limit itself is allowed).
        var layer = Sparse("fc", 3, [(0, 1f)], [(1, 1f)], [(2, 1f)], [(0, 2f)], [(1, 2f)]);
        var r = FitChecker.Check(One(layer), Custom("Pairs", cores: 3, neuronsPerCore: 2));
        Assert.True(r.Fits, string.Join("; ", r.Violations));
        Assert.Equal([0, 0, 1, 1, 2], r.Layers[0].CoreOfNeuron!);
        Assert.Equal([2, 2, 1], r.Layers[0].CoreTable.Select(c => c.Neurons));
        Assert.False(FitChecker.Check(One(layer), Custom("Pairs", cores: 2, neuronsPerCore: 2)).Fits);
    }

    [Fact]
    public void PerCoreValuesAreCountedOverTheCoresNeuronsOnly()
    {
        // Two neurons with values {1, 2} and two with {3, 4}: a 2-value-per-core chip needs them grouped by values.
        var layer = Sparse("fc", 4, [(0, 1f), (1, 2f)], [(0, 3f), (1, 4f)], [(2, 1f), (3, 2f)], [(2, 4f), (3, 3f)]);
        var r = FitChecker.Check(One(layer), Custom("Pairs", cores: 2, neuronsPerCore: 2, values: 2, scope: "core"));
        Assert.True(r.Fits, string.Join("; ", r.Violations));
        Assert.Equal([0, 1, 0, 1], r.Layers[0].CoreOfNeuron!);
        Assert.All(r.Layers[0].CoreTable, c => Assert.Equal(2, c.DistinctValues));
        // In neuron order the cores would hold 4 values each.
        var inOrder = FitChecker.Check(One(layer with { Partition = CorePartition.Contiguous(4, 2) }), Custom("Pairs", 2, 2, values: 2, scope: "core"));
        Assert.Equal("layer fc: 2 of 2 cores exceed Pairs's 2 distinct weight values per core (distinct weight values) (core 0: 4, core 1: 4)",
            Assert.Single(inOrder.Violations));
    }

    [Fact]
    public void TrueNorthTypingIsFoundWhereColumnsDifferOnlyByAbsentSynapses()
    {
        // 3 neurons × 12 inputs, type(j) = j mod 4, neuron i's values c_i[t]; a mask removes some synapses,
        // so the columns are not identical (more than 4 distinct columns) but a 4-typing exists.
        float[][] c = [[1, 2, 3, 4], [-1, -2, 5, 6], [7, 1, -3, 2]];
        var rows = new (int, float)[3][];
        for (int i = 0; i < 3; i++)
            rows[i] = Enumerable.Range(0, 12).Where(j => (i + j) % 5 != 0).Select(j => (j, c[i][j % 4])).ToArray();
        var layer = Sparse("fc", 12, rows);
        var conn = layer.Connectivity!;
        int distinctColumns = Enumerable.Range(0, 12)
            .Select(j => string.Join(",", Enumerable.Range(0, 3).Select(i => rows[i].FirstOrDefault(e => e.Item1 == j).Item2))).Distinct().Count();
        Assert.True(distinctColumns > 4, $"{distinctColumns} distinct columns");

        var found = AxonTyping.Find(conn, [0, 1, 2], 4);
        Assert.True(found.Found, found.Reason);
        Assert.InRange(found.TypeOfInput!.Values.Max(), 0, 3);
        // The typing is valid: W[i, j] = c_i[type(j)] for one value per neuron and type.
        for (int i = 0; i < 3; i++)
            foreach (var g in rows[i].GroupBy(e => found.TypeOfInput[e.Item1]))
                Assert.Single(g.Select(e => e.Item2).Distinct());

        var r = FitChecker.Check(One(layer), Chip("TrueNorth"));
        Assert.True(r.Fits, string.Join("; ", r.Violations));
        Assert.EndsWith("types", r.Layers[0].CoreTable[0].Typing);
    }

    [Fact]
    public void TrueNorthTypingIsRefusedWithItsReason()
    {
        // Five columns that pairwise conflict (some neuron gives each pair two different weights) although
        // no neuron has more than 4 values: no 4-typing exists, and only the exhaustive search can tell.
        var k5 = Sparse("fc", 5,
            [(0, 1f), (1, 2f), (2, 3f), (3, 4f)],
            [(4, 1f), (0, 2f)], [(4, 1f), (1, 2f)], [(4, 1f), (2, 2f)], [(4, 1f), (3, 2f)]);
        var t = AxonTyping.Find(k5.Connectivity!, [0, 1, 2, 3, 4], 4);
        Assert.False(t.Found);
        Assert.True(t.Proven);
        Assert.Equal("its 5 input axons (5 distinct columns) cannot take 4 types: exhaustive search shows some neuron would need two values for one type", t.Reason);
        Assert.True(AxonTyping.Find(k5.Connectivity!, [0, 1, 2, 3, 4], 5).Found);

        var r = FitChecker.Check(One(k5), Chip("TrueNorth"));
        Assert.False(r.Fits);
        Assert.Equal("layer fc, core 0: no TrueNorth axon typing: " + t.Reason, Assert.Single(r.Violations));
        Assert.Equal("none", r.Layers[0].CoreTable[0].Typing);

        // A neuron with 5 values is refused at once, naming it.
        var five = Sparse("fc", 5, [(0, 1f), (1, 2f), (2, 3f), (3, 4f), (4, 5f)]);
        var quick = AxonTyping.Find(five.Connectivity!, [0], 4);
        Assert.True(quick.Proven);
        Assert.Equal("neuron 0 has 5 distinct non-zero weights, but one neuron holds one value per axon type (4)", quick.Reason);
    }

    /// <summary>16 neurons over 784 inputs; with <paramref name="blocks"/>, neuron o reads only the 196 inputs of block o mod 4.</summary>
    private static LayerSummary Wide(bool blocks)
    {
        var rows = new (int, float)[16][];
        for (int o = 0; o < 16; o++)
        {
            int b = o % 4;
            rows[o] = Enumerable.Range(0, 784).Where(j => !blocks || j / 196 == b)
                .Select(j => (j, (o + 1) * (j % 4 + 1) * 0.125f)).ToArray(); // 4 values per neuron, typed by j mod 4
        }
        return Sparse("fc1", 784, rows);
    }

    [Fact]
    public void FanIn784MapsOnto256AxonCoresOnlyUnderABlockMask()
    {
        foreach (string name in new[] { "TrueNorth", "Tianjic" })
        {
            var masked = FitChecker.Check(One(Wide(blocks: true)), Chip(name));
            Assert.True(masked.Fits, $"{name}: {string.Join("; ", masked.Violations)}");
            // The greedy grouping puts the 4 neurons of each block together: 4 cores reading 196 inputs each.
            Assert.Equal(4, masked.CoresNeeded);
            Assert.All(masked.Layers[0].CoreTable, c => Assert.Equal((4, 196, 784L), (c.Neurons, c.DistinctInputs, c.Synapses)));
            if (name == "TrueNorth") Assert.All(masked.Layers[0].CoreTable, c => Assert.Equal("4 types", c.Typing));

            var dense = FitChecker.Check(One(Wide(blocks: false)), Chip(name));
            Assert.False(dense.Fits);
            Assert.Equal($"layer fc1: 16 of 16 neurons cannot sit on any {name} core (neuron 0: fan-in 784; 784 inputs > 256 input axons per core)",
                Assert.Single(dense.Violations));
        }
    }

    [Fact]
    public void DynapSeRefusesNeuronsOverSixtyFourInputsWithTheCount()
    {
        var r = FitChecker.Check(One(Wide(blocks: true)), Chip("DYNAP-SE"));
        Assert.False(r.Fits);
        Assert.Equal("layer fc1: 16 of 16 neurons have more than 64 non-zero inputs, DYNAP-SE's input synapses per neuron (neuron 0: fan-in 196); a fan-in mask of at most 64 would fit",
            Assert.Single(r.Violations));
    }

    [Fact]
    public void ConvConnectivitySkipsPaddingAndIndexesInputsChannelsLast()
    {
        // 3×3×1 input, two 3×3 channels, padding 1: channel 0 all ones, channel 1 only its centre tap.
        var w = new float[2 * 9];
        for (int k = 0; k < 9; k++) w[k] = 1;
        w[9 + 4] = 2;
        var c = LayerConnectivity.Conv(w, 2, 3, 1, 3, 3, 1);
        Assert.Equal(18, c.Neurons);
        Assert.Equal(9, c.Inputs);
        // Channel 0: corners 4, edges 6, centre 9 synapses; channel 1: one each.
        Assert.Equal(4 * 4 + 4 * 6 + 9 + 9, c.Synapses);
        Assert.Equal(4, c.FanIn(0));
        Assert.Equal(9, c.FanIn(2 * 4)); // centre position, channel 0
        Assert.Equal([4], c.InputsOf(2 * 4 + 1).ToArray()); // centre position, channel 1: reads the centre pixel
        Assert.Equal([0, 1, 3, 4], c.InputsOf(0).ToArray());
    }

    [Fact]
    public void AConvNetworkSummaryCarriesItsSynapsesAndMapsOnTrueNorthCores()
    {
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, NetworkSpec.Conv(t: 2), seed: 5);
        var summary = ModelMetrics.Summarize(net, new Dictionary<string, double>(), "conv");
        var conv1 = summary.Layers[0];
        Assert.Equal(LayerKind.Conv, conv1.Kind);
        Assert.Equal(26 * 26 * 16, conv1.Connectivity!.Neurons);
        Assert.Equal(conv1.NonZeroSynapses, conv1.Connectivity.Synapses); // no padding: every window is inside the image
        Assert.All(summary.Layers, l => Assert.NotNull(l.Connectivity));

        var r = FitChecker.Check(summary, Chip("TrueNorth"));
        var m1 = r.Layers[0];
        // Float32 weights have no TrueNorth typing at any tile: the finest tiling (one neuron per core) is reported.
        Assert.Equal("tiles of 1×1 positions × 1 channels", m1.Placement);
        Assert.Equal(conv1.Neurons, m1.CoreTable.Sum(c => c.Neurons));
        Assert.All(m1.CoreTable, c => Assert.InRange(c.DistinctInputs, 1, 256));
        Assert.All(m1.CoreTable, c => Assert.InRange(c.Neurons, 1, 256));
        // Float32 weights: too many bits and too many values for TrueNorth, each said with its numbers.
        Assert.Contains("layer conv1: weights need 32 bits; TrueNorth supports at most 9", r.Violations);
    }
}
