namespace SpikeFit.Training.Train;

public enum LrSchedule { Constant, Cosine, Step }

/// <summary>Optimisation settings (Adam, DESIGN §3). Stored in checkpoints; a resume must match.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public float LearningRate { get; init; } = 1e-3f;
    public float WeightDecay { get; init; }
    public LrSchedule Schedule { get; init; } = LrSchedule.Cosine;
    /// <summary>Step schedule: multiply the rate by <see cref="StepGamma"/> every <see cref="StepEpochs"/> epochs.</summary>
    public int StepEpochs { get; init; } = 5;
    public float StepGamma { get; init; } = 0.1f;
    public int Seed { get; init; } = 1;
    /// <summary>Stop an epoch after this many batches (quick runs and tests); null = the whole set.</summary>
    public int? MaxBatchesPerEpoch { get; init; }
    /// <summary>Evaluate on at most this many test samples; null = all.</summary>
    public int? MaxTestSamples { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {BatchSize}.");
        if (!(LearningRate > 0) || float.IsInfinity(LearningRate)) throw new ArgumentException($"learning rate must be positive, got {LearningRate}.");
        if (WeightDecay < 0) throw new ArgumentException($"weight decay must be ≥ 0, got {WeightDecay}.");
    }

    /// <summary>Learning rate at the start of <paramref name="epoch"/> (0-based), step <paramref name="stepInEpoch"/> of <paramref name="stepsPerEpoch"/>.</summary>
    public float RateAt(int epoch, int stepInEpoch, int stepsPerEpoch) => Schedule switch
    {
        LrSchedule.Constant => LearningRate,
        LrSchedule.Step => LearningRate * MathF.Pow(StepGamma, epoch / Math.Max(1, StepEpochs)),
        LrSchedule.Cosine => (float)(LearningRate * 0.5 * (1 + Math.Cos(Math.PI *
            (epoch + (double)stepInEpoch / Math.Max(1, stepsPerEpoch)) / Epochs))),
        _ => LearningRate,
    };
}
