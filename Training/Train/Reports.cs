namespace SpikeFit.Training.Train;

/// <summary>Reported after every training batch.</summary>
public sealed record BatchProgress(int Epoch, int Batch, int Batches, double Loss, double SamplesPerSecond, double LearningRate);

/// <summary>Reported after every epoch.</summary>
public sealed record EpochReport(int Epoch, int Epochs, double TrainLoss, double TrainAccuracy, double TestAccuracy,
    double TestLoss, IReadOnlyDictionary<string, double> FiringRates, double Seconds, double SamplesPerSecond, string? Checkpoint);

/// <summary>The outcome of a training run.</summary>
public sealed record TrainResult(int EpochsCompleted, double TestAccuracy, double TrainAccuracy, double Seconds,
    IReadOnlyList<EpochReport> History, bool Cancelled);

/// <summary>Thrown when the loss stops being finite; the last good checkpoint is left in place.</summary>
public sealed class TrainingDivergedException : Exception
{
    public int Epoch { get; }
    public int Batch { get; }
    public TrainingDivergedException(int epoch, int batch, string? checkpoint) : base(
        $"The loss became NaN/Inf in epoch {epoch + 1}, batch {batch + 1}. Training stopped" +
        (checkpoint is null ? "." : $"; the last good checkpoint is {checkpoint}.") +
        " Try a lower learning rate (--lr) or a different surrogate.")
    {
        Epoch = epoch;
        Batch = batch;
    }
}
