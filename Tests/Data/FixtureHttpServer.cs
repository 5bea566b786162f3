using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SpikeFit.Tests.Data;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (a free port) serving fixture files under <c>/data/</c>.
/// Built on TcpListener rather than HttpListener so a test can also cut a transfer short: files
/// in <see cref="CutShort"/> announce their full length but send only half, then close.
/// </summary>
public sealed class FixtureHttpServer : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;

    public FixtureHttpServer(IDictionary<string, byte[]> files)
    {
        Files = new ConcurrentDictionary<string, byte[]>(files);
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/data/");
        _loop = Task.Run(AcceptLoop);
    }

    /// <summary>Where the files are: <c>http://127.0.0.1:PORT/data/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>File name → body.</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; }

    /// <summary>Files whose transfer is cut off halfway.</summary>
    public ConcurrentDictionary<string, bool> CutShort { get; } = new();

    /// <summary>Requests received per file name.</summary>
    public ConcurrentDictionary<string, int> Hits { get; } = new();

    async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                string head = await ReadHead(stream);
                string[] requestLine = head.Split("\r\n")[0].Split(' ');
                string path = requestLine.Length > 1 ? requestLine[1] : "/";
                string name = path.StartsWith("/data/", StringComparison.Ordinal) ? path["/data/".Length..] : "";
                Hits.AddOrUpdate(name, 1, (_, n) => n + 1);
                if (!Files.TryGetValue(name, out var body))
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                    return;
                }
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
                int send = CutShort.ContainsKey(name) ? body.Length / 2 : body.Length;
                await stream.WriteAsync(body.AsMemory(0, send));
                await stream.FlushAsync();
            }
            catch (IOException) { }
        }
    }

    static async Task<string> ReadHead(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 16384 && await stream.ReadAsync(one) == 1)
        {
            bytes.Add(one[0]);
            int n = bytes.Count;
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') break;
        }
        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
