using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Training;

public sealed class TrainerTests
{
    private static readonly NetworkSpec Tiny = NetworkSpec.Mlp(t: 4, hidden: 32);
    private static readonly TrainOptions Quick = new() { Epochs = 3, BatchSize = 32, LearningRate = 5e-3f, Seed = 3 };

    private static Dictionary<string, float[]> Train(Backend backend, NetworkSpec spec, TrainOptions options,
        DataSplit train, DataSplit test, out TrainResult result, string? checkpoint = null)
    {
        using var net = ModelZoo.Build(backend, spec, options.Seed);
        using var trainer = new Trainer(net, options, checkpoint);
        result = trainer.Fit(train, test);
        return net.Snapshot();
    }

    [Fact]
    public void Mlp_learns_the_prototype_task()
    {
        var (train, test) = TrainingFixtures.Prototypes(640, 200);
        using var cpu = new CpuBackend();
        Train(cpu, Tiny, Quick, train, test, out var result);
        Assert.True(result.TestAccuracy > 0.8, $"test accuracy {result.TestAccuracy:P1} after 3 epochs (chance is 10%)");
        Assert.Equal(3, result.History.Count);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
    }

    [Theory]
    [InlineData(Readout.SpikeCount, InputEncoding.Direct)]
    [InlineData(Readout.Membrane, InputEncoding.Poisson)]
    public void Same_seed_gives_identical_weights(Readout readout, InputEncoding encoding)
    {
        var (train, test) = TrainingFixtures.Prototypes(256, 64);
        var spec = Tiny with { Readout = readout, Encoding = encoding };
        using var cpu = new CpuBackend();
        var a = Train(cpu, spec, Quick with { Epochs = 2 }, train, test, out _);
        var b = Train(cpu, spec, Quick with { Epochs = 2 }, train, test, out _);
        foreach (var (name, value) in a) Assert.Equal(value, b[name]);
        var c = Train(cpu, spec, Quick with { Epochs = 2, Seed = 4 }, train, test, out _);
        Assert.NotEqual(a["fc1.weight"], c["fc1.weight"]);
    }

    [Fact]
    public void Killed_run_resumes_to_the_same_final_weights()
    {
        var (train, test) = TrainingFixtures.Prototypes(256, 64);
        var dir = Directory.CreateTempSubdirectory("spikefit-resume-");
        try
        {
            using var cpu = new CpuBackend();
            var options = Quick with { Epochs = 3 };
            var straight = Train(cpu, Tiny, options, train, test, out _, Path.Combine(dir.FullName, "a.ckpt"));

            // Interrupt the second epoch half-way (as Ctrl-C would), then resume from the epoch-1 checkpoint.
            string path = Path.Combine(dir.FullName, "b.ckpt");
            using (var net = ModelZoo.Build(cpu, Tiny, options.Seed))
            using (var trainer = new Trainer(net, options, path))
            {
                using var cancel = new CancellationTokenSource();
                trainer.BatchDone += p => { if (p.Epoch == 1 && p.Batch == 3) cancel.Cancel(); };
                var partial = trainer.Fit(train, test, cancel.Token);
                Assert.True(partial.Cancelled);
                Assert.Equal(1, Checkpoint.ReadHeader(path).EpochsCompleted);
            }
            Dictionary<string, float[]> resumed;
            using (var net = ModelZoo.Build(cpu, Tiny, seed: 999)) // different init: the checkpoint must overwrite it
            using (var trainer = new Trainer(net, options, path))
            {
                var result = trainer.Fit(train, test, resume: true);
                Assert.Equal(3, result.History.Count);
                resumed = net.Snapshot();
            }
            foreach (var (name, value) in straight) Assert.Equal(value, resumed[name]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(20)]     // inside the header
    [InlineData(-40)]    // inside the parameters
    [InlineData(0)]      // a byte flipped in the header, length kept
    public void A_damaged_checkpoint_header_is_refused_by_name_before_it_is_parsed(int cut)
    {
        var (train, test) = TrainingFixtures.Prototypes(128, 32);
        var dir = Directory.CreateTempSubdirectory("spikefit-header-");
        try
        {
            using var cpu = new CpuBackend();
            string path = Path.Combine(dir.FullName, "c.sfck");
            Train(cpu, Tiny, Quick with { Epochs = 1 }, train, test, out _, path);
            var bytes = File.ReadAllBytes(path);
            if (cut == 0) bytes[24] ^= 0x20;
            else bytes = bytes[..(cut > 0 ? cut : bytes.Length + cut)];
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadHeader(path));
            Assert.Contains(path, e.Message);
            Assert.True(e.Message.Contains("truncated") || e.Message.Contains("checksum"), e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_resume_on_another_dataset_is_refused_and_on_the_same_one_goes_on()
    {
        var (train, test) = TrainingFixtures.Prototypes(128, 32);
        var dir = Directory.CreateTempSubdirectory("spikefit-resume-data-");
        try
        {
            using var cpu = new CpuBackend();
            string path = Path.Combine(dir.FullName, "c.sfck");
            using (var net = ModelZoo.Build(cpu, Tiny, Quick.Seed))
            using (var first = new Trainer(net, Quick with { Epochs = 1 }, path) { DatasetSha256 = "aa11" })
                first.Fit(train, test);
            Assert.Equal("aa11", Checkpoint.ReadHeader(path).DatasetSha256);
            using (var net = ModelZoo.Build(cpu, Tiny, Quick.Seed))
            using (var other = new Trainer(net, Quick with { Epochs = 2 }, path) { DatasetSha256 = "bb22" })
            {
                var e = Assert.Throws<InvalidOperationException>(() => other.Fit(train, test, resume: true));
                Assert.Contains("another dataset", e.Message);
                Assert.Contains(path, e.Message);
            }
            using (var net = ModelZoo.Build(cpu, Tiny, Quick.Seed))
            using (var same = new Trainer(net, Quick with { Epochs = 2 }, path) { DatasetSha256 = "aa11" })
                Assert.Equal(2, same.Fit(train, test, resume: true).EpochsCompleted);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Corrupt_checkpoint_is_refused_with_its_path()
    {
        var (train, test) = TrainingFixtures.Prototypes(128, 32);
        var dir = Directory.CreateTempSubdirectory("spikefit-corrupt-");
        try
        {
            using var cpu = new CpuBackend();
            string path = Path.Combine(dir.FullName, "c.ckpt");
            Train(cpu, Tiny, Quick with { Epochs = 1 }, train, test, out _, path);
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(path, bytes);
            using var net = ModelZoo.Build(cpu, Tiny, Quick.Seed);
            using var trainer = new Trainer(net, Quick with { Epochs = 2 }, path);
            var e = Assert.Throws<InvalidDataException>(() => trainer.Fit(train, test, resume: true));
            Assert.Contains(path, e.Message);
            Assert.Contains("checksum", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Nan_loss_stops_with_epoch_and_batch()
    {
        // An absurd learning rate overflows the weights after the first update.
        var (train, test) = TrainingFixtures.Prototypes(128, 32);
        using var cpu = new CpuBackend();
        using var net = ModelZoo.Build(cpu, Tiny, 1);
        using var trainer = new Trainer(net, Quick with { LearningRate = 1e38f, Schedule = LrSchedule.Constant });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(train, test));
        Assert.Equal(0, e.Epoch);
        Assert.Contains($"epoch 1, batch {e.Batch + 1}", e.Message);
        Assert.Contains("lower learning rate", e.Message);
    }

    [SkippableFact]
    public void Ilgpu_simulator_trains_a_tiny_net_like_the_cpu_path()
    {
        var (sim, reason) = TestBackends.Get(BackendKind.IlgpuCpu);
        Skip.If(sim is null, reason);
        var (train, test) = TrainingFixtures.Prototypes(64, 16);
        var spec = NetworkSpec.Mlp(t: 3, hidden: 16);
        var options = Quick with { Epochs = 1, BatchSize = 16, MaxBatchesPerEpoch = 3 };
        using var cpu = new CpuBackend();
        var expected = Train(cpu, spec, options, train, test, out var cpuResult);
        var actual = Train(sim!, spec, options, train, test, out var simResult);
        Assert.True(double.IsFinite(simResult.History[0].TrainLoss));
        foreach (var (name, value) in expected)
        {
            double worst = value.Zip(actual[name]).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst < 1e-4, $"{name} differs by {worst} between cpu and ilgpu-cpu after 3 batches");
        }
    }

    [Fact]
    public void Bad_options_are_rejected_clearly()
    {
        Assert.Contains("batch size", Assert.Throws<ArgumentException>(() => (Quick with { BatchSize = 0 }).Validate()).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => (Quick with { LearningRate = -1 }).Validate()).Message);
        Assert.Contains("Unknown net", Assert.Throws<ArgumentException>(() => (Tiny with { Net = "rnn" }).Validate()).Message);
    }
}
