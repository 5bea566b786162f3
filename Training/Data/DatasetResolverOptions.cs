namespace SpikeFit.Training.Data;

/// <summary>Knobs for <see cref="DatasetResolver"/>. The defaults give the documented behaviour;
/// tests inject folders, the environment and the server so they do not depend on the machine.</summary>
public sealed class DatasetResolverOptions
{
    /// <summary>Environment variable naming a dataset folder, or a folder holding one sub-folder per dataset.</summary>
    public const string DataEnvironmentVariable = "SPIKEFIT_DATA";

    /// <summary>Environment variable overriding the download base URL (mirrors, tests).</summary>
    public const string UrlEnvironmentVariable = "SPIKEFIT_DATA_URL";

    /// <summary>Number of classes; every label must be below it.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Reads an environment variable; replace in tests instead of changing the process environment.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The per-user cache root (datasets go in <c>&lt;root&gt;/&lt;name&gt;</c>, also the download
    /// target). Null: <c>$XDG_CACHE_HOME/spikefit/datasets</c>, else <c>~/.cache/spikefit/datasets</c>.</summary>
    public string? CacheRoot { get; init; }

    /// <summary>Overrides the distribution package's folder (Debian's for Fashion-MNIST). Null keeps the
    /// known one; use <see cref="NoSystemFolder"/> to skip that source.</summary>
    public string? SystemFolder { get; init; }

    /// <summary>Skip the distribution package's folder entirely.</summary>
    public bool NoSystemFolder { get; init; }

    /// <summary>Allow the download step (the CLI's offline mode turns it off).</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>Download base URL (the file name is appended). Null: <see cref="UrlEnvironmentVariable"/>,
    /// else the dataset's canonical URL.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>Digests of the decompressed payloads, overriding the known ones (tests use the
    /// fixtures' own). Downloads are refused when no digests are known.</summary>
    public IReadOnlyDictionary<IdxFileRole, string>? ExpectedSha256 { get; init; }

    /// <summary>Receives download progress: file name, bytes received so far, and the total when the
    /// server sent a Content-Length (else null). One report at the start of each file (done 0), one at
    /// least every 256 KiB, and one at the end (done == total). The CLI draws its bar from these.</summary>
    public IProgress<(string File, long Done, long? Total)>? Progress { get; init; }

    /// <summary>HTTP client for downloads; null uses a shared one.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>The cache root these options resolve to.</summary>
    public string ResolveCacheRoot()
    {
        if (!string.IsNullOrEmpty(CacheRoot)) return CacheRoot;
        string? xdg = Environment("XDG_CACHE_HOME");
        string baseDir = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment("HOME") is { Length: > 0 } home ? home : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(baseDir, "spikefit", "datasets");
    }
}
