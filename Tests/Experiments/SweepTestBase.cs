using System.Security.Cryptography;
using System.Text;
using SpikeFit.Experiments.Sweep;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>
/// What the sweep tests share: a temporary folder, a fake runner whose result is a pure function of the point
/// (so most tests take milliseconds), and helpers to run a grid and compare tables.
/// </summary>
public abstract class SweepTestBase : IDisposable
{
    protected readonly string _root = Path.Combine(Path.GetTempPath(), $"spikefit-sweep-{Guid.NewGuid():N}");
    protected readonly ITestOutputHelper _output;

    protected SweepTestBase(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>A runner whose result is a pure function of the point; hooks let tests interrupt it.</summary>
    protected sealed class FakeRunner : ISweepPointRunner
    {
        public int Calls;
        public Action<int, SweepPoint>? BeforeRun;

        public IReadOnlyDictionary<string, string> Run(SweepPoint point, SweepContext context, CancellationToken cancel)
        {
            Calls++;
            BeforeRun?.Invoke(Calls, point);
            cancel.ThrowIfCancellationRequested();
            string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(point.Canonical)))[..10];
            return new Dictionary<string, string>
            {
                ["score"] = (point.GetDouble("lr", 0) * point.GetInt("seed", 1)).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                ["digest"] = digest,
                ["note"] = "a, \"quoted\"\nvalue", // exercises CSV quoting
                ["train_seconds"] = Random.Shared.NextDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        public void Validate(SweepPoint point)
        {
            if (point.GetDouble("lr", 1) <= 0) throw new ArgumentException($"lr must be positive, got {point.Text("lr")}.");
        }
    }

    protected static (SweepMethods Methods, FakeRunner Runner) Fake()
    {
        var methods = new SweepMethods();
        var runner = new FakeRunner();
        methods.Register("fake", runner);
        return (methods, runner);
    }

    protected const string FakeGrid = """
        {
          "name": "fake-grid",
          "base": { "method": "fake", "epochs": 1 },
          "grid": { "lr": [0.001, 0.003, 0.01], "seed": [1, 2, 3, 4] }
        }
        """;

    protected string WriteGrid(string json, string name = "grid.json")
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, json);
        return path;
    }

    protected static SweepContext Context(string dir) => new(dir, null, null, "fake-device");

    protected static SweepOutcome RunFake(SweepGrid grid, SweepMethods methods, string dir, SweepShard? shard = null, bool resume = false,
        CancellationToken stop = default, CancellationToken abort = default) =>
        SweepEngine.Run(grid, methods, Context(dir), new SweepOptions { OutDir = dir, Shard = shard, Resume = resume, Commit = "test" },
            null, stop, abort);

    /// <summary>Rows by id, without the columns that differ between two runs of a point (timing, date, host).</summary>
    protected static Dictionary<string, Dictionary<string, string>> Stable(string tablePath, IReadOnlyList<string> keys) =>
        SweepTable.Open(tablePath, keys).Rows.ToDictionary(r => r[SweepColumns.PointId],
            r => r.Where(kv => !SweepColumns.IsVolatile(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));

    protected static void AssertSameRows(Dictionary<string, Dictionary<string, string>> expected, Dictionary<string, Dictionary<string, string>> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (id, row) in expected)
            Assert.Equal(row.OrderBy(kv => kv.Key), actual[id].OrderBy(kv => kv.Key));
    }

    protected const string TinyTrainGrid = """
        {
          "name": "tiny",
          "base": { "net": "mlp", "hidden": 8, "T": 2, "batch": 32, "epochs": 1, "max_batches": 2, "max_test": 64 },
          "grid": { "lr": [0.001, 0.01], "seed": [1, 2] }
        }
        """;
}
