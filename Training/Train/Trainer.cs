using System.Diagnostics;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Encoding;
using SpikeFit.Kernels.Optim;
using SpikeFit.Training.Models;

namespace SpikeFit.Training.Train;

/// <summary>
/// Trains a <see cref="SpikingNetwork"/> with Adam and BPTT through the fused kernels. Every source
/// of randomness is a pure function of (seed, epoch): the shuffle, Poisson spikes, and the initial
/// weights (from the model seed), so a run resumed from a checkpoint ends with the same weights as
/// an uninterrupted one. An epoch uses ⌊N / batch⌋ full batches (the remainder is dropped, and
/// differs between epochs because of the shuffle).
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly SpikingNetwork _net;
    private readonly Backend _backend;
    private readonly TrainOptions _options;
    private readonly DeviceBatch _batchBuffers;
    private readonly DeviceBuffer<float> _logits, _losses, _gradOut;
    private readonly Evaluator _evaluator;
    private readonly int _features, _classes, _batch;

    public string? CheckpointPath { get; }

    /// <summary>
    /// The SHA-256 of the data being trained on (<see cref="Data.Dataset.Sha256"/>), recorded in every
    /// checkpoint; a resume from a checkpoint that records another digest is refused. Null: not
    /// recorded or checked (tests, in-memory splits).
    /// </summary>
    public string? DatasetSha256 { get; init; }
    public event Action<BatchProgress>? BatchDone;
    public event Action<EpochReport>? EpochDone;

    public Trainer(SpikingNetwork net, TrainOptions options, string? checkpointPath = null)
    {
        options.Validate();
        _net = net;
        _backend = net.Backend;
        _options = options;
        CheckpointPath = checkpointPath;
        _features = net.InputShape.Size;
        _classes = net.Spec.Classes;
        _batch = options.BatchSize;
        try
        {
            _batchBuffers = new DeviceBatch(_backend, _batch, _features);
            _logits = _backend.Allocate<float>((long)_batch * _classes);
            _losses = _backend.Allocate<float>(_batch);
            _gradOut = _backend.Allocate<float>((long)net.Spec.T * _batch * _classes);
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            throw OutOfMemory(e);
        }
        // Evaluation between epochs runs on the training buffers: no memory beyond what training holds.
        _evaluator = new Evaluator(net, _batchBuffers, _logits, _losses, _gradOut);
    }

    /// <summary>Runs (or resumes) training; returns when all epochs are done or <paramref name="cancel"/> fires.</summary>
    public TrainResult Fit(DataSplit train, DataSplit test, CancellationToken cancel = default, bool resume = false)
    {
        train.Validate("training set", _classes);
        test.Validate("test set", _classes);
        if (train.Features != _features || test.Features != _features)
            throw new ArgumentException($"The network expects {_features} input features; the data has {train.Features}.");
        int batches = train.Count / _batch;
        if (_options.MaxBatchesPerEpoch is int cap) batches = Math.Min(batches, cap);
        if (batches == 0)
            throw new ArgumentException($"The training set has {train.Count} samples, fewer than one batch of {_batch}; lower --batch.");

        var history = new List<EpochReport>();
        int startEpoch = 0, adamStep = 0;
        if (resume && CheckpointPath is not null && File.Exists(CheckpointPath))
        {
            var header = Checkpoint.Load(CheckpointPath, _net);
            CheckCompatible(header);
            if (DatasetSha256 is not null && header.DatasetSha256 is { } recorded && recorded != DatasetSha256)
                throw new InvalidOperationException($"{CheckpointPath} was trained on another dataset (sha256 {recorded[..Math.Min(12, recorded.Length)]}…), " +
                                                    $"this run uses sha256 {DatasetSha256[..Math.Min(12, DatasetSha256.Length)]}…; resume with the same --dataset/--data, or start a new --out.");
            startEpoch = header.EpochsCompleted;
            adamStep = header.AdamStep;
            history.AddRange(header.History);
        }

        var total = Stopwatch.StartNew();
        var hostLogits = new float[_batch * _classes];
        var hostLosses = new float[_batch];
        bool cancelled = false;
        for (int epoch = startEpoch; epoch < _options.Epochs && !cancelled; epoch++)
        {
            var order = Permutation(train.Count, epoch);
            uint poissonSeed = CounterRng.Hash((uint)_options.Seed, (uint)epoch, 0x5EEDu, 0);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            for (int b = 0; b < batches; b++)
            {
                if (cancel.IsCancellationRequested) { cancelled = true; break; }
                _batchBuffers.Stage(train, order.AsSpan(b * _batch, _batch));
                adamStep++;
                float lr = _options.RateAt(epoch, b, batches);
                Step(_batch, poissonSeed, lr, adamStep);
                _losses.CopyTo(hostLosses);
                _logits.CopyTo(hostLogits);
                double loss = hostLosses.Average(v => (double)v);
                if (!double.IsFinite(loss))
                    throw new TrainingDivergedException(epoch, b, history.Count > 0 ? CheckpointPath : null);
                lossSum += loss;
                correct += Evaluator.CountCorrect(hostLogits, _batchBuffers.HostLabels, _batch);
                seen += _batch;
                BatchDone?.Invoke(new BatchProgress(epoch, b, batches, lossSum / (b + 1), seen / clock.Elapsed.TotalSeconds, lr));
            }
            if (cancelled) break;
            double seconds = clock.Elapsed.TotalSeconds;
            var (testAcc, testLoss, rates) = Evaluate(test, _options.MaxTestSamples);
            var report = new EpochReport(epoch, _options.Epochs, lossSum / batches, (double)correct / seen, testAcc, testLoss,
                rates, seconds, seen / seconds, CheckpointPath);
            history.Add(report);
            if (CheckpointPath is not null)
                Checkpoint.Save(CheckpointPath, _net, _options, epoch + 1, adamStep, history, DatasetSha256);
            EpochDone?.Invoke(report);
        }
        var last = history.LastOrDefault();
        return new TrainResult(history.Count, last?.TestAccuracy ?? double.NaN, last?.TrainAccuracy ?? double.NaN,
            total.Elapsed.TotalSeconds, history, cancelled);
    }

    /// <summary>Forward, loss, backward and one Adam update on the uploaded batch.</summary>
    private void Step(int batch, uint poissonSeed, float lr, int adamStep)
    {
        try
        {
            var output = _net.Forward(_batchBuffers.Images, batch, _batchBuffers.Ids, poissonSeed);
            _backend.Loss.SoftmaxCrossEntropy(_net.Spec.T, batch, _classes, _net.ReadoutScale, output.Data, _batchBuffers.Labels,
                _logits, _losses, _gradOut);
            _net.Backward(output with { Data = _gradOut });
            foreach (var p in _net.Parameters)
            {
                var config = new AdamConfig(lr * p.LearningRateScale, WeightDecay: p.Decay ? _options.WeightDecay : 0f);
                _backend.Optim.Adam(config, adamStep, p.Length, p.Value, p.Grad, p.M, p.V);
            }
            foreach (var layer in _net.Layers.OfType<IPostUpdateLayer>()) layer.AfterUpdate();
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            throw OutOfMemory(e);
        }
    }

    /// <summary>
    /// Spikes per input per time step arriving at each weighted layer with a spiking input, from the
    /// last <see cref="Evaluate"/> (layers reading the analog image directly are absent).
    /// </summary>
    public IReadOnlyDictionary<string, double> LastInputRates { get; private set; } = new Dictionary<string, double>();

    /// <summary>
    /// Test accuracy, mean loss, and the firing rate (spikes per neuron per step) of each spiking layer,
    /// on the first min(<paramref name="maxSamples"/>, Count) samples; runs an <see cref="Evaluator"/>
    /// on this trainer's buffers (use an <see cref="Evaluator"/> directly to evaluate without training).
    /// </summary>
    public (double Accuracy, double Loss, Dictionary<string, double> FiringRates) Evaluate(DataSplit data, int? maxSamples = null)
    {
        var e = _evaluator.Evaluate(data, maxSamples);
        LastInputRates = e.InputRates;
        return (e.Accuracy, e.Loss, e.FiringRates);
    }

    /// <summary>The epoch's sample order: a Fisher–Yates shuffle seeded by (seed, epoch) alone.</summary>
    private int[] Permutation(int n, int epoch)
    {
        var order = Enumerable.Range(0, n).ToArray();
        var rng = new Random((int)CounterRng.Hash((uint)_options.Seed, (uint)epoch, 0x5A1Eu, 1));
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private void CheckCompatible(Checkpoint.CheckpointHeader header)
    {
        string Spec(NetworkSpec s) => System.Text.Json.JsonSerializer.Serialize(s, Checkpoint.Json);
        if (Spec(header.Spec) != Spec(_net.Spec))
            throw new InvalidDataException($"{CheckpointPath} was written for a different network ({header.Spec}); " +
                                           $"this run builds {_net.Spec}. Use another --out folder or matching flags.");
        if (header.Options with { Epochs = _options.Epochs } != _options)
            throw new InvalidDataException($"{CheckpointPath} was written with other training options ({header.Options}); " +
                                           "resume with the same flags (only --epochs may grow).");
    }

    private static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException || e is InsufficientExecutionStackException ||
        (e is ILGPU.Runtime.AcceleratorException && e.Message.Contains("memory", StringComparison.OrdinalIgnoreCase));

    private Exception OutOfMemory(Exception inner)
    {
        // Rough per-sample need: every layer keeps about three [T, features] float tensors
        // (output, state, gradient); parameters and Adam moments are four copies of the weights.
        long perSample = _net.Layers.Sum(l => 3L * _net.Spec.T * l.OutputShape.Size * sizeof(float));
        long fixedBytes = _net.ParameterCount * 4 * sizeof(float);
        long available = _backend is IlgpuBackend g ? g.Accelerator.MemorySize : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long fits = Math.Max(1, (long)(0.8 * (available - fixedBytes)) / Math.Max(1, perSample));
        return new InsufficientMemoryException(
            $"Out of memory on {_backend} at batch size {_batch} (about {perSample / 1024} KiB of activations per sample, " +
            $"{available >> 20} MiB on the device). A batch size of about {Math.Min(fits, _batch - 1)} or less should fit: --batch {Math.Min(fits, _batch - 1)}.",
            inner);
    }

    public void Dispose()
    {
        _evaluator.Dispose();
        _batchBuffers.Dispose();
        _logits.Dispose();
        _losses.Dispose();
        _gradOut.Dispose();
    }
}
