using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Training;

/// <summary>
/// Compressed training stays on the device: a training step of every compressed variant makes no
/// host↔device copies besides the batch upload (images, labels, sample ids: 3 uploads) and the
/// loss/logits read-back (2 downloads), and the device projection is the host reference's, bit for bit.
/// </summary>
public abstract class DeviceResidentTrainingTests : BackendTestBase
{
    private const int Batch = 4, Classes = 10;

    /// <summary>Tiny networks: an 8×8-input MLP, and a 10×10 conv net (2 and 4 channels).</summary>
    private static NetworkSpec Net(string net) => net == "mlp"
        ? NetworkSpec.Mlp(t: 2, hidden: 16) with { InputHeight = 8, InputWidth = 8 }
        : NetworkSpec.Conv(t: 2) with { Hidden = new[] { 2, 4 }, InputHeight = 10, InputWidth = 10 };

    private static NetworkSpec Compressed(string net, string variant) => variant switch
    {
        "cat-layer" => Net(net) with { Codebook = new CodebookSpec(M: 4, Bits: 4) },
        "cat-neuron" => Net(net) with { Codebook = new CodebookSpec(M: 4, Bits: 4, PerNeuron: true) },
        "cat-network" => Net(net) with { Codebook = new CodebookSpec(M: 4, Bits: 4, WholeNetwork: true) },
        "ste-uniform" => Net(net) with { Ste = new SteSpec(SteQuantizer.UniformSymmetric, 4) },
        "ste-binary" => Net(net) with { Ste = new SteSpec(SteQuantizer.Binary) },
        "ste-ternary" => Net(net) with { Ste = new SteSpec(SteQuantizer.Ternary) },
        "ste-twobit" => Net(net) with { Ste = new SteSpec(SteQuantizer.UniformTwoBit) },
        "deep-compression" => Net(net) with { SharedWeights = new SharedWeightsSpec(M: 4) },
        // Chip layouts (DESIGN §4b–d) without revisions: a revision reads the latent weights back by design.
        "mask-fanin-cat" => Net(net) with { Constraint = new ConnectivitySpec(new CodebookSpec(M: 4, Bits: 4), FanIn: 5) },
        "mask-core-cat-per-core" => Net(net) with
            { Constraint = new ConnectivitySpec(new CodebookSpec(M: 4, Bits: 4, NeuronsPerCore: 4), FanIn: 5, CoreInputs: 6, NeuronsPerCore: 4) },
        "truenorth" => Net(net) with { Constraint = new TrueNorthSpec(NeuronsPerCore: 4) },
        "mask-core-truenorth" => Net(net) with { Constraint = new ConnectivitySpec(new TrueNorthSpec(NeuronsPerCore: 4), CoreInputs: 6, NeuronsPerCore: 4) },
        _ => throw new ArgumentException(variant),
    };

    private static DataSplit RandomData(int samples, int features, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var y = Enumerable.Range(0, samples).Select(_ => rng.Next(Classes)).ToArray();
        return new DataSplit(x, y, features);
    }

    /// <summary>Trains <paramref name="batches"/> batches, calling <paramref name="afterBatch"/> after each (after its loss/logits read-back).</summary>
    private static void Train(SpikingNetwork net, int batches, Action<BatchProgress> afterBatch)
    {
        int features = net.InputShape.Size;
        var train = RandomData(batches * Batch, features, 11);
        var test = RandomData(Batch, features, 12);
        var options = new TrainOptions { Epochs = 1, BatchSize = Batch, LearningRate = 5e-2f, Seed = 5, MaxBatchesPerEpoch = batches };
        using var trainer = new Trainer(net, options);
        trainer.BatchDone += afterBatch;
        trainer.Fit(train, test);
    }

    [SkippableTheory]
    [InlineData("mlp", "cat-layer")]
    [InlineData("mlp", "cat-neuron")]
    [InlineData("mlp", "cat-network")]
    [InlineData("mlp", "ste-uniform")]
    [InlineData("mlp", "ste-binary")]
    [InlineData("mlp", "ste-ternary")]
    [InlineData("mlp", "ste-twobit")]
    [InlineData("mlp", "deep-compression")]
    [InlineData("conv", "cat-layer")]
    [InlineData("conv", "cat-neuron")]
    [InlineData("conv", "cat-network")]
    [InlineData("conv", "ste-uniform")]
    [InlineData("conv", "ste-ternary")]
    [InlineData("conv", "deep-compression")]
    [InlineData("mlp", "mask-fanin-cat")]
    [InlineData("mlp", "mask-core-cat-per-core")]
    [InlineData("mlp", "truenorth")]
    [InlineData("mlp", "mask-core-truenorth")]
    [InlineData("conv", "mask-fanin-cat")]
    public void A_training_step_copies_only_the_batch_and_the_loss(string net, string variant)
    {
        var backend = Backend;
        using var model = ModelZoo.Build(backend, Compressed(net, variant), 3);
        int features = model.InputShape.Size;
        var readings = new List<TransferCounts>();
        // Batch 0 warms up (kernels compile, scratch buffers grow); batch 1 is a steady step, measured
        // from the end of batch 0's read-back to the end of its own (two on the fast cpu backend).
        int batches = backend.Kind == BackendKind.Cpu ? 3 : 2;
        Train(model, batches, _ => readings.Add(backend.Transfers));
        Assert.Equal(batches, readings.Count);

        var expected = new TransferCounts(Uploads: 3, Downloads: 2,
            UploadBytes: Batch * features * sizeof(float) + 2L * Batch * sizeof(int),
            DownloadBytes: Batch * sizeof(float) + Batch * Classes * sizeof(float));
        for (int step = 1; step < readings.Count; step++)
            Assert.True(readings[step] - readings[step - 1] == expected,
                $"{net} {variant} on {backend.Kind.CliName()}, step {step}: {readings[step] - readings[step - 1]}; expected {expected}");
    }

    /// <summary>
    /// The training trajectory is unchanged by moving CAT's projection to the device: after every
    /// step, each layer's projected codebook and scale equal the host reference
    /// <see cref="DistinctLevels.Project"/> applied to the same latent codebook, bit for bit.
    /// </summary>
    [SkippableTheory]
    [InlineData("mlp", "cat-layer")]
    [InlineData("mlp", "cat-neuron")]
    [InlineData("mlp", "cat-network")]
    [InlineData("conv", "cat-network")]
    public void Device_projection_equals_the_host_reference_during_training(string net, string variant)
    {
        var backend = Backend;
        // M = 8 on 3 bits (M = 2^b, the wider scale): with a high learning rate levels collide and get fixed.
        var spec = Compressed(net, variant);
        spec = spec with { Codebook = spec.Codebook! with { M = 8, Bits = 3, LearningRateScale = 1f } };
        using var model = ModelZoo.Build(backend, spec, 3);
        int checkedLayers = 0;
        Train(model, 3, _ =>
        {
            foreach (var layer in model.Layers.OfType<IWeightedLayer>())
            {
                var c = Assert.IsType<CodebookConstraint>(layer.Constraint);
                var latent = c.Codebook.Value.ToArray();
                int groups = c.WholeNetwork ? 1 : c.Shape.Groups;
                var host = new float[latent.Length];
                float hostScale = DistinctLevels.Project(latent, host, groups, c.M, c.Bits);
                var (device, _, deviceScale, _) = c.Deployed();
                Assert.Equal(BitConverter.SingleToInt32Bits(hostScale), BitConverter.SingleToInt32Bits(deviceScale));
                Assert.Equal(host.Select(BitConverter.SingleToInt32Bits), device.Select(BitConverter.SingleToInt32Bits));
                checkedLayers++;
            }
        });
        Assert.True(checkedLayers >= 6, $"only {checkedLayers} layer checks ran");
    }
}


/// <summary>On the cpu backend the STE quantizer kernels run the host quantizers' arithmetic: the same bits as <see cref="Ste.Forward"/>.</summary>
public sealed class SteDeviceForwardTests
{
    [Theory]
    [InlineData(SteQuantizer.UniformSymmetric, 4)]
    [InlineData(SteQuantizer.UniformSymmetric, 8)]
    [InlineData(SteQuantizer.Binary, 1)]
    [InlineData(SteQuantizer.Ternary, 2)]
    [InlineData(SteQuantizer.UniformTwoBit, 2)]
    public void Cpu_forward_equals_Ste_Forward_bitwise(SteQuantizer quantizer, int bits)
    {
        using var cpu = new CpuBackend();
        var spec = NetworkSpec.Mlp(t: 2, hidden: 32) with { Ste = new SteSpec(quantizer, bits) };
        using var model = ModelZoo.Build(cpu, spec, 4);
        foreach (var layer in model.Layers.OfType<IWeightedLayer>())
        {
            var latent = layer.Weight.Value.ToArray();
            var host = new float[latent.Length];
            Ste.Forward(quantizer, latent, host, bits);
            var device = layer.EffectiveWeights();
            Assert.Equal(host.Select(BitConverter.SingleToInt32Bits), device.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
