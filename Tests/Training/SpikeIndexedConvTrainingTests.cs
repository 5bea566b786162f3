using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Training;

/// <summary>
/// Training the conv net with its second convolution spike-indexed (input spikes kept as bits)
/// follows the same trajectory as with im2col + GEMM (float spikes): on the cpu backend bit for bit
/// (losses and every parameter after each step), on ILGPU backends within float rounding.
/// </summary>
public abstract class SpikeIndexedConvTrainingTests : BackendTestBase
{
    private const int Batch = 4, Classes = 10, Steps = 4;

    /// <summary>The conv net's channel counts (16, 32: the kernels' fast paths) on a 12×12 input, T = 3.</summary>
    private static NetworkSpec Spec => NetworkSpec.Conv(t: 3) with { InputHeight = 12, InputWidth = 12 };

    private static DataSplit RandomData(int samples, int features, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var y = Enumerable.Range(0, samples).Select(_ => rng.Next(Classes)).ToArray();
        return new DataSplit(x, y, features);
    }

    private (List<double> Losses, Dictionary<string, float[]> Weights, long Peak) Train(bool spikeIndexed)
    {
        var backend = Backend;
        using var net = ModelZoo.Build(backend, Spec, 7);
        var conv2 = net.Layers.OfType<Conv2dLayer>().Single(c => c.Name == "conv2");
        Assert.True(conv2.SpikingInput);
        conv2.SpikeIndexed = spikeIndexed;
        int features = net.InputShape.Size;
        var options = new TrainOptions { Epochs = 1, BatchSize = Batch, LearningRate = 2e-2f, Seed = 5, MaxBatchesPerEpoch = Steps };
        var losses = new List<double>();
        backend.ResetPeak();
        long before = backend.AllocatedBytes;
        using (var trainer = new Trainer(net, options))
        {
            trainer.BatchDone += p => losses.Add(p.Loss);
            trainer.Fit(RandomData(Steps * Batch, features, 11), RandomData(Batch, features, 12));
        }
        return (losses, net.Snapshot(), backend.PeakAllocatedBytes - before);
    }

    [SkippableFact]
    public void Same_losses_and_weights_as_im2col_with_less_memory()
    {
        var dense = Train(spikeIndexed: false);
        var spike = Train(spikeIndexed: true);
        Assert.Equal(Steps, spike.Losses.Count);
        Assert.True(spike.Peak < dense.Peak, $"peak with spikes as bits {spike.Peak} B, with im2col {dense.Peak} B");
        if (Backend.Kind == BackendKind.Cpu)
        {
            Assert.Equal(dense.Losses, spike.Losses);
            foreach (var (name, values) in dense.Weights) Assert.Equal(values, spike.Weights[name]);
            return;
        }
        for (int i = 0; i < Steps; i++) Assert.True(Math.Abs(dense.Losses[i] - spike.Losses[i]) <= 1e-4 * (1 + Math.Abs(dense.Losses[i])));
        foreach (var (name, values) in dense.Weights)
            for (int j = 0; j < values.Length; j++)
                Assert.True(Math.Abs(values[j] - spike.Weights[name][j]) <= 1e-3, $"{name}[{j}]: {values[j]} vs {spike.Weights[name][j]}");
    }

    [SkippableFact]
    public void A_convolution_whose_input_is_not_spikes_refuses_spike_indexing()
    {
        using var net = ModelZoo.Build(Backend, Spec, 7);
        var conv1 = net.Layers.OfType<Conv2dLayer>().Single(c => c.Name == "conv1");
        Assert.False(conv1.SpikingInput);
        Assert.False(conv1.SpikeIndexed);
        var e = Assert.Throws<InvalidOperationException>(() => conv1.SpikeIndexed = true);
        Assert.Contains("not spikes", e.Message);
    }
}
