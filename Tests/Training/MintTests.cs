using System.Collections.Concurrent;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Training;

/// <summary>
/// MINT (issue 14, item 3): the integer neuron by hand, and the deployed integer-only path against the
/// float simulation the network trains and is evaluated with (same predictions, same spike counts).
/// MINT's scale gradient is LSQ's and is checked by finite differences in <see cref="LearnedRivalConstraintTests"/>.
/// </summary>
public sealed class MintTests
{
    private readonly ITestOutputHelper _log;
    public MintTests(ITestOutputHelper log) => _log = log;

    private static readonly CpuBackend Cpu = new();
    private static readonly (DataSplit Train, DataSplit Test) Data = TrainingFixtures.Prototypes(640, 300);
    /// <summary>Test images on the 8-bit grid (k/255) the integer path reads, so both paths see the same input.</summary>
    private static readonly float[] Images8 = TrainingFixtures.OnPixelGrid(Data.Test.Images);
    private static readonly ConcurrentDictionary<string, Lazy<SpikingNetwork>> Trained = new();

    /// <summary>A tiny network fine-tuned with MINT (2-bit weights, 2-bit membrane) from a full-precision warm start (cached per spec).</summary>
    private static SpikingNetwork TrainedMint(NetworkSpec spec) =>
        Trained.GetOrAdd(spec.ToString(), _ => new Lazy<SpikingNetwork>(() =>
        {
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
            var mint = ModelZoo.Build(Cpu, spec with { Constraint = new MintSpec(2, 2) }, options.Seed, warm);
            using (var trainer = new Trainer(mint, options with { Epochs = 2, LearningRate = 2e-3f })) trainer.Fit(Data.Train, Data.Test);
            return mint;
        })).Value;

    [Fact]
    public void Integer_neuron_follows_the_documented_step_by_hand()
    {
        // s = 0.25, θ = 1 → Θ = 4; 2-bit membrane [−2, 1]; β = ½ → leak table ⌊v/2 + ½⌋ = [−1, 0, 0, 1].
        var n = MintNeuron.Create(0.25f, 1f, 0.5f, ResetMode.Soft, 2);
        Assert.Equal(4, n.Theta);
        Assert.Equal((-2L, 1L), (n.Min, n.Max));
        Assert.Equal(new long[] { -1, 0, 0, 1 }, n.LeakTable);
        long v = 0;
        var h = new List<long>();
        var spikes = new List<bool>();
        foreach (long current in new long[] { 3, 2, 5, -7, 0 })
        {
            h.Add(n.Step(ref v, current, out bool fired));
            spikes.Add(fired);
        }
        // 3 → v = 1 (saturated); 1 + 2 = 3 → v = 1; 1 + 5 = 6 fires, 6 − 4 = 2 saturates to 1; 1 − 7 = −6 → −2; leak(−2) = −1.
        Assert.Equal(new long[] { 3, 3, 6, -6, -1 }, h);
        Assert.Equal(new[] { false, false, true, false, false }, spikes);
        Assert.Equal(-1, v);
        // Hard reset drops to 0; Θ is ⌈θ/s⌉ (never below 1); the current rounds half up.
        var hard = MintNeuron.Create(0.3f, 1f, 0.9f, ResetMode.Hard, 3);
        Assert.Equal(4, hard.Theta); // ⌈3.33⌉
        v = 3;
        hard.Step(ref v, 2, out bool f);
        Assert.True(f);
        Assert.Equal(0, v);
        Assert.Equal(new[] { -2L, -1, 0, 1, 1 }, new[] { -1.6, -0.6, -0.5, 0.5, 1.49 }.Select(MintNeuron.CurrentUnits));
    }

    public static TheoryData<string, Readout, ResetMode> Networks => new()
    {
        { "mlp", Readout.SpikeCount, ResetMode.Soft },
        { "mlp", Readout.SpikeCount, ResetMode.Hard },
        { "mlp", Readout.Membrane, ResetMode.Soft },
        { "conv", Readout.SpikeCount, ResetMode.Soft },
    };

    /// <summary>
    /// The exported MINT model, run with integer weights, integer currents, a b_u-bit integer membrane and
    /// the integer threshold ⌈θ/s⌉ (no multiplier after the pixel layer), gives the float simulation's
    /// prediction on every test sample, and with a spike-count readout the same output spike counts. With a
    /// membrane readout the output integrator keeps its fixed-point membrane (as CAT's), so its readout
    /// is compared as in <see cref="DeployedModelTests"/>.
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Integer_path_equals_the_float_simulation(string kind, Readout readout, ResetMode reset)
    {
        var spec = (kind == "mlp" ? NetworkSpec.Mlp(t: 4, hidden: 32) : NetworkSpec.Conv(t: 3) with { Hidden = new[] { 4, 8 } })
            with { Readout = readout, Reset = reset };
        var net = TrainedMint(spec);
        var model = DeployExporter.Export(net, "test");
        Assert.Equal(2, model.Header.Version);
        var lifs = model.Header.Layers.Where(l => l.Op == DeployedOp.Lif).ToList();
        Assert.NotEmpty(lifs);
        Assert.All(lifs, l => Assert.Equal(2, l.MembraneBits));
        Assert.All(model.Header.Layers.Where(l => l.IsWeighted), l => Assert.Equal((4, 2), (l.M, l.Bits)));

        int n = Data.Test.Count, classes = spec.Classes;
        var integer = new IntegerInference(model).Run(Images8, n);
        var (floatPredictions, floatReadouts) = FloatReadout.Run(net, Images8, n);

        // The hidden layer must fire, but not everywhere, or agreement would say little.
        float rate = ((LifLayer)net.Layers.First(l => l is LifLayer)).LastSpikes!.Data.ToArray().Average();
        int agree = 0, sameCounts = 0, correct = 0;
        for (int i = 0; i < n; i++)
        {
            if (integer.Predictions[i] == floatPredictions[i]) agree++;
            if (integer.Predictions[i] == Data.Test.Labels[i]) correct++;
            bool same = true;
            for (int c = 0; c < classes; c++)
            {
                long k = (long)i * classes + c;
                if (readout == Readout.SpikeCount && integer.Readouts[k] != floatReadouts[k]) same = false;
            }
            if (same) sameCounts++;
        }
        _log.WriteLine($"{kind} {readout} {reset}: agree {agree}/{n}, same spike counts {sameCounts}/{n}, hidden rate {rate:F3}, integer accuracy {(double)correct / n:P1}");
        Assert.InRange(rate, 1e-3f, 0.95f);
        // Chance is 10 %; a 2-bit membrane after two short epochs learns the tiny task only partly, but it must learn it.
        Assert.True(correct > 0.3 * n, $"integer accuracy {(double)correct / n:P1} (the task is learnable, so the model must have learnt it)");
        if (readout == Readout.SpikeCount)
        {
            Assert.Equal(n, sameCounts);
            Assert.Equal(n, agree);
        }
        else Assert.True(agree >= 0.99 * n, $"predictions agree on {agree} of {n}");
    }

    [Fact]
    public void A_mint_model_file_round_trips_and_an_old_version_header_is_refused()
    {
        var net = TrainedMint(NetworkSpec.Mlp(t: 4, hidden: 32) with { Readout = Readout.SpikeCount });
        var model = DeployExporter.Export(net, "test");
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-mint-{Guid.NewGuid():N}.sfdm");
        try
        {
            model.Save(path);
            var a = new IntegerInference(model).Run(Images8, 40);
            var b = IntegerInference.Load(path).Run(Images8, 40);
            Assert.Equal(a.Readouts, b.Readouts);
        }
        finally { File.Delete(path); }
        var v1 = new DeployedModel(model.Header with { Version = 1 }, model.Payload);
        var e = Assert.Throws<InvalidDataException>(() => v1.Validate("old.sfdm"));
        Assert.Contains("MINT membrane", e.Message);
    }
}
