using CsvHelper;

namespace SpikeFit.Experiments.Commands;

/// <summary>One epoch of a training run: a row of <c>epochs.csv</c>.</summary>
[CsvRecord]
public sealed partial class EpochRow
{
    [CsvColumn("epoch")] public int Epoch { get; init; }
    [CsvColumn("train_loss")] public double TrainLoss { get; init; }
    [CsvColumn("train_accuracy")] public double TrainAccuracy { get; init; }
    [CsvColumn("test_loss")] public double TestLoss { get; init; }
    [CsvColumn("test_accuracy")] public double TestAccuracy { get; init; }
    [CsvColumn("seconds")] public double Seconds { get; init; }
    [CsvColumn("samples_per_second")] public double SamplesPerSecond { get; init; }
    /// <summary>Spikes per neuron per step on the test set, per spiking layer.</summary>
    [CsvColumn("firing_rates")] public string FiringRates { get; init; } = "";
}
