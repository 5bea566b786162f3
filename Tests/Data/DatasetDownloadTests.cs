using System.Collections.Concurrent;
using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Data;

/// <summary>The downloader against <see cref="FixtureHttpServer"/> on 127.0.0.1: the only proof of
/// it here, since this machine cannot reach the canonical URL.</summary>
public class DatasetDownloadTests : IDisposable
{
    readonly TempDir _dir = new();
    readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _client.Dispose();
        _dir.Dispose();
    }

    /// <summary>Records every report synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    sealed class Recorder : IProgress<(string File, long Done, long? Total)>
    {
        public ConcurrentQueue<(string File, long Done, long? Total)> Reports { get; } = new();
        public void Report((string File, long Done, long? Total) value) => Reports.Enqueue(value);
    }

    static Dictionary<string, byte[]> Served(Dictionary<IdxFileRole, byte[]> payloads) =>
        payloads.ToDictionary(kv => KnownDatasets.FileName(kv.Key) + ".gz", kv => IdxFixtures.Gzip(kv.Value));

    DatasetResolverOptions Options(Uri? url, Dictionary<IdxFileRole, string> digests, IProgress<(string File, long Done, long? Total)>? progress = null,
        Dictionary<string, string>? env = null) => new()
    {
        CacheRoot = _dir.Sub("cache"),
        NoSystemFolder = true,
        BaseUrl = url,
        ExpectedSha256 = digests,
        HttpClient = _client,
        Progress = progress,
        Environment = k => env is not null && env.TryGetValue(k, out var v) ? v : null,
    };

    string CacheFolder => _dir.Sub("cache", "fixture");

    [Fact]
    public void Downloads_verifies_reports_progress_and_then_reads_the_cache()
    {
        var payloads = IdxFixtures.Payloads(seed: Environment.TickCount, train: 3000, test: 500, rows: 10, cols: 10);
        var served = Served(payloads);
        using var server = new FixtureHttpServer(served);
        var progress = new Recorder();

        var data = DatasetResolver.Resolve("fixture", null, Options(server.BaseUrl, IdxFixtures.Digests(payloads), progress));

        Assert.StartsWith("download from " + server.BaseUrl, data.Source);
        Assert.True(data.Verified);
        Assert.Equal((3000, 500), (data.TrainCount, data.TestCount));
        Assert.Equal(IdxFixtures.Digests(payloads), data.FileSha256);
        Assert.Equal(served.Keys.Order(), Directory.GetFileSystemEntries(CacheFolder).Select(Path.GetFileName).Order());
        foreach (var (file, body) in served)
        {
            var reports = progress.Reports.Where(r => r.File == file).ToList();
            Assert.Equal((file, 0L, (long?)body.Length), reports[0]);
            Assert.Equal((file, (long)body.Length, (long?)body.Length), reports[^1]);
            Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Done <= p.Second.Done));
        }
        // train-images is ~300 kB of noise: intermediate reports appear.
        Assert.True(progress.Reports.Count(r => r.File.StartsWith("train-images")) > 2);

        // The second time the cache answers and the server sees no new request.
        int hits = server.Hits.Values.Sum();
        var again = DatasetResolver.Resolve("fixture", null, Options(server.BaseUrl, IdxFixtures.Digests(payloads)));
        Assert.StartsWith("cache", again.Source);
        Assert.Equal(data.Sha256, again.Sha256);
        Assert.Equal(hits, server.Hits.Values.Sum());
    }

    [Fact]
    public void A_corrupted_file_fails_its_checksum_names_the_file_and_leaves_nothing_behind()
    {
        var payloads = IdxFixtures.Payloads(seed: 21);
        var served = Served(payloads);
        // Still valid gzip and a valid IDX file, but different content: only the checksum can tell.
        var tampered = (byte[])payloads[IdxFileRole.TestImages].Clone();
        tampered[20] ^= 0xFF;
        served["t10k-images-idx3-ubyte.gz"] = IdxFixtures.Gzip(tampered);
        using var server = new FixtureHttpServer(served);

        var e = Assert.Throws<InvalidDataException>(() =>
            DatasetResolver.Resolve("fixture", null, Options(server.BaseUrl, IdxFixtures.Digests(payloads))));

        Assert.Contains("'t10k-images-idx3-ubyte.gz'", e.Message);
        Assert.Contains("failed its SHA-256 check", e.Message);
        Assert.Contains(IdxFixtures.Sha256(payloads[IdxFileRole.TestImages]), e.Message);
        Assert.Contains("deleted", e.Message);
        var left = Directory.GetFileSystemEntries(CacheFolder).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain(left, f => f!.StartsWith("t10k-images") || f.Contains(".part"));
        Assert.DoesNotContain(left, f => f!.StartsWith(".t10k-images"));
        // Files verified before the bad one stay; the bad one is fetched again next time.
        Assert.Contains("train-images-idx3-ubyte.gz", left);
    }

    [Fact]
    public void A_file_that_is_not_gzip_is_named_and_deleted()
    {
        var payloads = IdxFixtures.Payloads(seed: 22);
        var served = Served(payloads);
        var garbage = (byte[])served["train-labels-idx1-ubyte.gz"].Clone();
        for (int i = 10; i < garbage.Length - 8; i++) garbage[i] = (byte)(i * 37);
        served["train-labels-idx1-ubyte.gz"] = garbage;
        using var server = new FixtureHttpServer(served);

        var e = Assert.Throws<InvalidDataException>(() =>
            DatasetResolver.Resolve("fixture", null, Options(server.BaseUrl, IdxFixtures.Digests(payloads))));

        Assert.Contains("'train-labels-idx1-ubyte.gz'", e.Message);
        Assert.True(e.Message.Contains("not valid gzip") || e.Message.Contains("SHA-256"), e.Message);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(CacheFolder), f => Path.GetFileName(f).Contains("train-labels"));
    }

    [Fact]
    public void An_interrupted_transfer_leaves_no_file_that_looks_complete()
    {
        var payloads = IdxFixtures.Payloads(seed: 23);
        using var server = new FixtureHttpServer(Served(payloads));
        server.CutShort["train-images-idx3-ubyte.gz"] = true;

        var e = Assert.Throws<DatasetNotFoundException>(() =>
            DatasetResolver.Resolve("fixture", null, Options(server.BaseUrl, IdxFixtures.Digests(payloads))));

        var download = Assert.Single(e.Attempts, a => a.Source == "download");
        Assert.Contains("train-images-idx3-ubyte.gz", download.Reason);
        Assert.Empty(Directory.GetFileSystemEntries(CacheFolder));
    }

    [Fact]
    public void A_partial_cache_downloads_only_the_missing_files()
    {
        var payloads = IdxFixtures.Payloads(seed: 24);
        IdxFixtures.Write(CacheFolder, new() { [IdxFileRole.TrainImages] = payloads[IdxFileRole.TrainImages] });
        using var server = new FixtureHttpServer(Served(payloads));

        var data = DatasetResolver.Resolve("fixture", null, Options(server.BaseUrl, IdxFixtures.Digests(payloads)));

        Assert.True(data.Verified);
        Assert.False(server.Hits.ContainsKey("train-images-idx3-ubyte.gz"));
        Assert.Equal(3, server.Hits.Count);
    }

    [Fact]
    public void The_url_environment_variable_points_at_a_mirror()
    {
        var payloads = IdxFixtures.Payloads(seed: 25);
        using var server = new FixtureHttpServer(Served(payloads));
        // No trailing slash: the downloader must still append the file name, not replace "data".
        string url = server.BaseUrl.ToString().TrimEnd('/');

        var data = DatasetResolver.Resolve("fixture", null, Options(null, IdxFixtures.Digests(payloads),
            env: new() { [DatasetResolverOptions.UrlEnvironmentVariable] = url }));

        Assert.StartsWith("download", data.Source);
        Assert.Equal(4, server.Hits.Count);
    }

    [Fact]
    public void An_unreachable_server_is_one_line_of_the_not_found_message()
    {
        // Take a free port and close it again: connecting there is refused at once.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var payloads = IdxFixtures.Payloads(seed: 26);

        var e = Assert.Throws<DatasetNotFoundException>(() =>
            DatasetResolver.Resolve("fixture", null, Options(new Uri($"http://127.0.0.1:{port}/"), IdxFixtures.Digests(payloads))));

        Assert.Contains($"download (http://127.0.0.1:{port}/)", e.Message);
        Assert.False(Directory.Exists(CacheFolder) && Directory.EnumerateFileSystemEntries(CacheFolder).Any());
    }
}
