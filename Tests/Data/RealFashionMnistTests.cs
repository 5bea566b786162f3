using System.Diagnostics;
using SpikeFit.Training.Data;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Data;

/// <summary>Loads the real Fashion-MNIST from the Debian package when this machine has it.</summary>
public class RealFashionMnistTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Debian_fashion_mnist_loads_with_the_known_digests()
    {
        Skip.IfNot(DatasetFolder.IsComplete(KnownDatasets.DebianFashionMnistFolder),
            $"{KnownDatasets.DebianFashionMnistFolder} is absent (sudo apt-get install dataset-fashion-mnist)");
        using var cache = new TempDir();
        var options = new DatasetResolverOptions
        {
            CacheRoot = cache.Path, AllowDownload = false, Environment = _ => null,
        };

        var clock = Stopwatch.StartNew();
        var data = DatasetResolver.Resolve("fashion-mnist", null, options);
        clock.Stop();
        output.WriteLine($"{data.Describe()} in {clock.ElapsedMilliseconds} ms");

        Assert.StartsWith("Debian package dataset-fashion-mnist", data.Source);
        Assert.True(data.Verified);
        Assert.Equal((60000, 10000), (data.TrainCount, data.TestCount));
        Assert.Equal(ImageShape.Mnist, data.Shape);
        Assert.Equal(60000 * 784, data.TrainImages.Length);
        Assert.Equal(KnownDatasets.FashionMnistSha256, data.FileSha256);
        Assert.All(data.TrainLabels.Concat(data.TestLabels), l => Assert.InRange(l, 0, 9));
        // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
        Assert.All(data.TrainLabels.CountBy(l => l), kv => Assert.Equal(6000, kv.Value));
        Assert.All(data.TestLabels.CountBy(l => l), kv => Assert.Equal(1000, kv.Value));
        Assert.Equal(1f, data.TrainImages.Max());
        Assert.Equal(0f, data.TrainImages.Min());
    }
}
