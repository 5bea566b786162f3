using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Pruning;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>Helpers shared by the pruning tests (NeuronScoresTests, StructuredPrunerTests).</summary>
internal static class PruningFixtures
{
    /// <summary>Per-sample losses of one fixed batch, in double from the readout's logits.</summary>
    internal sealed class Probe : IDisposable
    {
        private readonly Backend _b;
        private readonly SpikingNetwork _net;
        private readonly DeviceBuffer<float> _images, _logits, _losses, _grad;
        private readonly DeviceBuffer<int> _labels;
        private readonly int[] _hostLabels;
        public int Batch { get; }

        public Probe(Backend backend, SpikingNetwork net, DataSplit data)
        {
            _b = backend;
            _net = net;
            Batch = data.Count;
            _hostLabels = data.Labels;
            _images = backend.Upload<float>(data.Images);
            _labels = backend.Upload<int>(data.Labels);
            _logits = backend.Allocate<float>(Batch * net.Spec.Classes);
            _losses = backend.Allocate<float>(Batch);
            _grad = backend.Allocate<float>((long)net.Spec.T * Batch * net.Spec.Classes);
        }

        /// <summary>The network's raw output [T, B, classes].</summary>
        public float[] Output() => _net.Forward(_images, Batch).Data.ToArray()[..(_net.Spec.T * Batch * _net.Spec.Classes)];

        /// <summary>L_n = log Σ exp(z) − z_label for every sample (the loss kernel's logits, log-sum-exp in double).</summary>
        public double[] Losses()
        {
            var output = _net.Forward(_images, Batch);
            int c = _net.Spec.Classes;
            _b.Loss.SoftmaxCrossEntropy(_net.Spec.T, Batch, c, _net.ReadoutScale, output.Data, _labels, _logits, _losses, _grad);
            var z = _logits.ToArray();
            var result = new double[Batch];
            for (int n = 0; n < Batch; n++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < c; j++) max = Math.Max(max, z[n * c + j]);
                double sum = 0;
                for (int j = 0; j < c; j++) sum += Math.Exp(z[n * c + j] - max);
                result[n] = max + Math.Log(sum) - z[n * c + _hostLabels[n]];
            }
            return result;
        }

        public void Dispose()
        {
            _images.Dispose(); _labels.Dispose(); _logits.Dispose(); _losses.Dispose(); _grad.Dispose();
        }
    }

    /// <summary>Parameter values of a freshly built network, each multiplied by <paramref name="gain"/> where given (to make tiny nets fire).</summary>
    internal static Dictionary<string, float[]> Weights(Backend backend, NetworkSpec spec, int seed, IReadOnlyDictionary<string, float>? gain = null)
    {
        using var net = ModelZoo.Build(backend, spec, seed);
        var w = net.Snapshot();
        foreach (var (name, g) in gain ?? new Dictionary<string, float>())
            w[name] = w[name].Select(v => v * g).ToArray();
        return w;
    }
}
