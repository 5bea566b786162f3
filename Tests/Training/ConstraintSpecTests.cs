using System.Text.Json;
using System.Text.Json.Nodes;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>The constraint seam: specs in JSON (new and pre-seam headers), the registry, the convenience accessors, storage reports.</summary>
public sealed class ConstraintSpecTests
{
    private static readonly NetworkSpec Fp = NetworkSpec.Mlp(t: 2, hidden: 8);

    /// <summary>Spec JSON as written before the Constraint property (captured from that build): one member per kind, unused ones null.</summary>
    private const string Before = "{\"Net\":\"mlp\",\"T\":2,\"InputHeight\":28,\"InputWidth\":28,\"InputChannels\":1,\"Classes\":10,\"Hidden\":[8]," +
        "\"Beta\":0.9,\"Theta\":1,\"Reset\":\"Soft\",\"Surrogate\":\"FastSigmoid\",\"SurrogateParam\":\"NaN\",\"DetachReset\":false," +
        "\"Encoding\":\"Direct\",\"Readout\":\"Membrane\",";
    private const string After = ",\"Lif\":{\"Beta\":0.9,\"Theta\":1,\"Reset\":\"Soft\",\"Surrogate\":\"FastSigmoid\",\"SurrogateParam\":\"NaN\"," +
        "\"DetachReset\":false,\"EffectiveSurrogateParam\":25}}";

    public static TheoryData<string, string> OldHeaders => new()
    {
        { "none", "\"Codebook\":null,\"Ste\":null,\"SharedWeights\":null" },
        { "cat", "\"Codebook\":{\"M\":4,\"Bits\":4,\"PerNeuron\":true,\"LearningRateScale\":0.1,\"Init\":\"KMeans\",\"InitSeed\":0,\"WholeNetwork\":false,\"ScopeName\":\"per neuron\"},\"Ste\":null,\"SharedWeights\":null" },
        { "ste", "\"Codebook\":null,\"Ste\":{\"Quantizer\":\"Ternary\",\"Bits\":8},\"SharedWeights\":null" },
        { "shared", "\"Codebook\":null,\"Ste\":null,\"SharedWeights\":{\"M\":4,\"Init\":\"Linear\"}" },
    };

    private static NetworkSpec Expected(string kind) => kind switch
    {
        "cat" => Fp with { Codebook = new CodebookSpec(M: 4, Bits: 4, PerNeuron: true) },
        "ste" => Fp with { Ste = new SteSpec(SteQuantizer.Ternary) },
        "shared" => Fp with { SharedWeights = new SharedWeightsSpec(M: 4) },
        _ => Fp,
    };

    [Theory]
    [MemberData(nameof(OldHeaders))]
    public void Specs_written_before_the_constraint_seam_read_back(string kind, string members)
    {
        var spec = JsonSerializer.Deserialize<NetworkSpec>(Before + members + After, Checkpoint.Json)!;
        var expected = Expected(kind);
        Assert.Equal(expected.Constraint, spec.Constraint);
        Assert.Equal(expected.ToString(), spec.ToString());
        // Re-written in the new form only, so a resumed run compares equal to a freshly configured one.
        string json = JsonSerializer.Serialize(spec, Checkpoint.Json);
        Assert.Equal(JsonSerializer.Serialize(expected, Checkpoint.Json), json);
        Assert.DoesNotContain("\"Codebook\"", json);
        Assert.DoesNotContain("\"Ste\"", json);
        Assert.DoesNotContain("\"SharedWeights\"", json);
    }

    [Theory]
    [InlineData("cat")]
    [InlineData("ste")]
    [InlineData("shared")]
    [InlineData("none")]
    public void Specs_round_trip_through_json_under_their_registered_name(string kind)
    {
        var spec = Expected(kind);
        string json = JsonSerializer.Serialize(spec, Checkpoint.Json);
        var back = JsonSerializer.Deserialize<NetworkSpec>(json, Checkpoint.Json)!;
        Assert.Equal(spec.Constraint, back.Constraint);
        Assert.Equal(json, JsonSerializer.Serialize(back, Checkpoint.Json));
        string? name = spec.Constraint is { } c ? ConstraintSpecs.NameOf(c.GetType()) : null;
        Assert.Contains(name is null ? "\"Constraint\":null" : $"\"Constraint\":{{\"$type\":\"{name}\",", json);
    }

    /// <summary>
    /// A checkpoint whose header holds the pre-seam spec loads into a network built from the new spec,
    /// and saving it again writes the same parameter bytes.
    /// </summary>
    [Fact]
    public void A_pre_seam_checkpoint_loads_and_saves_the_same_parameters()
    {
        using var cpu = new CpuBackend();
        var spec = Expected("cat");
        string dir = Path.Combine(Path.GetTempPath(), $"spikefit-seam-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string saved = Path.Combine(dir, "new.sfck"), old = Path.Combine(dir, "old.sfck"), again = Path.Combine(dir, "again.sfck");
            using (var net = ModelZoo.Build(cpu, spec, 1)) Checkpoint.Save(saved, net, new TrainOptions(), 0, 0, new List<EpochReport>());
            WithSpecJson(saved, old, Before + OldHeaders.Single(r => (string)r[0] == "cat")[1] + After);

            var header = Checkpoint.ReadHeader(old);
            Assert.Equal(spec.Constraint, header.Spec.Constraint);
            using var fresh = ModelZoo.Build(cpu, header.Spec, 2);
            Checkpoint.Load(old, fresh);
            Checkpoint.Save(again, fresh, header.Options, 0, 0, new List<EpochReport>());
            Assert.Equal(Parameters(saved), Parameters(again));
            Assert.Equal(JsonSerializer.Serialize(spec, Checkpoint.Json), JsonSerializer.Serialize(Checkpoint.ReadHeader(again).Spec, Checkpoint.Json));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Registry_refuses_unknown_names_and_duplicates()
    {
        Assert.Equal(new[] { "cat", "ste", "shared-weights" }, ConstraintSpecs.Names.Take(3));
        var unknown = Assert.Throws<ArgumentException>(() => ConstraintSpecs.TypeOf("no-such-kind"));
        Assert.Contains("Unknown weight constraint 'no-such-kind'", unknown.Message);
        Assert.Contains("ConstraintSpecs.Register<TSpec>(\"no-such-kind\")", unknown.Message);
        var read = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<NetworkSpec>("{\"Constraint\":{\"$type\":\"no-such-kind\",\"Bits\":4}}", Checkpoint.Json));
        Assert.Contains("Unknown weight constraint 'no-such-kind'", read.Message);
        var untyped = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<NetworkSpec>("{\"Constraint\":{\"Bits\":4}}", Checkpoint.Json));
        Assert.Contains("\"$type\"", untyped.Message);

        Assert.Contains("already registered", Assert.Throws<ArgumentException>(() => ConstraintSpecs.Register<UnregisteredSpec>("cat")).Message);
        Assert.Contains("already registered as weight constraint 'cat'",
            Assert.Throws<ArgumentException>(() => ConstraintSpecs.Register<CodebookSpec>("cat-again")).Message);
        Assert.Throws<ArgumentException>(() => ConstraintSpecs.Register<UnregisteredSpec>("two words"));
        var unregistered = Assert.ThrowsAny<Exception>(() => JsonSerializer.Serialize(Fp with { Constraint = new UnregisteredSpec() }, Checkpoint.Json));
        Assert.Contains("UnregisteredSpec is not a registered weight constraint", unregistered.Message);
    }

    [Fact]
    public void Convenience_accessors_set_and_read_the_one_constraint()
    {
        var cat = Fp with { Codebook = new CodebookSpec() };
        Assert.Same(cat.Constraint, cat.Codebook);
        Assert.Null(cat.Ste);
        Assert.Null(cat.SharedWeights);
        Assert.Same(cat.Constraint, (cat with { Ste = null }).Constraint); // null clears only its own kind
        Assert.Null((cat with { Codebook = null }).Constraint);
        var both = Assert.Throws<ArgumentException>(() => cat with { Ste = new SteSpec() });
        Assert.StartsWith("Choose one weight constraint", both.Message);
        Assert.IsType<SteSpec>((cat with { Codebook = null, Ste = new SteSpec() }).Constraint);

        Assert.EndsWith(", CAT M=4 b=4 per layer", cat.ToString());
        Assert.EndsWith(", CAT M=4 b=8 whole network", (Fp with { Codebook = new CodebookSpec(Bits: 8, WholeNetwork: true) }).ToString());
        Assert.EndsWith(", STE UniformSymmetric 8-bit", (Fp with { Ste = new SteSpec() }).ToString());
        Assert.EndsWith(", STE Binary", (Fp with { Ste = new SteSpec(SteQuantizer.Binary) }).ToString());
        Assert.EndsWith(", shared weights M=4", (Fp with { SharedWeights = new SharedWeightsSpec() }).ToString());
        Assert.EndsWith("readout", Fp.ToString());
    }

    [Theory]
    [InlineData("cat-layer", 4, CodebookScope.Layer)]
    [InlineData("cat-neuron", 4, CodebookScope.Neuron)]
    [InlineData("cat-network", 8, CodebookScope.Network)]
    [InlineData("qat", 6, CodebookScope.Layer)]
    [InlineData("binary", 1, CodebookScope.Layer)]
    [InlineData("ternary", 2, CodebookScope.Layer)]
    [InlineData("uniform-2bit", 2, CodebookScope.Layer)]
    [InlineData("shared", 32, CodebookScope.Layer)]
    public void Every_constraint_reports_its_storage(string kind, int bits, CodebookScope scope)
    {
        ConstraintSpec constraint = kind switch
        {
            "cat-layer" => new CodebookSpec(M: 4, Bits: 4),
            "cat-neuron" => new CodebookSpec(M: 4, Bits: 4, PerNeuron: true),
            "cat-network" => new CodebookSpec(M: 4, Bits: 8, WholeNetwork: true),
            "qat" => new SteSpec(SteQuantizer.UniformSymmetric, 6),
            "binary" => new SteSpec(SteQuantizer.Binary),
            "ternary" => new SteSpec(SteQuantizer.Ternary),
            "uniform-2bit" => new SteSpec(SteQuantizer.UniformTwoBit),
            _ => new SharedWeightsSpec(M: 4),
        };
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, Fp with { Constraint = constraint }, 1);
        foreach (var layer in net.Layers.OfType<IWeightedLayer>())
        {
            Assert.Equal(new WeightStorage(bits, scope), layer.Constraint!.Storage);
            Assert.Equal(new WeightStorage(bits, scope), ModelMetrics.StorageOf(layer, layer.EffectiveWeights()));
            Assert.Equal(bits, layer.Constraint.WeightBits);
        }
    }

    [Fact]
    public void Unconstrained_layers_are_float32_free_weights_or_a_snapped_codebook()
    {
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, Fp, 1);
        var fc1 = net.Layers.OfType<IWeightedLayer>().First();
        Assert.Null(fc1.Constraint);
        Assert.Equal(new WeightStorage(32, CodebookScope.None), ModelMetrics.StorageOf(fc1, fc1.EffectiveWeights()));
        var snapped = fc1.EffectiveWeights().Select(w => w > 0 ? 0.5f : -0.5f).ToArray();
        Assert.Equal(new WeightStorage(32, CodebookScope.Layer), ModelMetrics.StorageOf(fc1, snapped));
    }

    /// <summary>Never registered: the registry must refuse to write it and to take a registered name.</summary>
    private sealed record UnregisteredSpec : ConstraintSpec
    {
        public override string Describe() => "unregistered";
        public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
            throw new NotSupportedException("only serialised in these tests");
    }

    /// <summary>Copies checkpoint <paramref name="from"/> to <paramref name="to"/> with the header's spec replaced by <paramref name="specJson"/> (checksum recomputed).</summary>
    private static void WithSpecJson(string from, string to, string specJson)
    {
        var bytes = File.ReadAllBytes(from);
        int n = BitConverter.ToInt32(bytes, 12);
        var header = JsonNode.Parse(bytes.AsSpan(16, n))!.AsObject();
        header["Spec"] = JsonNode.Parse(specJson);
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var body = bytes.AsSpan(0, 12).ToArray().Concat(BitConverter.GetBytes(json.Length)).Concat(json)
            .Concat(bytes.AsSpan(16 + n, bytes.Length - 32 - 16 - n).ToArray()).ToArray();
        File.WriteAllBytes(to, body.Concat(System.Security.Cryptography.SHA256.HashData(body)).ToArray());
    }

    /// <summary>The parameter section of a checkpoint: everything between the header and the checksum.</summary>
    private static byte[] Parameters(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int n = BitConverter.ToInt32(bytes, 12);
        return bytes[(16 + n)..^32];
    }
}
