using System.Globalization;
using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// The <c>fp32</c> method: an in-process <c>spikefit train</c> run — full precision, or CAT
/// (learnable codebooks) when the point sets <c>codebook_m</c>. Keys the point leaves out take the
/// <c>train</c> command's defaults. Quiet: no console output, progress goes to the sweep's bar.
/// No checkpoint is written; an interrupted point reruns from scratch (the trainer is deterministic
/// in the seed, so the rerun gives the same row).
/// </summary>
public sealed class TrainPointRunner : ISweepPointRunner
{
    /// <summary>The network and optimiser settings of a point (input shape and classes from the dataset are applied in <see cref="Run"/>).</summary>
    public static (NetworkSpec Spec, TrainOptions Options) Configure(SweepPoint point)
    {
        string net = point.GetString("net", "mlp");
        var baseSpec = NetworkSpec.For(net);
        var spec = baseSpec with
        {
            Net = net,
            T = point.GetInt("T", baseSpec.T),
            Hidden = point.GetIntList("hidden", baseSpec.Hidden),
            Beta = (float)point.GetDouble("beta", baseSpec.Beta),
            Theta = (float)point.GetDouble("theta", baseSpec.Theta),
            Surrogate = point.GetEnum("surrogate", baseSpec.Surrogate),
            Reset = point.GetEnum("reset", baseSpec.Reset),
            DetachReset = point.GetBool("detach_reset", baseSpec.DetachReset),
            Readout = point.GetEnum("readout", baseSpec.Readout),
            Encoding = point.GetEnum("encoding", baseSpec.Encoding),
            Codebook = point.GetNullableInt("codebook_m", null) is int m
                ? new CodebookSpec(m, point.GetInt("codebook_bits", 4), point.GetBool("codebook_per_neuron", false),
                    (float)point.GetDouble("codebook_lr_scale", 0.1), WholeNetwork: point.GetBool("codebook_whole_network", false))
                : null,
        };
        var options = new TrainOptions
        {
            Epochs = point.GetInt("epochs", 10),
            BatchSize = point.GetInt("batch", 128),
            LearningRate = (float)point.GetDouble("lr", 1e-3),
            WeightDecay = (float)point.GetDouble("wd", 0),
            Schedule = point.GetEnum("schedule", LrSchedule.Cosine),
            Seed = point.GetInt("seed", 1),
            MaxBatchesPerEpoch = point.GetNullableInt("max_batches", null),
            MaxTestSamples = point.GetNullableInt("max_test", null),
        };
        return (spec, options);
    }

    /// <inheritdoc/>
    public void Validate(SweepPoint point)
    {
        var (spec, options) = Configure(point);
        // Grid-key checks first, so the message names the grid's keys rather than the spec's fields.
        if (spec.Codebook is { } c)
        {
            CodebookMath.ValidateBits(c.Bits);
            if (c.M < 2 || c.M > 1 << c.Bits)
                throw new ArgumentException($"codebook_m must be in 2..{1 << c.Bits} for codebook_bits = {c.Bits}, got {c.M}.");
            if (!(c.LearningRateScale > 0)) throw new ArgumentException($"codebook_lr_scale must be positive, got {c.LearningRateScale}.");
            if (c.PerNeuron && c.WholeNetwork)
                throw new ArgumentException("codebook_per_neuron and codebook_whole_network are both true; choose one codebook scope.");
        }
        spec.Validate();
        options.Validate();
        if (options.MaxBatchesPerEpoch is < 1) throw new ArgumentException($"max_batches must be at least 1 (or null for all), got {options.MaxBatchesPerEpoch}.");
        if (options.MaxTestSamples is < 1) throw new ArgumentException($"max_test must be at least 1 (or null for all), got {options.MaxTestSamples}.");
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Run(SweepPoint point, SweepContext context, CancellationToken cancel)
    {
        var (spec, options) = Configure(point);
        var dataset = context.Dataset;
        spec = spec with { InputHeight = dataset.Shape.Height, InputWidth = dataset.Shape.Width, InputChannels = dataset.Shape.Channels, Classes = dataset.Classes };
        using var network = ModelZoo.Build(context.Backend, spec, options.Seed);
        using var trainer = new Trainer(network, options);
        trainer.BatchDone += p => context.ReportProgress(
            (p.Epoch + (p.Batch + 1.0) / p.Batches) / options.Epochs, $"epoch {p.Epoch + 1}/{options.Epochs} loss {p.Loss:F3}");
        var (train, test) = context.Splits;
        TrainResult result;
        try
        {
            result = trainer.Fit(train, test, cancel);
        }
        catch (TrainingDivergedException e)
        {
            // A diverging learning rate is a result of the sweep, not a failure to retry.
            return Row("diverged", double.NaN, double.NaN, double.NaN, double.NaN, e.Epoch, network.ParameterCount, "", 0);
        }
        if (result.Cancelled) throw new OperationCanceledException(cancel);
        var last = result.History[^1];
        string rates = string.Join(";", last.FiringRates.Select(kv => $"{kv.Key}:{kv.Value.ToString("F4", CultureInfo.InvariantCulture)}"));
        return Row("ok", result.TestAccuracy, result.TrainAccuracy, last.TestLoss, last.TrainLoss, result.EpochsCompleted,
            network.ParameterCount, rates, result.Seconds);
    }

    private static Dictionary<string, string> Row(string status, double testAcc, double trainAcc, double testLoss, double trainLoss,
        int epochs, long parameters, string rates, double seconds)
    {
        static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        return new Dictionary<string, string>
        {
            ["test_accuracy"] = F(testAcc),
            ["status"] = status,
            ["train_accuracy"] = F(trainAcc),
            ["test_loss"] = F(testLoss),
            ["train_loss"] = F(trainLoss),
            ["epochs_completed"] = epochs.ToString(CultureInfo.InvariantCulture),
            ["parameters"] = parameters.ToString(CultureInfo.InvariantCulture),
            ["firing_rates"] = rates,
            ["train_seconds"] = seconds.ToString("F3", CultureInfo.InvariantCulture),
        };
    }
}
