using System.Collections.Concurrent;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Training;

/// <summary>Deployed-model export (.sfdm) and integer-only inference against the float network.</summary>
public sealed class DeployedModelTests
{
    private readonly ITestOutputHelper _log;
    public DeployedModelTests(ITestOutputHelper log) => _log = log;

    private static readonly CpuBackend Cpu = new();
    private static readonly (DataSplit Train, DataSplit Test) Data = TrainingFixtures.Prototypes(640, 300);
    private static readonly ConcurrentDictionary<string, Lazy<SpikingNetwork>> Trained = new();

    /// <summary>The test images on the 8-bit grid real images come on (k/255), so both paths see the same input
    /// and any difference is the integer arithmetic's, not the input quantization's.</summary>
    private static readonly float[] Images8 = TrainingFixtures.OnPixelGrid(Data.Test.Images);

    /// <summary>A small CAT network trained from a full-precision warm start (cached per configuration).</summary>
    private static SpikingNetwork TrainedCat(NetworkSpec spec, bool perNeuron = false, int m = 4, int bits = 4) =>
        Trained.GetOrAdd($"{spec}|{perNeuron}|{m}|{bits}", _ => new Lazy<SpikingNetwork>(() =>
        {
            // The tiny conv net learns more slowly than the MLP; it gets more epochs at a higher rate.
            var options = spec.Net == "conv"
                ? new TrainOptions { Epochs = 4, BatchSize = 32, LearningRate = 2e-2f, Seed = 3 }
                : new TrainOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3f, Seed = 3 };
            Dictionary<string, float[]> warm;
            using (var fp32 = ModelZoo.Build(Cpu, spec, options.Seed))
            using (var trainer = new Trainer(fp32, options))
            {
                trainer.Fit(Data.Train, Data.Test);
                warm = fp32.Snapshot();
            }
            var cat = ModelZoo.Build(Cpu, spec with { Codebook = new CodebookSpec(m, bits, perNeuron) }, options.Seed, warm);
            using (var trainer = new Trainer(cat, options with { Epochs = 1, LearningRate = 1e-3f })) trainer.Fit(Data.Train, Data.Test);
            return cat;
        })).Value;

    private static NetworkSpec TinyMlp => NetworkSpec.Mlp(t: 4, hidden: 32);

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"spikefit-deploy-{Guid.NewGuid():N}.sfdm");

    [Theory]
    [InlineData(2, 1, 1)]
    [InlineData(3, 2, 7)]
    [InlineData(4, 2, 13)]
    [InlineData(16, 4, 1001)]
    [InlineData(8, 3, 11)] // 3-bit indices straddle byte boundaries
    [InlineData(1000, 10, 9)]
    public void Pack_and_unpack_round_trip(int m, int width, int count)
    {
        Assert.Equal(width, IndexPacking.IndexBits(m));
        var rng = new Random(m * 31 + count);
        var indices = Enumerable.Range(0, count).Select(_ => rng.Next(m)).ToArray();
        var packed = IndexPacking.Pack(indices, width);
        Assert.Equal((count * width + 7) / 8, packed.Length);
        Assert.Equal(indices, IndexPacking.Unpack(packed, count, width));
    }

    [Fact]
    public void Packing_is_little_endian_least_significant_bit_first()
    {
        // 2-bit indices 1, 2, 3, 0 | 1: byte 0 = 0b00_11_10_01, byte 1 = 0b01.
        Assert.Equal(new byte[] { 0b0011_1001, 0b0000_0001 }, IndexPacking.Pack(new[] { 1, 2, 3, 0, 1 }, 2));
        // 3-bit 5, 6, 7: bits 101 | 110 | 111 → stream 101 011 111 (LSB first) = byte0 0b1111_0101, byte1 0b1.
        Assert.Equal(new byte[] { 0b1111_0101, 0b0000_0001 }, IndexPacking.Pack(new[] { 5, 6, 7 }, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexPacking.Pack(new[] { 4 }, 2));
    }

    [Fact]
    public void File_round_trip_keeps_header_payload_and_results()
    {
        var net = TrainedCat(TinyMlp);
        var model = DeployExporter.Export(net, "test");
        string path = TempFile();
        try
        {
            model.Save(path);
            var back = DeployedModel.Load(path);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(model.Header, Checkpoint.Json),
                System.Text.Json.JsonSerializer.Serialize(back.Header, Checkpoint.Json));
            Assert.Equal(model.Payload, back.Payload);
            var a = new IntegerInference(model).Run(Data.Test.Images, 50);
            var b = IntegerInference.Load(path).Run(Data.Test.Images, 50);
            Assert.Equal(a.Readouts, b.Readouts);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("truncate-header")]
    [InlineData("magic")]
    [InlineData("trailing")]
    public void Damaged_files_are_refused_naming_the_file(string damage)
    {
        var model = DeployExporter.Export(TrainedCat(TinyMlp), "test");
        string path = TempFile();
        try
        {
            model.Save(path);
            var bytes = File.ReadAllBytes(path);
            byte[] damaged = damage switch
            {
                "flip" => Flip(bytes, bytes.Length - 100),
                "truncate" => bytes[..(bytes.Length - 77)],
                "truncate-header" => bytes[..40],
                "magic" => Flip(bytes, 0),
                _ => bytes.Concat(new byte[] { 0 }).ToArray(),
            };
            File.WriteAllBytes(path, damaged);
            var e = Assert.Throws<InvalidDataException>(() => DeployedModel.Load(path));
            _log.WriteLine(e.Message);
            Assert.Contains(path, e.Message);
            Assert.Contains(damage switch { "flip" or "trailing" => "corrupt", "magic" => "not a SpikeFit deployed model", _ => "truncated" }, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x10;
        return copy;
    }

    public static TheoryData<string, Readout, ResetMode, bool> Networks => new()
    {
        { "mlp", Readout.Membrane, ResetMode.Soft, false },
        { "mlp", Readout.SpikeCount, ResetMode.Hard, true },
        { "conv", Readout.Membrane, ResetMode.Soft, false },
    };

    /// <summary>
    /// The integer path must reproduce the float network: the same prediction on ≥ 99 % of samples,
    /// and readouts within 1e-3·(1 + max|float readout|) on ≥ 99 % of samples (the rest may differ
    /// by a hidden spike that one path fires on a float32 rounding at the threshold).
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Integer_path_agrees_with_the_float_network(string kind, Readout readout, ResetMode reset, bool perNeuron)
    {
        var spec = (kind == "mlp" ? TinyMlp : NetworkSpec.Conv(t: 3) with { Hidden = new[] { 4, 8 } }) with { Readout = readout, Reset = reset };
        var net = TrainedCat(spec, perNeuron);
        var engine = new IntegerInference(DeployExporter.Export(net, "test"));
        int n = Data.Test.Count, classes = spec.Classes;
        var integer = engine.Run(Images8, n);
        var (floatPredictions, floatReadouts) = FloatReadout.Run(net, Images8, n);

        int agree = 0, close = 0, correct = 0;
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            if (integer.Predictions[i] == floatPredictions[i]) agree++;
            if (integer.Predictions[i] == Data.Test.Labels[i]) correct++;
            double scale = 1, diff = 0;
            for (int c = 0; c < classes; c++)
            {
                long k = (long)i * classes + c;
                scale = Math.Max(scale, 1 + Math.Abs(floatReadouts[k]));
                diff = Math.Max(diff, Math.Abs(integer.Readouts[k] * integer.ReadoutUnit - floatReadouts[k]));
            }
            worst = Math.Max(worst, diff / scale);
            if (diff <= 1e-3 * scale) close++;
        }
        _log.WriteLine($"{kind} {readout} {reset}: agree {agree}/{n}, readouts close {close}/{n}, worst relative {worst:E2}, integer accuracy {(double)correct / n:P1}");
        Assert.True(agree >= 0.99 * n, $"predictions agree on {agree} of {n}");
        Assert.True(close >= 0.99 * n, $"readouts agree on {close} of {n} (worst {worst:E2})");
        Assert.True(correct > 0.5 * n, $"integer accuracy {(double)correct / n:P1} (the task is learnable, so the model must have learnt it)");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exported_values_are_the_decoded_codebook_and_at_most_m_per_group(bool perNeuron)
    {
        var net = TrainedCat(TinyMlp, perNeuron);
        var model = DeployExporter.Export(net, "test");
        var summaries = model.Summarize();
        var layers = net.Layers.OfType<IWeightedLayer>().ToList();
        Assert.Equal(layers.Select(l => l.Name), summaries.Select(s => s.Name));
        foreach (var (layer, summary) in layers.Zip(summaries))
        {
            var deployed = model.WeightedLayers.Single(l => l.Name == layer.Name);
            var decoded = model.DecodedWeights(deployed);
            // Value for value, the file reproduces the weights the float network computes with.
            Assert.Equal(layer.EffectiveWeights(), decoded);
            Assert.Equal(decoded.Distinct().Count(), summary.DistinctValues);
            var levels = model.Levels(deployed);
            for (int g = 0; g < deployed.Groups; g++)
            {
                var allowed = levels.Skip(g * 4).Take(4).Select(q => deployed.Scale * q).ToHashSet();
                var used = decoded.Skip(g * deployed.FanIn * (perNeuron ? 1 : deployed.Rows)).Take(perNeuron ? deployed.FanIn : decoded.Length).ToHashSet();
                Assert.True(used.Count <= 4, $"{layer.Name} group {g}: {used.Count} values");
                Assert.Subset(allowed, used);
            }
            Assert.All(levels, q => Assert.InRange(q, -8, 7));
            Assert.Equal(2, summary.IndexBits);
            Assert.Equal((deployed.Rows * deployed.FanIn * 2 + 7) / 8, deployed.IndicesBytes);
        }
    }

    [Fact]
    public void Export_of_a_network_without_codebooks_is_refused()
    {
        using var fp32 = ModelZoo.Build(Cpu, TinyMlp, seed: 1);
        var e = Assert.Throws<InvalidOperationException>(() => DeployExporter.Export(fp32, "test"));
        Assert.Contains("fc1", e.Message);
        Assert.Contains("not a CAT codebook", e.Message);
        using var ste = ModelZoo.Build(Cpu, TinyMlp with { Ste = new SteSpec() }, seed: 1);
        e = Assert.Throws<InvalidOperationException>(() => DeployExporter.Export(ste, "test"));
        Assert.Contains("not a CAT codebook", e.Message);
        // A mask over float32 weights has no integer values either.
        using var masked = ModelZoo.Build(Cpu, TinyMlp with { Constraint = new ConnectivitySpec(null, FanIn: 8) }, seed: 1);
        e = Assert.Throws<InvalidOperationException>(() => DeployExporter.Export(masked, "test"));
        Assert.Contains("integer export needs integer values under it", e.Message);
    }

    [Fact]
    public void Poisson_input_is_refused()
    {
        using var net = ModelZoo.Build(Cpu, TinyMlp with { Encoding = InputEncoding.Poisson, Codebook = new CodebookSpec() }, seed: 1);
        var e = Assert.Throws<InvalidOperationException>(() => DeployExporter.Export(net, "test"));
        Assert.Contains("direct", e.Message);
    }
}
