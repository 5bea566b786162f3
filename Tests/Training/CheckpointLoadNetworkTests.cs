using System.Text.Json;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>Checkpoint.LoadNetwork, NetworkSpec.For and DatasetLoader: the library calls the commands use.</summary>
public sealed class CheckpointLoadNetworkTests
{
    [Fact]
    public void LoadNetwork_rebuilds_the_saved_network_with_its_values()
    {
        var (train, test) = TrainingFixtures.Prototypes(128, 40);
        string path = Path.Combine(Path.GetTempPath(), $"spikefit-load-{Guid.NewGuid():N}.sfck");
        try
        {
            using var cpu = new CpuBackend();
            var spec = NetworkSpec.Mlp(t: 4, hidden: 24);
            var options = new TrainOptions { Epochs = 1, BatchSize = 32, Seed = 9 };
            Dictionary<string, float[]> trained;
            using (var net = ModelZoo.Build(cpu, spec, options.Seed))
            using (var trainer = new Trainer(net, options, path))
            {
                trainer.Fit(train, test);
                trained = net.Snapshot();
            }
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*.tmp"));

            using var loaded = Checkpoint.LoadNetwork(cpu, path, out var header, Dataset.Synthetic(10, 10, seed: 1));
            Assert.Equal(1, header.EpochsCompleted);
            Assert.Equal(spec.ToString(), loaded.Spec.ToString());
            var values = loaded.Snapshot();
            Assert.Equal(trained.Keys.Order(), values.Keys.Order());
            foreach (var (name, v) in trained) Assert.Equal(v, values[name]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadNetwork_names_a_missing_file_and_a_dataset_of_another_shape()
    {
        using var cpu = new CpuBackend();
        string missing = Path.Combine(Path.GetTempPath(), $"spikefit-missing-{Guid.NewGuid():N}.sfck");
        var notFound = Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadNetwork(cpu, missing));
        Assert.Contains(missing, notFound.Message);

        string path = Path.Combine(Path.GetTempPath(), $"spikefit-shape-{Guid.NewGuid():N}.sfck");
        try
        {
            using (var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 8), seed: 1))
                Checkpoint.Save(path, net, new TrainOptions(), 0, 0, new List<EpochReport>());
            var fiveClasses = Dataset.Synthetic(10, 10, seed: 1) with { Classes = 5 };
            var e = Assert.Throws<ArgumentException>(() => Checkpoint.LoadNetwork(cpu, path, fiveClasses));
            Assert.Contains("10 classes", e.Message);
            Assert.Contains("pick the dataset the model was trained on", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("conv")]
    public void NetworkSpec_For_gives_the_named_default(string net)
    {
        var expected = net == "mlp" ? NetworkSpec.Mlp() : NetworkSpec.Conv();
        Assert.Equal(JsonSerializer.Serialize(expected, Checkpoint.Json), JsonSerializer.Serialize(NetworkSpec.For(net), Checkpoint.Json));
    }

    [Fact]
    public void NetworkSpec_For_lists_the_known_nets_for_an_unknown_name()
    {
        var e = Assert.Throws<ArgumentException>(() => NetworkSpec.For("resnet"));
        Assert.Contains("'resnet'", e.Message);
        Assert.Contains("mlp", e.Message);
        Assert.Contains("conv", e.Message);
    }

    [Fact]
    public void DatasetLoader_builds_synthetic_data_and_resolves_other_names()
    {
        var synthetic = DatasetLoader.Load(DatasetLoader.SyntheticName);
        Assert.Equal((DatasetLoader.SyntheticTrain, DatasetLoader.SyntheticTest), (synthetic.TrainCount, synthetic.TestCount));
        Assert.Equal(Dataset.Synthetic(DatasetLoader.SyntheticTrain, DatasetLoader.SyntheticTest, seed: 1).Sha256, synthetic.Sha256);

        // Any other name goes to the resolver: an explicit empty --data folder is the only source tried.
        string empty = Path.Combine(Path.GetTempPath(), $"spikefit-empty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(empty);
        try
        {
            var e = Assert.Throws<DatasetNotFoundException>(() => DatasetLoader.Load("fashion-mnist", empty));
            Assert.Contains("--data", e.Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
