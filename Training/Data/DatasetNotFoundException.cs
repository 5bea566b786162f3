namespace SpikeFit.Training.Data;

/// <summary>One place the resolver looked, and why it did not yield the dataset.</summary>
/// <param name="Source">The kind of source ("--data", "SPIKEFIT_DATA", "cache", "Debian package", "download").</param>
/// <param name="Location">Folder or URL, or null when the source was not configured.</param>
/// <param name="Reason">Why it failed.</param>
public sealed record DatasetAttempt(string Source, string? Location, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => Location is null ? $"{Source}: {Reason}" : $"{Source} ({Location}): {Reason}";
}

/// <summary>No source yielded the dataset. The message lists every place tried and why, then the
/// ways to get the data.</summary>
public sealed class DatasetNotFoundException : IOException
{
    /// <summary>Creates the exception; <paramref name="message"/> is the full user-facing text.</summary>
    public DatasetNotFoundException(string name, IReadOnlyList<DatasetAttempt> attempts, string message, Exception? inner = null)
        : base(message, inner)
    {
        DatasetName = name;
        Attempts = attempts;
    }

    /// <summary>The dataset asked for.</summary>
    public string DatasetName { get; }

    /// <summary>Each place tried, in order.</summary>
    public IReadOnlyList<DatasetAttempt> Attempts { get; }
}
