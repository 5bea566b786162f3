namespace SpikeFit.Training.Data;

/// <summary>
/// The one way the commands (and library users) get a dataset by name: <c>synthetic</c> is the
/// built-in stand-in, any other name goes through <see cref="DatasetResolver"/> (<c>--data</c>,
/// <c>SPIKEFIT_DATA</c>, the cache, the distribution package, a verified download).
/// </summary>
public static class DatasetLoader
{
    /// <summary>The name of the built-in synthetic dataset (no files, no download).</summary>
    public const string SyntheticName = "synthetic";

    /// <summary>Training samples of the synthetic dataset <see cref="Load"/> returns.</summary>
    public const int SyntheticTrain = 6000;

    /// <summary>Test samples of the synthetic dataset <see cref="Load"/> returns.</summary>
    public const int SyntheticTest = 1000;

    /// <summary>
    /// Loads <paramref name="name"/>: for <see cref="SyntheticName"/>,
    /// <see cref="Dataset.Synthetic"/>(<see cref="SyntheticTrain"/>, <see cref="SyntheticTest"/>, seed 1);
    /// otherwise <see cref="DatasetResolver.Resolve"/> with <paramref name="dataDir"/> and
    /// <paramref name="options"/> (download progress, offline mode, …).
    /// </summary>
    /// <exception cref="DatasetNotFoundException">No source holds the dataset (the message lists the places tried and the ways to get it).</exception>
    /// <exception cref="InvalidDataException">A file found is corrupt, truncated, mismatched or fails its digest.</exception>
    public static Dataset Load(string name, string? dataDir = null, DatasetResolverOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == SyntheticName) return Dataset.Synthetic(SyntheticTrain, SyntheticTest, seed: 1);
        return DatasetResolver.Resolve(name, dataDir, options);
    }
}
