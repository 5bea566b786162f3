using SpikeFit.Training.Hardware;

namespace SpikeFit.Tests.Hardware;

public class ModelSummaryTests
{
    [Fact]
    public void FromWeightsCountsDistinctValuesAndNonZerosFromTheArray()
    {
        float[] w =
        [
            0.5f, 0.5f, -0.25f, 0f,
            0.1f, 0f, 0f, -0f,
        ];
        var l = ModelSummary.FromWeights("fc", w, 2, 4, 4, CodebookScope.Layer, false, 0.2);
        Assert.Equal(3, l.DistinctValues);        // 0.5, -0.25, 0.1 (zero and -0 are absent synapses)
        Assert.Equal(2, l.MaxDistinctPerNeuron);
        Assert.Equal(4, l.NonZeroSynapses);
        Assert.Equal(8, l.Synapses);
        Assert.Equal(2, l.Neurons);
        Assert.Equal(4, l.Inputs);
        // Codebook of 3 values plus a code for zero → 2-bit indices.
        Assert.Equal(2, l.BitsPerSynapse);
        // 8 indices × 2 bits + threshold 32 + codebook 3 × 4 bits + scale 32.
        Assert.Equal(8 * 2 + 32 + 12 + 32, l.SizeBits);
        Assert.Equal(4.0 / 4, l.FanOut);      // 4 non-zero connections from 4 inputs
    }

    [Fact]
    public void FreeWeightsStoreTheirFullPrecision()
    {
        var l = ModelSummary.FromWeights("fc", [1f, 2f, 3f, 4f], 1, 4, 32, CodebookScope.None, true, 0);
        Assert.Equal(32, l.BitsPerSynapse);
        Assert.Equal(4 * 32 + 32, l.SizeBits);
    }

    [Fact]
    public void FromWeightsRejectsBadShapesAndNonFiniteWeights()
    {
        Assert.Contains("expected", Assert.Throws<ArgumentException>(() =>
            ModelSummary.FromWeights("fc", new float[5], 2, 3, 8, CodebookScope.Layer, false, 0)).Message);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() =>
            ModelSummary.FromWeights("fc", [1f, float.NaN], 1, 2, 8, CodebookScope.Layer, false, 0)).Message);
    }

    [Fact]
    public void JsonRoundTripsAndTheExampleLoads()
    {
        var model = HardwareNets.Mlp(200, 50);
        var back = ModelSummary.Parse(model.ToJson(), "memory");
        // The weights' connectivity is for the mapper only and is not written to JSON.
        Assert.Equal(model.Layers.Select(l => l with { Connectivity = null }), back.Layers);
        Assert.All(back.Layers, l => Assert.Null(l.Connectivity));
        Assert.Equal(model.TimeSteps, back.TimeSteps);
        Assert.Contains("\"scope\": \"layer\"", model.ToJson());

        var example = ModelSummary.Load(Path.Combine(RepoRoot(), "Experiments", "examples", "mlp-784-512-10.json"));
        Assert.Equal(16, example.TimeSteps);
        Assert.Equal(784, example.Layers[0].FanIn);
        Assert.Equal(406528, example.NonZeroSynapses);
    }

    [Fact]
    public void MalformedModelFilesNameTheField()
    {
        var json = HardwareNets.Mlp(200, 50).ToJson();
        var bad = json.Replace("\"fanIn\": 200", "\"fanIn\": 0");
        var e = Assert.Throws<InvalidOperationException>(() => ModelSummary.Parse(bad, "m.json"));
        Assert.Contains("m.json", e.Message);
        Assert.Contains("layers[0] (fc1).fanIn", e.Message);

        var typo = json.Replace("\"fanIn\"", "\"fanin\"");
        e = Assert.Throws<InvalidOperationException>(() => ModelSummary.Parse(typo, "m.json"));
        Assert.Contains("m.json", e.Message);
        Assert.Contains("fanin", e.Message);
    }

    [Fact]
    public void A_spiking_input_rate_above_one_per_step_is_refused()
    {
        string example = File.ReadAllText(Path.Combine(RepoRoot(), "Experiments", "examples", "mlp-784-512-10.json"));
        string bad = example.Replace("\"analogInput\": false, \"inputRate\": 0.1", "\"analogInput\": false, \"inputRate\": 1.5");
        Assert.NotEqual(example, bad);
        var e = Assert.Throws<InvalidOperationException>(() => ModelSummary.Parse(bad, "m.json"));
        Assert.Contains("inputRate is 1.5, but a spike rate is at most 1", e.Message);
        // An analog input's rate is ignored, so it is not checked against 1.
        ModelSummary.Parse(example.Replace("\"analogInput\": true, \"inputRate\": 0", "\"analogInput\": true, \"inputRate\": 3"), "m.json");
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SpikeFit.Gpu.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SpikeFit.Gpu.sln not found above the test binaries");
    }
}
