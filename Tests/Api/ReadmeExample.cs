using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using SpikeFit.Training.Data;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Api;

/// <summary>The README's API example, compiled here and run by <see cref="ReadmeExampleTests"/>.</summary>
public static class ReadmeExample
{
    // README: begin api-example
    public static double TrainMlp(Dataset data, string device = "auto", int epochs = 1)
    {
        using var backend = DeviceDiscovery.Open(BackendKindNames.Parse(device)).Backend;
        var spec = NetworkSpec.Mlp(t: 16, hidden: 512);                // 784-512-10, T = 16
        using var net = ModelZoo.Build(backend, spec, seed: 1);
        var options = new TrainOptions { Epochs = epochs, BatchSize = 128, LearningRate = 1e-3f };
        using var trainer = new Trainer(net, options, checkpointPath: null);
        trainer.EpochDone += e => Console.WriteLine($"epoch {e.Epoch + 1}: test accuracy {e.TestAccuracy:P2}");
        var (train, test) = data.Splits();
        return trainer.Fit(train, test).TestAccuracy;
    }
    // README: end api-example
}

public sealed class ReadmeExampleTests
{
    [Fact]
    public void Readme_shows_the_compiled_example_verbatim()
    {
        string Block(string text)
        {
            int start = text.IndexOf("// README: begin api-example", StringComparison.Ordinal);
            int end = text.IndexOf("// README: end api-example", StringComparison.Ordinal);
            Assert.True(start >= 0 && end > start, "api-example markers not found");
            return string.Join('\n', text[start..end].Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0));
        }
        string root = FindRoot();
        string code = Block(File.ReadAllText(Path.Combine(root, "Tests", "Api", "ReadmeExample.cs")));
        string readme = Block(File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.Equal(code, readme);
    }

    [Fact]
    public void Readme_example_trains_on_synthetic_data()
    {
        var data = Dataset.Synthetic(train: 1280, test: 256, seed: 5);
        double accuracy = ReadmeExample.TrainMlp(data, device: "cpu", epochs: 2);
        Assert.True(accuracy > 0.5, $"accuracy {accuracy:P1} after 2 epochs on the synthetic set");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SpikeFit.Gpu.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Repository root (SpikeFit.Gpu.sln) not found above the test binaries.");
    }
}
