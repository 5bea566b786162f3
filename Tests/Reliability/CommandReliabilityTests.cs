using System.Text.Json;
using SpikeFit.Tests.Data;
using SpikeFit.Training.Data;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Reliability;

/// <summary>
/// The reliability suite (issue "No result lost, no wrong result reported"): every case a careful or a
/// clumsy user met, run as the real <c>spikefit</c> process. Each asserts the documented exit status
/// (README "Failure modes": 2 bad arguments, 3 refused, never a stack trace) and that what an earlier
/// run wrote is still there, byte for byte, or kept aside.
/// </summary>
public sealed class CommandReliabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Work => _dir.Path;

    private static readonly string[] TinyTrain =
        ["train", "--dataset", "synthetic", "--device", "cpu", "--net", "mlp", "--hidden", "8", "--T", "2", "--epochs", "1", "--batch", "16",
         "--max-batches", "2", "--max-test", "32"];

    private CliResult Spikefit(params string[] args) => Spikefit(null, args);

    private CliResult Spikefit(IReadOnlyDictionary<string, string?>? env, params string[] args)
    {
        var r = SpikefitProcess.Run(Work, env, args);
        output.WriteLine(r.ToString());
        return r;
    }

    private string TrainTiny(string name, params string[] extra)
    {
        string dir = _dir.Sub(name);
        var r = Spikefit([.. TinyTrain, "--out", dir, .. extra]);
        Assert.True(r.Code == 0, r.ToString());
        return dir;
    }

    private static void Refused(CliResult r, int code, params string[] fragments)
    {
        Assert.True(r.Code == code, $"expected exit {code}\n{r}");
        Assert.False(r.HasStackTrace, r.ToString());
        foreach (var f in fragments) Assert.True(r.All.Contains(f, StringComparison.Ordinal), $"expected '{f}' in the message\n{r}");
    }

    // ---- Lost results -------------------------------------------------------------------------

    [SkippableFact]
    public void Train_into_a_folder_holding_a_run_is_refused_and_overwrite_keeps_every_earlier_run()
    {
        string dir = TrainTiny("run");
        byte[] first = File.ReadAllBytes(Path.Combine(dir, "checkpoint.sfck"));
        Refused(Spikefit([.. TinyTrain, "--out", dir]), 3, "--resume", "--overwrite");
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(dir, "checkpoint.sfck")));

        Assert.Equal(0, Spikefit([.. TinyTrain, "--out", dir, "--overwrite", "--seed", "2"]).Code);
        Assert.Equal(0, Spikefit([.. TinyTrain, "--out", dir, "--overwrite", "--seed", "3"]).Code);
        var kept = Directory.GetDirectories(dir, "replaced-*").Order().ToList();
        Assert.Equal(2, kept.Count); // not one backup slot: every replaced run is kept
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(kept[0], "checkpoint.sfck")));
    }

    [SkippableFact]
    public void A_second_run_into_a_folder_in_use_is_locked_out_and_the_first_finishes_intact()
    {
        string dir = _dir.Sub("busy");
        Directory.CreateDirectory(dir);
        // The lock a running spikefit holds (an OS lock on .spikefit.lock, released even on kill -9).
        using (new FileStream(Path.Combine(dir, ".spikefit.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            foreach (var args in new[]
                     {
                         (string[])[.. TinyTrain, "--out", dir],
                         ["reproduce", "hopfield", "--preset", "quick", "--sizes", "8", "--device", "cpu", "--out", dir],
                     })
                Refused(Spikefit(args), 3, "another spikefit run is writing");
        }
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.sfck")));
    }

    [SkippableFact]
    public void Reproduce_m4_rerun_is_refused_and_every_overwritten_table_is_kept()
    {
        string dir = _dir.Sub("m4");
        string[] m4 = ["reproduce", "m4", "--preset", "smoke", "--methods", "fp32", "--dataset", "synthetic", "--device", "cpu", "--out", dir];
        Assert.Equal(0, Spikefit(m4).Code);
        string table = Path.Combine(dir, "points.csv");
        byte[] original = File.ReadAllBytes(table);
        Refused(Spikefit(m4), 3, "--resume", "--overwrite");
        Assert.Equal(original, File.ReadAllBytes(table));
        Refused(Spikefit([.. m4, "--resume", "--overwrite"]), 2, "give one of them");

        Assert.Equal(0, Spikefit([.. m4, "--overwrite"]).Code);
        Assert.Equal(0, Spikefit([.. m4, "--overwrite"]).Code);
        var kept = Directory.GetFiles(dir, "points.replaced-*.csv").Order().ToList();
        Assert.Equal(2, kept.Count);
        Assert.Equal(original, File.ReadAllBytes(kept[0]));
    }

    [SkippableFact]
    public void A_json_file_from_an_earlier_run_is_refused_and_kept_aside_with_overwrite()
    {
        string dir = TrainTiny("cat", "--codebook-m", "4");
        string json = _dir.Sub("export.json"), model = _dir.Sub("m.sfdm");
        File.WriteAllText(json, "{\"earlier\": true}");
        Refused(Spikefit("export", "--checkpoint", Path.Combine(dir, "checkpoint.sfck"), "--out", model, "--json", json), 3, "already exists", "--overwrite");
        Assert.False(File.Exists(model)); // refused before the work
        Assert.Equal(0, Spikefit("export", "--checkpoint", Path.Combine(dir, "checkpoint.sfck"), "--out", model, "--json", json, "--overwrite").Code);
        string aside = Assert.Single(Directory.GetFiles(Work, "export.replaced-*.json"));
        Assert.Equal("{\"earlier\": true}", File.ReadAllText(aside));
        Assert.Contains("provenance", File.ReadAllText(json));

        // The exported model itself: refused without --overwrite, kept aside with it.
        byte[] exported = File.ReadAllBytes(model);
        Refused(Spikefit("export", "--checkpoint", Path.Combine(dir, "checkpoint.sfck"), "--out", model), 3, "already exists");
        Assert.Equal(0, Spikefit("export", "--checkpoint", Path.Combine(dir, "checkpoint.sfck"), "--out", model, "--overwrite").Code);
        Assert.Equal(exported, File.ReadAllBytes(Assert.Single(Directory.GetFiles(Work, "m.replaced-*.sfdm"))));
    }

    [SkippableFact]
    public void Prune_into_a_folder_holding_a_prune_is_refused()
    {
        string dir = TrainTiny("base");
        string[] prune = ["prune", "--checkpoint", Path.Combine(dir, "checkpoint.sfck"), "--dataset", "synthetic", "--device", "cpu", "--keep", "0.5",
                          "--rounds", "1", "--finetune-epochs", "0", "--score-batches", "1", "--max-test", "32", "--out", _dir.Sub("pruned")];
        Assert.Equal(0, Spikefit(prune).Code);
        byte[] first = File.ReadAllBytes(_dir.Sub("pruned", "checkpoint.sfck"));
        Refused(Spikefit(prune), 3, "--overwrite");
        Assert.Equal(first, File.ReadAllBytes(_dir.Sub("pruned", "checkpoint.sfck")));
        Refused(Spikefit([.. prune[..^1], dir]), 2, "folder of --checkpoint"); // --out = the input's folder
    }

    // ---- Wrong results, silently ------------------------------------------------------------

    [SkippableFact]
    public void A_warm_start_of_another_shape_is_refused_naming_the_tensor()
    {
        string warm = TrainTiny("warm");
        var args = TinyTrain.ToArray();
        args[Array.IndexOf(args, "--hidden") + 1] = "12";
        Refused(Spikefit([.. args, "--out", _dir.Sub("wider"), "--warm-start", Path.Combine(warm, "checkpoint.sfck")]), 2, "fc1.weight");
    }

    [SkippableFact]
    public void A_resume_on_another_dataset_of_the_same_shape_is_refused()
    {
        string a = _dir.Sub("data-a"), b = _dir.Sub("data-b");
        IdxFixtures.Write(a, IdxFixtures.Payloads(seed: 1, train: 48, test: 16, rows: 28, cols: 28));
        IdxFixtures.Write(b, IdxFixtures.Payloads(seed: 2, train: 48, test: 16, rows: 28, cols: 28));
        string[] train = ["train", "--dataset", "fixture", "--device", "cpu", "--net", "mlp", "--hidden", "8", "--T", "2", "--batch", "16", "--max-test", "16",
                          "--out", _dir.Sub("run")];
        Assert.Equal(0, Spikefit([.. train, "--data", a, "--epochs", "1"]).Code);
        byte[] checkpoint = File.ReadAllBytes(_dir.Sub("run", "checkpoint.sfck"));
        Refused(Spikefit([.. train, "--data", b, "--epochs", "2", "--resume"]), 3, "another dataset");
        Assert.Equal(checkpoint, File.ReadAllBytes(_dir.Sub("run", "checkpoint.sfck")));
        Assert.Equal(0, Spikefit([.. train, "--data", a, "--epochs", "2", "--resume"]).Code);
    }

    [SkippableFact]
    public void An_unusable_SPIKEFIT_DATA_is_refused_not_replaced_by_another_copy()
    {
        var env = new Dictionary<string, string?> { ["SPIKEFIT_DATA"] = _dir.Sub("no-such-folder") };
        Refused(Spikefit(env, "train", "--dataset", "fashion-mnist", "--device", "cpu", "--max-batches", "1", "--out", _dir.Sub("r")), 3,
            "SPIKEFIT_DATA is set but unusable");
    }

    [SkippableFact]
    public void Options_that_mean_nothing_or_would_be_ignored_are_bad_arguments_and_write_nothing()
    {
        foreach (var (extra, fragment) in new (string[], string)[]
                 {
                     (["--codebook-bits", "2"], "--codebook-m"),
                     (["--max-test", "0"], "--max-test must be at least 1"),
                     (["--max-batches", "-2"], "--max-batches must be at least 1"),
                     (["--no-such-option"], "--no-such-option"),
                 })
        {
            string dir = _dir.Sub("opts");
            var args = TinyTrain.ToList();
            if (extra[0] is "--max-test" or "--max-batches") args[args.IndexOf(extra[0]) + 1] = extra[1];
            else args.AddRange(extra);
            Refused(Spikefit([.. args, "--out", dir]), 2, fragment);
            Assert.False(Directory.Exists(dir));
        }
        Refused(Spikefit("reproduce", "m4", "--preset", "smoke", "--seeds", "1", "1", "--list"), 2, "listed twice");
    }

    [SkippableFact]
    public void Every_command_checks_its_counts_and_refuses_options_it_would_ignore()
    {
        string ck = TrainTiny("ck", "--codebook-m", "4");
        string checkpoint = Path.Combine(ck, "checkpoint.sfck");
        foreach (var (args, fragment) in new (string[], string)[]
                 {
                     (["prune", "--checkpoint", checkpoint, "--dataset", "synthetic", "--max-batches", "-1"], "--max-batches must be at least 1"),
                     (["prune", "--checkpoint", checkpoint, "--dataset", "synthetic", "--finetune-epochs", "-1"], "--finetune-epochs must be at least 0"),
                     (["eval", "--checkpoint", checkpoint, "--dataset", "synthetic", "--max-test", "0"], "--max-test must be at least 1"),
                     (["fit", checkpoint, "--dataset", "synthetic", "--max-test", "0"], "--max-test must be at least 1"),
                     (["bench", "lif", "--device", "cpu", "--repeats", "0"], "--repeats must be at least 1"),
                     (["export", "--checkpoint", checkpoint, "--out", _dir.Sub("m.sfdm"), "--dt", "0.001"], "--dt applies to NIR exports only"),
                     (["eval", "--checkpoint", checkpoint, "--dataset", "synthetic", "--t", "4"], "apply to --nir only"),
                     (["reproduce", "hopfield", "--sizes", "8,x", "--out", _dir.Sub("h")], "--sizes"),
                     ([], "Required command"),
                 })
            Refused(Spikefit(args), 2, fragment);
        Assert.False(File.Exists(_dir.Sub("m.sfdm")));
        Assert.False(Directory.Exists(Path.Combine(Work, "runs"))); // no default folder was created by a refused command
    }

    [SkippableFact]
    public void Eval_refuses_to_compare_a_deployed_model_with_another_network()
    {
        string mlp = TrainTiny("mlp-cat", "--codebook-m", "4");
        var conv = Spikefit("train", "--dataset", "synthetic", "--device", "cpu", "--net", "conv", "--hidden", "2", "4", "--T", "2", "--epochs", "1",
            "--batch", "16", "--max-batches", "2", "--max-test", "32", "--out", _dir.Sub("conv"));
        Assert.True(conv.Code == 0, conv.ToString());
        string deployed = _dir.Sub("m.sfdm");
        Assert.Equal(0, Spikefit("export", "--checkpoint", Path.Combine(mlp, "checkpoint.sfck"), "--out", deployed).Code);
        Refused(Spikefit("eval", "--deployed", deployed, "--dataset", "synthetic", "--device", "cpu", "--max-test", "16",
            "--compare-checkpoint", _dir.Sub("conv", "checkpoint.sfck")), 2, "net conv vs mlp");
    }

    [SkippableFact]
    public void Fit_refuses_a_spike_rate_above_one_per_step_naming_the_field()
    {
        string model = _dir.Sub("model.json");
        File.WriteAllText(model, """
            { "name": "m", "timeSteps": 4, "layers": [
              { "name": "fc1", "kind": "dense", "inputs": 8, "fanIn": 8, "neurons": 4, "synapses": 32, "nonZeroSynapses": 32, "parameters": 32,
                "weightBits": 4, "distinctValues": 4, "maxDistinctPerNeuron": 4, "scope": "layer", "analogInput": false, "inputRate": 1.5 } ] }
            """);
        Refused(Spikefit("fit", model), 3, "inputRate", "at most 1");
    }

    [SkippableFact]
    public void A_sweep_table_with_a_cell_that_is_not_a_number_is_refused_by_resume_and_merge()
    {
        string grid = _dir.Sub("grid.json");
        File.WriteAllText(grid, """
            { "name": "rel", "base": { "method": "fp32", "net": "mlp", "hidden": 8, "T": 2, "batch": 16, "epochs": 1, "max_batches": 2, "max_test": 32 },
              "grid": { "seed": [1, 2] } }
            """);
        string dir = _dir.Sub("sweep");
        Assert.Equal(0, Spikefit("sweep", grid, "--dataset", "synthetic", "--device", "cpu", "--out", dir).Code);
        string table = Path.Combine(dir, "points.csv");
        var lines = File.ReadAllLines(table);
        var header = lines[0].Split(',');
        int acc = Array.IndexOf(header, "test_accuracy");
        Assert.True(acc >= 0, lines[0]);
        var cells = lines[1].Split(',');
        cells[acc] = "oops";
        lines[1] = string.Join(',', cells);
        File.WriteAllLines(table, lines);
        byte[] damaged = File.ReadAllBytes(table);
        Refused(Spikefit("sweep", grid, "--dataset", "synthetic", "--device", "cpu", "--out", dir, "--resume"), 3, "test_accuracy", "oops");
        Refused(Spikefit("merge", dir, "--out", _dir.Sub("merged.csv")), 3, "test_accuracy");
        Assert.Equal(damaged, File.ReadAllBytes(table)); // the evidence is left as it was
    }

    // ---- Crashes instead of messages --------------------------------------------------------

    [SkippableFact]
    public void A_checkpoint_truncated_inside_its_header_is_refused_by_every_reader_naming_the_file()
    {
        string dir = TrainTiny("t");
        string cut = _dir.Sub("cut.sfck");
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "checkpoint.sfck"));
        File.WriteAllBytes(cut, bytes[..40]);
        foreach (var args in new[]
                 {
                     (string[])["eval", "--checkpoint", cut, "--dataset", "synthetic", "--device", "cpu", "--max-test", "16"],
                     ["export", "--checkpoint", cut, "--out", _dir.Sub("x.sfdm")],
                     ["prune", "--checkpoint", cut, "--dataset", "synthetic", "--device", "cpu", "--out", _dir.Sub("p")],
                     [.. TinyTrain, "--out", _dir.Sub("w"), "--warm-start", cut],
                     ["fit", cut],
                 })
            Refused(Spikefit(args), 3, "cut.sfck");
    }

    [SkippableFact]
    public void Outputs_that_cannot_be_written_are_refused_before_any_work()
    {
        string file = _dir.Sub("a-file");
        File.WriteAllText(file, "x");
        Refused(Spikefit([.. TinyTrain, "--out", Path.Combine(file, "run")]), 2, "cannot be");
        string dir = _dir.Sub("ok");
        Refused(Spikefit([.. TinyTrain, "--out", dir, "--json", Path.Combine(file, "r.json")]), 2, "--json");
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.sfck"))); // no epoch ran before the refusal
        Refused(Spikefit("devices", "--json", Work), 2, "is a folder");
    }

    [SkippableFact]
    public void Run_records_identify_the_weights_so_two_runs_of_one_seed_compare_by_one_field()
    {
        static string Digest(string dir) =>
            JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json"))).RootElement.GetProperty("weightsSha256").GetString()!;
        string a = TrainTiny("a"), b = TrainTiny("b"), c = TrainTiny("c", "--seed", "7");
        Assert.Equal(Digest(a), Digest(b));
        Assert.NotEqual(Digest(a), Digest(c));
    }
}
