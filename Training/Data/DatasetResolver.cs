using System.Text;
using System.Text.RegularExpressions;

namespace SpikeFit.Training.Data;

/// <summary>
/// Finds a dataset and loads it. Sources, in order:
/// <list type="number">
/// <item><c>--data DIR</c> (the <c>dataDir</c> argument): DIR itself or DIR/&lt;name&gt;. An explicit
/// folder is a deliberate choice, so when it lacks the files the resolver stops there rather than
/// silently training on another copy.</item>
/// <item><c>SPIKEFIT_DATA</c>: the same two places; a persistent setting, so when it holds nothing of
/// this dataset (other data only) the resolver goes on, but when it does not exist or holds an
/// incomplete copy of it the resolver stops there.</item>
/// <item>The per-user cache, <c>$XDG_CACHE_HOME/spikefit/datasets/&lt;name&gt;</c> (else
/// <c>~/.cache/...</c>), which is also where downloads go.</item>
/// <item>The distribution package's folder (Fashion-MNIST: <c>/usr/share/datasets/fashion-mnist</c>,
/// Debian package <c>dataset-fashion-mnist</c>).</item>
/// <item>A download from the canonical URL (or <c>SPIKEFIT_DATA_URL</c>), verified by SHA-256.</item>
/// </list>
/// Files from the cache, the package or a download must match the known digests (when known);
/// user folders are loaded whatever they hold, and <see cref="Dataset.Verified"/> says whether they
/// matched. A present but corrupt file is always an error naming it, never skipped. When every
/// source fails, one <see cref="DatasetNotFoundException"/> lists the places tried and the ways to
/// get the data.
/// </summary>
public static partial class DatasetResolver
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex NamePattern();

    /// <summary>Resolves and loads <paramref name="name"/> (blocking); see the class remarks.</summary>
    public static Dataset Resolve(string name = "fashion-mnist", string? dataDir = null, DatasetResolverOptions? options = null) =>
        ResolveAsync(name, dataDir, options).GetAwaiter().GetResult();

    /// <summary>Resolves and loads <paramref name="name"/>; see the class remarks.</summary>
    /// <exception cref="DatasetNotFoundException">No source holds the dataset.</exception>
    /// <exception cref="InvalidDataException">A file found is corrupt, truncated, mismatched or fails its digest.</exception>
    public static async Task<Dataset> ResolveAsync(
        string name = "fashion-mnist", string? dataDir = null, DatasetResolverOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        name = name.ToLowerInvariant();
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"Dataset name '{name}' must be letters, digits, '.', '_' or '-' (it names a cache folder).", nameof(name));
        options ??= new DatasetResolverOptions();
        var known = KnownDatasets.Lookup(name);
        var digests = options.ExpectedSha256 ?? known.Sha256;
        string cacheFolder = Path.Combine(options.ResolveCacheRoot(), name);
        var attempts = new List<DatasetAttempt>();

        // 1. --data: explicit, so it is the only source when given.
        if (!string.IsNullOrEmpty(dataDir))
        {
            if (FindIn(dataDir, name, out var reason) is { } folder)
                return LoadUserFolder(name, folder, $"--data {folder}", options, digests);
            attempts.Add(new DatasetAttempt("--data", dataDir, reason));
            throw NotFound(name, attempts, known, options, cacheFolder,
                "The folder given with --data does not hold it (an explicit --data is not replaced by another copy).");
        }
        attempts.Add(new DatasetAttempt("--data", null, "not given"));

        // 2. SPIKEFIT_DATA.
        string? env = options.Environment(DatasetResolverOptions.DataEnvironmentVariable);
        if (string.IsNullOrEmpty(env))
            attempts.Add(new DatasetAttempt(DatasetResolverOptions.DataEnvironmentVariable, null, "not set"));
        else if (FindIn(env, name, out var reason) is { } folder)
            return LoadUserFolder(name, folder, $"{DatasetResolverOptions.DataEnvironmentVariable} {folder}", options, digests);
        else if (Unusable(env, name, reason) is { } broken)
        {
            // A setting that is wrong (a typo, a half-copied folder) must not quietly hand over to another copy.
            attempts.Add(new DatasetAttempt(DatasetResolverOptions.DataEnvironmentVariable, env, broken));
            throw NotFound(name, attempts, known, options, cacheFolder,
                $"{DatasetResolverOptions.DataEnvironmentVariable} is set but unusable for it; fix the folder or unset the variable (it is not replaced by another copy).");
        }
        else
            attempts.Add(new DatasetAttempt(DatasetResolverOptions.DataEnvironmentVariable, env, reason + " (it holds other data; going on)"));

        // 3. The per-user cache.
        if (Complete(cacheFolder, out var cacheReason))
            return DatasetFolder.Load(name, cacheFolder, $"cache {cacheFolder}", options.Classes, digests);
        attempts.Add(new DatasetAttempt("cache", cacheFolder, cacheReason));

        // 4. The distribution package.
        string? system = options.NoSystemFolder ? null : options.SystemFolder ?? known.SystemFolder;
        string systemLabel = known.SystemPackage is null ? "system package" : $"Debian package {known.SystemPackage}";
        if (system is null)
            attempts.Add(new DatasetAttempt(systemLabel, null, options.NoSystemFolder ? "skipped" : $"no package known for '{name}'"));
        else if (Complete(system, out var systemReason))
            return DatasetFolder.Load(name, system, $"{systemLabel} {system}", options.Classes, digests);
        else
            attempts.Add(new DatasetAttempt(systemLabel, system,
                Directory.Exists(system) ? systemReason : systemReason + (known.SystemPackage is null ? "" : " (package not installed)")));

        // 5. Download into the cache.
        Uri? url = options.BaseUrl
            ?? (options.Environment(DatasetResolverOptions.UrlEnvironmentVariable) is { Length: > 0 } u
                && Uri.TryCreate(u, UriKind.Absolute, out var envUrl) ? envUrl : null)
            ?? known.BaseUrl;
        if (!options.AllowDownload)
            attempts.Add(new DatasetAttempt("download", url?.ToString(), "disabled"));
        else if (digests is null)
            attempts.Add(new DatasetAttempt("download", url?.ToString(), $"no SHA-256 digests known for '{name}', and downloads are never left unverified"));
        else if (url is null)
            attempts.Add(new DatasetAttempt("download", null, $"no download URL known for '{name}' (set {DatasetResolverOptions.UrlEnvironmentVariable})"));
        else
        {
            try
            {
                await DatasetDownloader.DownloadAsync(url, cacheFolder, digests, options.HttpClient, options.Progress, cancel).ConfigureAwait(false);
                return DatasetFolder.Load(name, cacheFolder, $"download from {url} into {cacheFolder}", options.Classes, digests);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException
                                      || (e is OperationCanceledException && !cancel.IsCancellationRequested))
            {
                // Network and disk failures make this source fail; a checksum or gzip failure
                // (InvalidDataException) is not caught: it names the bad file on its own.
                string why = e is OperationCanceledException ? "timed out" : Flatten(e);
                attempts.Add(new DatasetAttempt("download", url.ToString(), why));
            }
        }
        throw NotFound(name, attempts, known, options, cacheFolder, null);
    }

    static Dataset LoadUserFolder(string name, string folder, string source, DatasetResolverOptions options,
        IReadOnlyDictionary<IdxFileRole, string>? digests)
    {
        // A user's folder may hold any variant; load it unchecked, and record whether it is the known data.
        var data = DatasetFolder.Load(name, folder, source, options.Classes, expectedSha256: null);
        bool matches = digests is not null && KnownDatasets.Roles.All(r =>
            digests.TryGetValue(r, out var d) && string.Equals(d, data.FileSha256[r], StringComparison.OrdinalIgnoreCase));
        return data with { Verified = matches };
    }

    /// <summary>The folder holding the dataset: <paramref name="dir"/> itself or its sub-folder named for the dataset.</summary>
    static string? FindIn(string dir, string name, out string reason)
    {
        if (Complete(dir, out reason)) return dir;
        string sub = Path.Combine(dir, name);
        if (Directory.Exists(sub))
        {
            if (Complete(sub, out var subReason)) return sub;
            reason = $"{reason}; its sub-folder '{name}' {subReason}";
        }
        return null;
    }

    /// <summary>
    /// Why a <c>SPIKEFIT_DATA</c> folder that did not yield the dataset is wrong rather than simply about
    /// other data: it does not exist, or it holds part of this dataset (some IDX files in the folder, or
    /// an incomplete sub-folder named for it). Null when it holds nothing of it.
    /// </summary>
    static string? Unusable(string dir, string name, string reason)
    {
        if (!Directory.Exists(dir)) return reason;
        if (DatasetFolder.Locate(dir).Missing.Count < 4) return reason;
        if (Directory.Exists(Path.Combine(dir, name))) return reason;
        return null;
    }

    static bool Complete(string folder, out string reason)
    {
        if (!Directory.Exists(folder))
        {
            reason = File.Exists(folder) ? "is a file, not a folder" : "folder does not exist";
            return false;
        }
        var missing = DatasetFolder.Locate(folder).Missing;
        reason = missing.Count == 0 ? "" :
            missing.Count == 4 ? "holds none of the four IDX files"
            : "lacks " + string.Join(", ", missing.Select(KnownDatasets.FileName));
        return missing.Count == 0;
    }

    static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
            if (parts.Count == 0 || !parts[^1].Contains(x.Message, StringComparison.Ordinal)) parts.Add(x.Message);
        return string.Join(": ", parts);
    }

    static DatasetNotFoundException NotFound(string name, List<DatasetAttempt> attempts, KnownDataset known,
        DatasetResolverOptions options, string cacheFolder, string? lead)
    {
        var text = new StringBuilder();
        text.Append($"Could not find the dataset '{name}'.");
        if (lead is not null) text.Append(' ').Append(lead);
        text.AppendLine().AppendLine("Places tried, in order:");
        for (int i = 0; i < attempts.Count; i++) text.AppendLine($"  {i + 1}. {attempts[i]}");
        text.AppendLine("Ways to get the data:");
        if (known.SystemPackage is not null)
            text.AppendLine($"  - install the Debian package: sudo apt-get install {known.SystemPackage}");
        string files = string.Join(", ", KnownDatasets.Roles.Select(KnownDatasets.FileName));
        text.AppendLine($"  - point at a folder holding the four IDX files ({files}; each .gz or raw): --data DIR");
        text.AppendLine($"  - or set {DatasetResolverOptions.DataEnvironmentVariable}=DIR (the folder itself, or one with a '{name}' sub-folder)");
        text.AppendLine($"  - or copy the four files into the cache folder {cacheFolder}");
        if (known.BaseUrl is not null)
            text.Append($"  - or allow network access to {known.BaseUrl} (or set {DatasetResolverOptions.UrlEnvironmentVariable} to a mirror); downloads are verified by SHA-256 and saved in the cache folder");
        else
            text.Append($"  (downloading is built in only for fashion-mnist, the one dataset whose SHA-256 digests the toolkit knows; other datasets are never downloaded unverified)");
        return new DatasetNotFoundException(name, attempts, text.ToString());
    }
}
