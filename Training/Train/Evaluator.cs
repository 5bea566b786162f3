using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;

namespace SpikeFit.Training.Train;

/// <summary>What <see cref="Evaluator.Evaluate"/> measured on a split.</summary>
/// <param name="Accuracy">Fraction of samples whose largest readout is their label (first maximum on ties).</param>
/// <param name="Loss">Mean softmax cross-entropy.</param>
/// <param name="FiringRates">Spikes per neuron per time step of each spiking layer, by layer name.</param>
/// <param name="InputRates">Spikes per input per time step arriving at each weighted layer with a
/// spiking input, by layer name (layers reading the analog image directly are absent).</param>
/// <param name="Samples">Samples evaluated.</param>
public sealed record Evaluation(double Accuracy, double Loss, Dictionary<string, double> FiringRates,
    Dictionary<string, double> InputRates, int Samples);

/// <summary>
/// Evaluates a network on a split without training it: accuracy, loss, and the spike rates the
/// hardware and energy models need. It needs no <see cref="TrainOptions"/>, holds only the buffers of
/// one batch (of any size), and never touches parameter gradients or optimiser state. A <see cref="Trainer"/>
/// evaluates through one of these on its own buffers.
/// Poisson spikes depend only on a fixed seed and each sample's index in the split, not on the
/// batch the sample lands in, so repeated calls give the same figures.
/// </summary>
public sealed class Evaluator : IDisposable
{
    /// <summary>The Poisson seed of every evaluation, so test accuracy is comparable between epochs and runs.</summary>
    public const uint SpikeSeed = 0xE7A1u;

    private readonly SpikingNetwork _net;
    private readonly Backend _backend;
    private readonly DeviceBatch _batch;
    private readonly DeviceBuffer<float> _logits, _losses, _gradOut;
    private readonly Dictionary<(string Name, int Features), DeviceBuffer<float>> _spikeSums = new();
    private readonly float[] _hostLogits, _hostLosses;
    private readonly bool _ownsBuffers;
    private readonly int _classes;

    /// <summary>An evaluator with its own buffers for batches of <paramref name="batchSize"/> samples.</summary>
    public Evaluator(SpikingNetwork net, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _net = net;
        _backend = net.Backend;
        _classes = net.Spec.Classes;
        _ownsBuffers = true;
        var allocated = new List<IDisposable>();
        try
        {
            _batch = Track(new DeviceBatch(_backend, batchSize, net.InputShape.Size), allocated);
            _logits = Track(_backend.Allocate<float>((long)batchSize * _classes), allocated);
            _losses = Track(_backend.Allocate<float>(batchSize), allocated);
            _gradOut = Track(_backend.Allocate<float>((long)net.Spec.T * batchSize * _classes), allocated);
        }
        catch
        {
            foreach (var d in allocated) d.Dispose();
            throw;
        }
        _hostLogits = new float[batchSize * _classes];
        _hostLosses = new float[batchSize];
    }

    /// <summary>
    /// An evaluator on a trainer's buffers (the trainer owns and disposes them): evaluating between
    /// epochs then needs no memory beyond what training already holds.
    /// </summary>
    internal Evaluator(SpikingNetwork net, DeviceBatch batch, DeviceBuffer<float> logits, DeviceBuffer<float> losses, DeviceBuffer<float> gradOut)
    {
        _net = net;
        _backend = net.Backend;
        _classes = net.Spec.Classes;
        _batch = batch;
        (_logits, _losses, _gradOut) = (logits, losses, gradOut);
        _ownsBuffers = false;
        _hostLogits = new float[batch.Capacity * _classes];
        _hostLosses = new float[batch.Capacity];
    }

    private static T Track<T>(T item, List<IDisposable> list) where T : IDisposable
    {
        list.Add(item);
        return item;
    }

    /// <summary>
    /// Runs the first min(<paramref name="maxSamples"/>, Count) samples of <paramref name="data"/>
    /// through the network in order and reports accuracy, loss, and firing and input spike rates.
    /// </summary>
    public Evaluation Evaluate(DataSplit data, int? maxSamples = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = Math.Min(data.Count, maxSamples ?? int.MaxValue);
        long correct = 0;
        double lossSum = 0;
        var spikeTotals = new Dictionary<string, double>();
        var neuronSteps = new Dictionary<string, double>();
        var inputTotals = new Dictionary<string, double>();
        var inputSteps = new Dictionary<string, double>();
        for (int start = 0; start < n; start += _batch.Capacity)
        {
            int b = Math.Min(_batch.Capacity, n - start);
            _batch.StageRange(data, start, b);
            var output = _net.Forward(_batch.Images, b, _batch.Ids, seed: SpikeSeed);
            _backend.Loss.SoftmaxCrossEntropy(_net.Spec.T, b, _classes, _net.ReadoutScale, output.Data, _batch.Labels,
                _logits, _losses, _gradOut);
            _logits.CopyTo(_hostLogits);
            _losses.CopyTo(_hostLosses);
            correct += CountCorrect(_hostLogits, _batch.HostLabels, b);
            for (int i = 0; i < b; i++) lossSum += _hostLosses[i];
            foreach (var layer in _net.Layers.OfType<ISpikingLayer>())
                AccumulateSpikes(layer.Name, layer.LastSpikes!, spikeTotals, neuronSteps);
            // Spike rates into each weighted layer with a per-step (spiking) input: after a max pool
            // this is not the LIF layer's rate, and SOP counts need what the layer actually receives.
            foreach (var layer in _net.Layers.OfType<IWeightedLayer>())
                if (layer.LastInput is { PerStep: true } input)
                    AccumulateSpikes(layer.Name, input, inputTotals, inputSteps);
        }
        var rates = spikeTotals.ToDictionary(kv => kv.Key, kv => kv.Value / neuronSteps[kv.Key]);
        var inputRates = inputTotals.ToDictionary(kv => kv.Key, kv => kv.Value / inputSteps[kv.Key]);
        return new Evaluation((double)correct / n, lossSum / n, rates, inputRates, n);
    }

    /// <summary>Adds the spikes of <paramref name="spikes"/> and its neuron-steps to the totals under <paramref name="name"/>.</summary>
    private void AccumulateSpikes(string name, Activation spikes, Dictionary<string, double> totals, Dictionary<string, double> steps)
    {
        int features = spikes.Shape.Size;
        // One device buffer per (tensor, width): a layer's own spikes and its input have different widths.
        var key = (name, features);
        if (!_spikeSums.TryGetValue(key, out var sums)) _spikeSums[key] = sums = _backend.Allocate<float>(features);
        _backend.Dense.ColumnSum(spikes.Rows, features, spikes.Data, sums);
        totals[name] = totals.GetValueOrDefault(name) + sums.ToArray().Sum(v => (double)v);
        steps[name] = steps.GetValueOrDefault(name) + (double)spikes.Rows * features;
    }

    /// <summary>Samples among the first <paramref name="batch"/> whose largest logit (first on ties) is their label.</summary>
    internal static long CountCorrect(float[] logits, ReadOnlySpan<int> labels, int batch)
    {
        long correct = 0;
        int classes = logits.Length / labels.Length;
        for (int i = 0; i < batch; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (logits[i * classes + c] > logits[i * classes + best]) best = c;
            if (best == labels[i]) correct++;
        }
        return correct;
    }

    public void Dispose()
    {
        foreach (var s in _spikeSums.Values) s.Dispose();
        _spikeSums.Clear();
        if (!_ownsBuffers) return;
        _batch.Dispose();
        _logits.Dispose();
        _losses.Dispose();
        _gradOut.Dispose();
    }
}
