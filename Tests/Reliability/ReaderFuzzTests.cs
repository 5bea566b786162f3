using SpikeFit.Experiments.M4;
using SpikeFit.Experiments.Sweep;
using SpikeFit.Kernels.Core;
using SpikeFit.Tests.Data;
using SpikeFit.Training.Data;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Models;
using SpikeFit.Training.Nir;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Reliability;

/// <summary>
/// Every file reader against damaged copies of a valid file: seeded random truncations and byte
/// flips. A reader may accept a copy (a flipped pixel is still an image) or refuse it, but a refusal
/// must be a user-facing error (what the CLI prints as one line) that names the file, and no copy may
/// hang a reader. The mutations are fixed by the seed, so every run checks the same copies.
/// </summary>
public sealed class ReaderFuzzTests : IDisposable
{
    private const int Mutations = 300;
    private readonly string _dir = Directory.CreateTempSubdirectory("spikefit-fuzz-").FullName;

    private static bool UserFacing(Exception e) =>
        e is InvalidDataException or ArgumentException or InvalidOperationException or FileNotFoundException;

    /// <summary>Applies <see cref="Mutations"/> seeded truncations and byte flips to <paramref name="valid"/> and reads each copy.</summary>
    private void Fuzz(string name, byte[] valid, Action<string> read, int seed)
    {
        read(Write(name, valid)); // the undamaged file reads
        var rng = new Random(seed);
        var failures = new List<string>();
        for (int k = 0; k < Mutations; k++)
        {
            var bytes = (byte[])valid.Clone();
            string what;
            if (k % 2 == 0)
            {
                int length = rng.Next(0, valid.Length);
                bytes = bytes[..length];
                what = $"truncated to {length} of {valid.Length} bytes";
            }
            else
            {
                int flips = 1 + rng.Next(4);
                var at = Enumerable.Range(0, flips).Select(_ => rng.Next(valid.Length)).ToArray();
                foreach (int i in at) bytes[i] ^= (byte)(1 << rng.Next(8));
                what = $"bits flipped at {string.Join(", ", at)}";
            }
            string path = Write($"{k:D3}-{name}", bytes);
            var task = Task.Run(() => read(path));
            Exception? e = null;
            try
            {
                if (!task.Wait(TimeSpan.FromSeconds(20))) { failures.Add($"{what}: the reader did not return within 20 s"); continue; }
            }
            catch (AggregateException ae)
            {
                e = ae.InnerException;
            }
            if (e is not null)
            {
                if (!UserFacing(e)) failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
                else if (!e.Message.Contains(path, StringComparison.Ordinal) && !e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal))
                    failures.Add($"{what}: the message does not name the file: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {Mutations} damaged copies were not refused cleanly:\n" + string.Join("\n", failures.Take(8)));
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Idx_images_and_labels() =>
        Fuzz("images.idx", IdxFixtures.Images(20, 4, 3, seed: 1), p => IdxReader.ReadImages(p), seed: 11);

    [Fact]
    public void Idx_labels() =>
        Fuzz("labels.idx", IdxFixtures.Labels(20, 10, seed: 2), p => IdxReader.ReadLabels(p), seed: 12);

    [Fact]
    public void Idx_gzip() =>
        Fuzz("images.idx.gz", IdxFixtures.Gzip(IdxFixtures.Images(20, 4, 3, seed: 3)), p => IdxReader.ReadImages(p), seed: 13);

    [Fact]
    public void Checkpoint_header_and_load()
    {
        using var cpu = new CpuBackend();
        string valid = Path.Combine(_dir, "valid.sfck");
        using (var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 8), 1))
            Checkpoint.Save(valid, net, new TrainOptions(), 1, 1, new List<EpochReport>());
        Fuzz("c.sfck", File.ReadAllBytes(valid), p =>
        {
            Checkpoint.ReadHeader(p);
            using var net = Checkpoint.LoadNetwork(cpu, p);
        }, seed: 14);
    }

    [Fact]
    public void Deployed_model()
    {
        using var cpu = new CpuBackend();
        string valid = Path.Combine(_dir, "valid.sfdm");
        using (var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 8) with { Codebook = new CodebookSpec(4, 4) }, 1))
            DeployExporter.Export(net, "fuzz").Save(valid);
        Fuzz("m.sfdm", File.ReadAllBytes(valid), p => IntegerInference.Load(p), seed: 15);
    }

    [Fact]
    public void Deployed_model_version_2_with_masks_cores_and_truenorth_layout()
    {
        // Version 2 adds per-row cores, per-core codebooks, presence masks and TrueNorth's axon types.
        using var cpu = new CpuBackend();
        string valid = Path.Combine(_dir, "valid2.sfdm");
        var spec = NetworkSpec.Mlp(t: 2, hidden: 16) with
        {
            Constraint = new SpikeFit.Training.Models.Constraints.ConnectivitySpec(
                new SpikeFit.Training.Models.Constraints.TrueNorthSpec(NeuronsPerCore: 4), FanIn: 64, CoreInputs: 200, NeuronsPerCore: 4),
        };
        using (var net = ModelZoo.Build(cpu, spec, 1))
        {
            var model = DeployExporter.Export(net, "fuzz");
            Assert.Equal(2, model.Header.Version);
            model.Save(valid);
        }
        Fuzz("m2.sfdm", File.ReadAllBytes(valid), p => IntegerInference.Load(p), seed: 19);
    }

    [Fact]
    public void Nir_file()
    {
        using var cpu = new CpuBackend();
        string valid = Path.Combine(_dir, "valid.nir");
        using (var net = ModelZoo.Build(cpu, NetworkSpec.Mlp(t: 2, hidden: 8), 1))
            NirFile.Write(NirExporter.Export(net).Graph, valid);
        Fuzz("m.nir", File.ReadAllBytes(valid), p => NirImporter.Import(NirFile.Read(p), source: p), seed: 16);
    }

    [Fact]
    public void Sweep_grid_file()
    {
        var json = """
            { "name": "fuzz", "base": { "net": "mlp", "epochs": 1 }, "grid": { "lr": [0.001, 0.003], "seed": [1, 2] } }
            """u8.ToArray();
        Fuzz("grid.json", json, p => SweepGrid.Load(p, SweepMethods.WithTraining()), seed: 17);
    }

    [Fact]
    public void Sweep_table_and_runs_csv()
    {
        string table = Path.Combine(_dir, "valid-points.csv");
        var header = SweepColumns.Header(["lr", "method"], ["test_accuracy"]);
        var rows = Enumerable.Range(0, 4).Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
        {
            ["point_id"] = $"000{i}-abcdef0{i}", ["index"] = $"{i}", ["lr"] = "0.001", ["method"] = "fp32", ["test_accuracy"] = "0.5",
            ["seconds"] = "1.0", ["device"] = "cpu", ["host"] = "h", ["dataset"] = "d", ["dataset_sha256"] = "ff", ["commit"] = "c",
            ["date"] = "2026-12-01T00:00:00Z", ["grid_hash"] = "0123456789abcdef",
        }).ToList();
        SweepTable.WriteAtomic(table, header, rows);
        Fuzz("points.csv", File.ReadAllBytes(table), p => SweepTable.Open(p, ["lr", "method"]), seed: 18);

        string runs = Path.Combine(_dir, "valid-runs.csv");
        RunsTable.Write(runs, [new M4Row { Method = "cat", Family = "spikefit", Net = "mlp", Bits = 4, M = 4, Seed = 1, AccuracyPct = 88.5 }]);
        Fuzz("runs.csv", File.ReadAllBytes(runs), p => RunsTable.Read(p), seed: 19);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
