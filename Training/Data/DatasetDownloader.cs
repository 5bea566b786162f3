using System.Security.Cryptography;

namespace SpikeFit.Training.Data;

/// <summary>
/// Downloads the four .gz files of a dataset into a folder, verifying each one's decompressed
/// payload against its SHA-256 before it takes its final name. Each file is written to a hidden
/// temporary name and renamed only once verified, so an interrupted or bad download never leaves a
/// file that looks complete.
/// </summary>
public static class DatasetDownloader
{
    static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(15) });

    /// <summary>Bytes between progress reports (plus one at the start and one at the end of each file).</summary>
    const long ProgressStep = 256 * 1024;

    /// <summary>
    /// Downloads every role's <c>&lt;name&gt;.gz</c> from <paramref name="baseUrl"/> into
    /// <paramref name="folder"/>, skipping roles that already have a file there.
    /// </summary>
    /// <exception cref="HttpRequestException">The server could not be reached or refused a file.</exception>
    /// <exception cref="IOException">A transfer was cut short, or the folder cannot be written.</exception>
    /// <exception cref="InvalidDataException">A file failed its SHA-256 check or is not valid gzip;
    /// the bad file has been deleted.</exception>
    public static async Task DownloadAsync(
        Uri baseUrl, string folder, IReadOnlyDictionary<IdxFileRole, string> expectedSha256,
        HttpClient? client = null, IProgress<(string File, long Done, long? Total)>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(expectedSha256);
        client ??= SharedClient.Value;
        // Relative resolution replaces the last path segment unless the base ends with '/'.
        if (!baseUrl.AbsoluteUri.EndsWith('/')) baseUrl = new Uri(baseUrl.AbsoluteUri + "/");
        Directory.CreateDirectory(folder);
        var existing = DatasetFolder.Locate(folder).Found;
        foreach (var role in KnownDatasets.Roles)
        {
            if (existing.ContainsKey(role)) continue;
            if (!expectedSha256.TryGetValue(role, out var digest))
                throw new ArgumentException($"No SHA-256 digest given for {KnownDatasets.FileName(role)}; downloads are never left unverified.", nameof(expectedSha256));
            string file = KnownDatasets.FileName(role) + ".gz";
            await DownloadFileAsync(client, new Uri(baseUrl, file), Path.Combine(folder, file), digest, progress, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Downloads one gzip IDX file to <paramref name="target"/>, verified against the
    /// SHA-256 <paramref name="expectedSha256"/> of its decompressed payload.</summary>
    public static async Task DownloadFileAsync(
        HttpClient client, Uri url, string target, string expectedSha256,
        IProgress<(string File, long Done, long? Total)>? progress = null, CancellationToken cancel = default)
    {
        string file = Path.GetFileName(target);
        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, $".{file}.{Guid.NewGuid():N}.part");
        try
        {
            try
            {
                using (var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false))
                {
                    if (!response.IsSuccessStatusCode)
                        throw new HttpRequestException(
                            $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
                    long? total = response.Content.Headers.ContentLength;
                    long done = 0, lastReport = 0;
                    progress?.Report((file, 0, total));
                    await using (var body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false))
                    await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    {
                        var buffer = new byte[1 << 16];
                        int n;
                        while ((n = await body.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
                        {
                            await output.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
                            done += n;
                            if (done - lastReport >= ProgressStep)
                            {
                                progress?.Report((file, done, total));
                                lastReport = done;
                            }
                        }
                    }
                    if (total is long t && done != t)
                        throw new IOException($"download of {file} from {url} was cut short: received {done} of {t} bytes.");
                    progress?.Report((file, done, total ?? done));
                }
            }
            catch (HttpRequestException e) when (!cancel.IsCancellationRequested)
            {
                throw new HttpRequestException($"download of {file} from {url} failed: {e.Message}", e, e.StatusCode);
            }
            catch (IOException e) when (!cancel.IsCancellationRequested && !e.Message.StartsWith("download of", StringComparison.Ordinal))
            {
                throw new IOException($"download of {file} from {url} failed: {e.Message}", e);
            }
            catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
            {
                // HttpClient reports its own timeout as a cancellation; make it a plain failure.
                throw new IOException($"download of {file} from {url} timed out after {client.Timeout.TotalSeconds:0} s", e);
            }

            byte[] stored = await File.ReadAllBytesAsync(temp, cancel).ConfigureAwait(false);
            byte[] payload;
            try
            {
                payload = IdxReader.IsGzip(stored) ? IdxReader.Gunzip(stored, file) : stored;
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException(
                    $"Downloaded file '{file}' from {url} is not valid gzip ({e.InnerException?.Message ?? e.Message}); it was deleted. Try again, or use another source.", e);
            }
            string actual = Convert.ToHexStringLower(SHA256.HashData(payload));
            if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException(
                    $"Downloaded file '{file}' from {url} failed its SHA-256 check: its decompressed content hashes to {actual}, expected {expectedSha256.ToLowerInvariant()}. " +
                    "The file was deleted. The server or a proxy sent different data; try again, or use another source.");
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            // Anything still at the temporary name is incomplete or failed verification.
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
