// README: begin extending-constraint-usings
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
// README: end extending-constraint-usings
// README: begin extending-criterion-usings
using SpikeFit.Training.Pruning;
// README: end extending-criterion-usings
using SpikeFit.Tests.Training;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Api;

// The README's "Extending" examples, compiled here and run by ExtendingExamplesTests; the README must
// show the code between each pair of markers verbatim (checked below).

// README: begin extending-constraint
/// <summary>Sign and power-of-two magnitude (registered as "pow2"): every weight becomes ±max|w|·2^−k.</summary>
public sealed record PowerOfTwoSpec(int Bits = 4) : ConstraintSpec
{
    public override string Describe() => $"power-of-two {Bits}-bit";

    public override void Validate(NetworkSpec network)
    {
        if (Bits is < 2 or > 8) throw new ArgumentException($"power-of-two bits must be 2..8, got {Bits}.");
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        new PowerOfTwoConstraint(backend, weight, rows, fanIn, Bits);
}

/// <summary>
/// One sign bit and Bits − 1 bits of exponent: Ŵ = sign(w)·max|w|·2^−k, k = round(log2(max|w| / |w|))
/// clamped to 0 … 2^(Bits−1) − 1, one scale max|w| per layer. Backward is straight-through (the
/// base class passes ∂L/∂Ŵ to W unchanged).
/// </summary>
public sealed class PowerOfTwoConstraint : WeightConstraint
{
    private readonly int _bits;
    private readonly float[] _latent, _host;
    private readonly DeviceBuffer<float> _quantized;

    public PowerOfTwoConstraint(Backend backend, Parameter weight, int rows, int fanIn, int bits)
        : base(backend, weight, rows, fanIn)
    {
        _bits = bits;
        _latent = new float[weight.Length];
        _host = new float[weight.Length];
        _quantized = backend.Allocate<float>(weight.Length);
    }

    public override WeightStorage Storage => new(_bits, CodebookScope.Layer);
    public override string Describe => $"power-of-two {_bits}-bit (STE)";

    public override DeviceBuffer<float> Effective()
    {
        Weight.Value.CopyTo(_latent);
        float max = _latent.Max(MathF.Abs);
        int exponents = 1 << (_bits - 1);
        for (int i = 0; i < _latent.Length; i++)
        {
            float a = MathF.Abs(_latent[i]);
            int k = a > 0 ? Math.Clamp((int)MathF.Round(MathF.Log2(max / a)), 0, exponents - 1) : exponents - 1;
            _host[i] = MathF.CopySign(MathF.ScaleB(max, -k), _latent[i]);
        }
        _quantized.CopyFrom(_host);
        return _quantized;
    }

    public override void Dispose() => _quantized.Dispose();
}
// README: end extending-constraint

// README: begin extending-criterion
/// <summary>L2 norm of the weights that read each unit (registered as "outgoing-l2"): a unit nothing listens to goes first.</summary>
public sealed class OutgoingL2Criterion : PruneCriterion
{
    public override string Name => "outgoing-l2";
    public override bool NeedsData => false;

    public override IReadOnlyList<double[]> Score(PruneScoringContext context) => context.Hidden.Select(h =>
    {
        // The next layer's fan-in is [positions, channels], channel innermost: column j reads unit j % channels.
        var w = h.Outgoing.EffectiveWeights();
        var sumSquares = new double[h.Channels];
        for (long i = 0; i < w.Length; i++) sumSquares[i % h.Outgoing.FanIn % h.Channels] += (double)w[i] * w[i];
        return sumSquares.Select(Math.Sqrt).ToArray();
    }).ToList();
}
// README: end extending-criterion

/// <summary>Registers the examples once per test run: a second registration of a name is refused by design.</summary>
public static class ExtendingRegistrations
{
    private static readonly Lazy<bool> Done = new(() =>
    {
        // README: begin extending-constraint-registration
        ConstraintSpecs.Register<PowerOfTwoSpec>("pow2");
        // README: end extending-constraint-registration
        // README: begin extending-criterion-registration
        PruneCriteria.Register(new OutgoingL2Criterion());
        // README: end extending-criterion-registration
        return true;
    });

    public static void Ensure() => _ = Done.Value;
}

public sealed class ExtendingExamplesTests
{
    [Fact]
    public void The_power_of_two_constraint_trains_reports_its_storage_and_round_trips_through_json()
    {
        ExtendingRegistrations.Ensure();
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(512, 128, seed: 3);
        var fp = NetworkSpec.Mlp(t: 4, hidden: 32);
        var spec = fp with { Constraint = new PowerOfTwoSpec(Bits: 4) };
        Assert.EndsWith(", power-of-two 4-bit", spec.ToString());
        Assert.Throws<ArgumentException>(() => (fp with { Constraint = new PowerOfTwoSpec(Bits: 9) }).Validate());

        using var net = ModelZoo.Build(cpu, spec, seed: 2);
        var options = new TrainOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3f, Seed = 2 };
        using (var trainer = new Trainer(net, options))
        {
            var result = trainer.Fit(train, test);
            Assert.True(result.TestAccuracy > 0.5, $"accuracy {result.TestAccuracy:P1} after 2 epochs (chance 10%)");
        }
        foreach (var layer in net.Layers.OfType<IWeightedLayer>())
        {
            var w = layer.EffectiveWeights();
            float max = w.Max(MathF.Abs);
            // Every value is ±max·2^−k with k in 0..7: at most 16 distinct values.
            Assert.All(w, v => Assert.Contains(MathF.Abs(v), Enumerable.Range(0, 8).Select(k => MathF.ScaleB(max, -k))));
            Assert.InRange(w.Distinct().Count(), 2, 16);
            Assert.Equal(new WeightStorage(4, CodebookScope.Layer), ModelMetrics.StorageOf(layer, w));
        }
        var summary = ModelMetrics.Summarize(net, new Dictionary<string, double>(), "pow2");
        Assert.All(summary.Layers, l => Assert.Equal(4, l.WeightBits));

        // The spec is written to checkpoint headers under its registered name and reads back as itself.
        string json = System.Text.Json.JsonSerializer.Serialize(spec, Checkpoint.Json);
        Assert.Contains("\"Constraint\":{\"$type\":\"pow2\",\"Bits\":4}", json);
        var back = System.Text.Json.JsonSerializer.Deserialize<NetworkSpec>(json, Checkpoint.Json)!;
        Assert.Equal(spec.Constraint, back.Constraint);
    }

    [Fact]
    public void The_outgoing_l2_criterion_scores_and_prunes()
    {
        ExtendingRegistrations.Ensure();
        var criterion = PruneCriteria.Parse("outgoing-l2");
        Assert.Contains("outgoing-l2", PruneCriteria.Names);
        using var cpu = new CpuBackend();
        var (train, test) = TrainingFixtures.Prototypes(256, 64, seed: 4);
        using var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 3) with { Hidden = new[] { 16, 8 } }, seed: 4);

        // Direct check on lif1 (dense): unit i is read by column i of fc2 [8, 16].
        var fc2 = net.Layers.OfType<IWeightedLayer>().Single(l => l.Name == "fc2").EffectiveWeights();
        var expected = Enumerable.Range(0, 16).Select(i => Math.Sqrt(Enumerable.Range(0, 8).Sum(o => (double)fc2[o * 16 + i] * fc2[o * 16 + i]))).ToArray();
        var scores = NeuronScores.Compute(net, criterion, train);
        Assert.Equal(expected, scores.Layers[0], new ToleranceComparer(1e-12));
        Assert.Equal(0, scores.Samples); // data-free: the data was not read

        var options = new PruneOptions
        {
            Criterion = criterion, Keep = 0.5, Rounds = 1, FineTuneEpochs = 0, Seed = 4,
            FineTune = new TrainOptions { Epochs = 1, BatchSize = 32, Seed = 4 },
        };
        var (pruned, rounds) = IterativePruner.Run(net, options, train, test);
        using (pruned)
        {
            Assert.Equal(new[] { 8, 4 }, pruned.Spec.Hidden);
            Assert.Equal(2, rounds.Count);
        }
    }

    [Fact]
    public void Readme_shows_the_extending_examples_verbatim()
    {
        string root = FindRoot();
        string code = File.ReadAllText(Path.Combine(root, "Tests", "Api", "ExtendingExamples.cs"));
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        foreach (var name in new[] { "extending-constraint", "extending-constraint-registration", "extending-criterion", "extending-criterion-registration" })
            Assert.Equal(Block(code, name), Block(readme, name));
        // The README's usings above each example are the ones this file compiles it with.
        foreach (var name in new[] { "extending-constraint", "extending-criterion" })
            Assert.Equal(Block(code, name + "-usings"), UsingsAbove(readme, name));
    }

    /// <summary>The trimmed non-empty lines between "// README: begin NAME" and "// README: end NAME".</summary>
    private static string Block(string text, string name)
    {
        string begin = $"// README: begin {name}\n", end = $"// README: end {name}\n";
        text = text.Replace("\r\n", "\n");
        int start = text.IndexOf(begin, StringComparison.Ordinal), stop = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(start >= 0 && stop > start, $"README markers of {name} not found");
        Assert.Equal(start, text.LastIndexOf(begin, StringComparison.Ordinal));
        return string.Join('\n', text[(start + begin.Length)..stop].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
    }

    /// <summary>The using lines of the README code block that holds example NAME.</summary>
    private static string UsingsAbove(string readme, string name)
    {
        readme = readme.Replace("\r\n", "\n");
        int at = readme.IndexOf($"// README: begin {name}\n", StringComparison.Ordinal);
        int fence = readme.LastIndexOf("```csharp\n", at, StringComparison.Ordinal);
        Assert.True(at >= 0 && fence >= 0, $"README code block of {name} not found");
        return string.Join('\n', readme[fence..at].Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("using ", StringComparison.Ordinal)));
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SpikeFit.Gpu.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Repository root (SpikeFit.Gpu.sln) not found above the test binaries.");
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double v) => 0;
    }
}
