using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Training;

/// <summary>
/// The conv net under the layout deploy trains for TrueNorth (DESIGN §4d, §6): TrueNorth's rule on the
/// conv layers with one type map per group of 2 channels (an axon is a (kernel tap, input channel) pair,
/// typed once for the group's channels at every position: W[o, tap] = c_o[type_g(o)(tap)]), and the per-core input budget on the dense
/// classifier only (<see cref="ConnectivitySpec.OnlyOverBudget"/>). Conv 4C3-P2-8C3-P2-FC10 on 28×28:
/// conv1 reads 9 inputs per neuron, conv2 36, fc 5×5×8 = 200 &gt; the budget A = 64.
/// </summary>
public sealed class ConvChipLayoutTests
{
    private readonly ITestOutputHelper _log;
    public ConvChipLayoutTests(ITestOutputHelper log) => _log = log;

    private static readonly CpuBackend Cpu = new();
    private static readonly (DataSplit Train, DataSplit Test) Data = TrainingFixtures.Prototypes(640, 300);
    private static readonly float[] Images8 = TrainingFixtures.OnPixelGrid(Data.Test.Images);
    private static NetworkSpec TinyConv => NetworkSpec.Conv(t: 4) with { Hidden = new[] { 4, 8 } };

    private static readonly ConnectivitySpec Layout =
        new(new TrueNorthSpec(NeuronsPerCore: 2), CoreInputs: 64, NeuronsPerCore: 2, OnlyOverBudget: true);

    private static double WarmAccuracy;

    private static readonly Lazy<SpikingNetwork> Trained = new(() =>
    {
        Dictionary<string, float[]> warm;
        using (var fp32 = ModelZoo.Build(Cpu, TinyConv, 3))
        {
            using (var trainer = new Trainer(fp32, new TrainOptions { Epochs = 3, BatchSize = 32, LearningRate = 5e-3f, Seed = 3 }))
                WarmAccuracy = trainer.Fit(Data.Train, Data.Test).TestAccuracy;
            warm = fp32.Snapshot();
        }
        var net = ModelZoo.Build(Cpu, TinyConv with { Constraint = Layout }, 3, warm);
        using (var trainer = new Trainer(net, new TrainOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-3f, Seed = 3 }))
            trainer.Fit(Data.Train, Data.Test);
        return net;
    });

    private static TrueNorthConstraint TrueNorthOf(IWeightedLayer layer) => (TrueNorthConstraint)((MaskedConstraint)layer.Constraint!).Inner!;

    [Fact]
    public void Conv_weights_follow_one_type_map_per_channel_group_after_training_steps()
    {
        var net = Trained.Value;
        foreach (var layer in net.Layers.OfType<IWeightedLayer>().Where(l => l.Kind == LayerKind.Conv))
        {
            var tn = TrueNorthOf(layer);
            Assert.Equal(layer.OutChannels / 2, tn.Layout.Cores); // groups of 2 channels, each with its own type map
            Assert.Equal(Enumerable.Range(0, layer.OutChannels).Select(o => o / 2), tn.Layout.CoreOfRow);
            var d = tn.Deployable();
            var w = layer.EffectiveWeights();
            int fanIn = layer.FanIn;
            Assert.All(tn.AxonTypes, t => Assert.InRange(t, 0, 3));
            Assert.True(tn.AxonTypes.Distinct().Count() > 1, $"{layer.Name}: a single type would pass trivially");
            for (int o = 0; o < layer.OutChannels; o++)
                for (int tap = 0; tap < fanIn; tap++)
                    Assert.Equal(d.Scale * d.Levels[o * 4 + tn.AxonTypes[(o / 2) * fanIn + tap]], w[o * fanIn + tap]); // exactly c_o[type_g(o)(tap)]
            // Within the budget, the conv layer keeps every synapse and has no core partition of its own.
            var masked = (MaskedConstraint)layer.Constraint!;
            Assert.All(masked.CurrentMask, Assert.True);
            Assert.Null(masked.Cores);
        }
        // The classifier reads 200 > 64 inputs: cores of 2 neurons, each reading at most 64 distinct inputs.
        var fc = net.Layers.OfType<IWeightedLayer>().Single(l => l.Kind == LayerKind.Dense);
        var fcMask = (MaskedConstraint)fc.Constraint!;
        var core = fcMask.Partition!.CoreOfNeuron;
        var mask = fcMask.CurrentMask.ToArray();
        Assert.Equal(5, core.Distinct().Count());
        Assert.All(ConnectivityMasks.InputsPerCore(mask, fc.OutChannels, fc.FanIn, core, 5), a => Assert.InRange(a, 1, 64));
        Assert.Equal(2, TrueNorthOf(fc).Layout.NeuronsPerCore);
    }

    [Fact]
    public void Conv_truenorth_export_round_trips_and_integer_inference_equals_the_float_predictions()
    {
        var net = Trained.Value;
        var model = DeployExporter.Export(net, "test");
        Assert.Equal(2, model.Header.Version);
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-convtn-{Guid.NewGuid():N}.sfdm");
        try
        {
            model.Save(path);
            var loaded = DeployedModel.Load(path);
            foreach (var (layer, w) in loaded.WeightedLayers.Zip(net.Layers.OfType<IWeightedLayer>()))
            {
                Assert.True(layer.TrueNorth && layer.PerNeuron);
                Assert.Equal(TrueNorthOf(w).AxonTypes, loaded.Indices(layer));
                Assert.Equal(w.EffectiveWeights(), loaded.DecodedWeights(layer));
                if (w.Kind == LayerKind.Conv)
                {
                    Assert.Equal(DeployedOp.Conv, layer.Op);
                    Assert.Equal(layer.Rows / 2, layer.Cores); // one type map [fanIn] per channel group
                    var group = loaded.CoreOfRow(layer)!;
                    var q = loaded.Levels(layer);
                    var integer = loaded.IntegerWeights(layer);
                    for (int o = 0; o < layer.Rows; o++)
                        for (int tap = 0; tap < layer.FanIn; tap++)
                            Assert.Equal(q[o * 4 + loaded.Indices(layer)[group[o] * layer.FanIn + tap]], integer[o * layer.FanIn + tap]);
                }
            }
            int n = Data.Test.Count;
            var result = new IntegerInference(loaded, path).Run(Images8, n);
            var (floatPredictions, _) = FloatReadout.Run(net, Images8, n);
            int agree = Enumerable.Range(0, n).Count(i => result.Predictions[i] == floatPredictions[i]);
            int correct = Enumerable.Range(0, n).Count(i => result.Predictions[i] == Data.Test.Labels[i]);
            _log.WriteLine($"conv fp32 warm start {WarmAccuracy:P1}; conv TrueNorth: integer agrees with float on {agree}/{n}, integer accuracy {(double)correct / n:P1}");
            Assert.True(agree >= 0.99 * n, $"predictions agree on {agree} of {n}");
            Assert.True(correct > 0.3 * n, $"integer accuracy {(double)correct / n:P1}: the task is learnable");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_mapper_places_the_trained_conv_net_on_truenorth_one_position_and_channel_group_per_core_with_a_typing_in_every_core()
    {
        var net = Trained.Value;
        var summary = ModelMetrics.Summarize(net, new Dictionary<string, double>(), "conv-tn");
        var fit = FitChecker.Check(summary, HardwareChip("TrueNorth"));
        Assert.True(fit.Fits, string.Join("; ", fit.Violations));
        // Wider tiles (all 4 or 8 channels) would mix type maps: the typing from the trained weights rejects them.
        Assert.Equal("tiles of 1×1 positions × 2 channels", fit.Layers[0].Placement);
        Assert.Equal(26 * 26 * 2, fit.Layers[0].Cores);
        Assert.Equal("tiles of 1×1 positions × 2 channels", fit.Layers[1].Placement);
        Assert.Equal(11 * 11 * 4, fit.Layers[1].Cores);
        Assert.Equal("partition", fit.Layers[2].Placement);
        Assert.All(fit.Layers.Take(2).SelectMany(l => l.CoreTable), c => Assert.NotEqual("none", c.Typing));
        Assert.All(fit.Layers[2].CoreTable, c => Assert.InRange(c.DistinctInputs, 1, 64));
    }

    private static ChipProfile HardwareChip(string name) => ChipCatalog.Load().Single(c => c.Name == name);
}
