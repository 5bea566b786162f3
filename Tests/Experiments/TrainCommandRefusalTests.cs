using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Experiments.Commands;

namespace SpikeFit.Tests.Experiments;

/// <summary>
/// <c>spikefit train</c> as a clumsy user runs it: nothing an earlier run wrote is replaced without
/// being asked, a second run into the same folder is locked out, options that would be ignored or mean
/// nothing are refused, and a warm start that does not fit is refused rather than silently re-drawn.
/// </summary>
public sealed class TrainCommandRefusalTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "spikefit-train-refusal-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly InvocationConfiguration Config = new() { EnableDefaultExceptionHandler = false, Output = TextWriter.Null };

    private static string[] Tiny(string outDir, params string[] extra) =>
        ["--dataset", "synthetic", "--device", "cpu", "--net", "mlp", "--hidden", "8", "--T", "2", "--epochs", "1", "--batch", "16",
         "--max-batches", "2", "--max-test", "32", "--out", outDir, .. extra];

    private static int Train(params string[] args) => TrainCommand.Create().Parse(args).Invoke(Config);

    [Fact]
    public void An_earlier_run_is_continued_kept_aside_or_refused_never_replaced()
    {
        string dir = Path.Combine(_dir, "run");
        Assert.Equal(0, Train(Tiny(dir)));
        byte[] first = File.ReadAllBytes(Path.Combine(dir, "checkpoint.sfck"));

        var e = Assert.Throws<InvalidOperationException>(() => Train(Tiny(dir)));
        Assert.Contains("--resume", e.Message);
        Assert.Contains("--overwrite", e.Message);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(dir, "checkpoint.sfck")));

        Assert.Throws<ArgumentException>(() => Train(Tiny(dir, "--resume", "--overwrite")));
        Assert.Equal(0, Train(Tiny(dir, "--overwrite", "--seed", "2")));
        Assert.Equal(0, Train(Tiny(dir, "--overwrite", "--seed", "3")));
        var kept = Directory.GetDirectories(dir, "replaced-*").Order().ToList();
        Assert.Equal(2, kept.Count); // two overwrites, two folders: nothing is ever lost
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(kept[0], "checkpoint.sfck")));
        Assert.True(File.Exists(Path.Combine(kept[0], "run.json")));
    }

    [Fact]
    public void A_second_run_into_a_folder_in_use_is_locked_out()
    {
        string dir = Path.Combine(_dir, "busy");
        Directory.CreateDirectory(dir);
        using (new FileStream(Path.Combine(dir, RunFolder.LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var e = Assert.Throws<InvalidOperationException>(() => Train(Tiny(dir)));
            Assert.Contains("another spikefit run is writing", e.Message);
        }
        Assert.Equal(0, Train(Tiny(dir)));
    }

    [Theory]
    [InlineData(new[] { "--codebook-bits", "2" }, "--codebook-m")]
    [InlineData(new[] { "--codebook-per-neuron" }, "--codebook-m")]
    [InlineData(new[] { "--max-test", "0" }, "--max-test must be at least 1")]
    [InlineData(new[] { "--max-batches", "-2" }, "--max-batches must be at least 1")]
    [InlineData(new[] { "--core-inputs", "64" }, "--core-neurons P")]
    [InlineData(new[] { "--core-neurons", "4" }, "--core-neurons P is the core size")]
    [InlineData(new[] { "--codebook-m", "4", "--codebook-scope", "core" }, "add --core-neurons P")]
    [InlineData(new[] { "--codebook-m", "4", "--truenorth" }, "--truenorth fixes the values")]
    [InlineData(new[] { "--codebook-m", "4", "--codebook-scope", "neuron", "--codebook-per-neuron" }, "give only --codebook-scope")]
    [InlineData(new[] { "--codebook-scope", "core", "--core-neurons", "4" }, "--codebook-m")]
    [InlineData(new[] { "--fan-in", "0" }, "--fan-in must be at least 1")]
    [InlineData(new[] { "--mask-schedule", "fixed" }, "--mask-schedule applies")]
    [InlineData(new[] { "--net", "conv", "--core-inputs", "8", "--core-neurons", "2" }, "conv rows are channels")]
    public void Options_that_would_be_ignored_or_mean_nothing_are_refused(string[] extra, string fragment)
    {
        string dir = Path.Combine(_dir, "opts");
        var args = Tiny(dir).ToList();
        for (int i = 0; i < extra.Length; i++)
        {
            int at = args.IndexOf(extra[i]);
            if (at >= 0 && i + 1 < extra.Length && !extra[i + 1].StartsWith("--", StringComparison.Ordinal)) args[at + 1] = extra[++i]; // replace a value Tiny sets
            else args.Add(extra[i]);
        }
        // Counts out of range are parse errors (OptionRanges); combinations are refused by the action.
        var parse = TrainCommand.Create().Parse([.. args]);
        string message = parse.Errors.Count > 0
            ? string.Join("\n", parse.Errors.Select(x => x.Message))
            : Assert.Throws<ArgumentException>(() => Train([.. args])).Message;
        Assert.Contains(fragment, message);
        Assert.False(Directory.Exists(dir)); // refused before anything was written
    }

    /// <summary>The chip-layout options train, export and run integer-only: a fan-in budget with per-core inputs and TrueNorth types.</summary>
    [Fact]
    public void Chip_layout_options_train_and_export()
    {
        string warm = Path.Combine(_dir, "fp32"), tn = Path.Combine(_dir, "tn");
        Assert.Equal(0, Train(Tiny(warm)));
        var args = Tiny(tn, "--warm-start", Path.Combine(warm, "checkpoint.sfck"), "--truenorth", "--core-neurons", "4", "--core-inputs", "100", "--fan-in", "50");
        args[Array.IndexOf(args, "--epochs") + 1] = "2";
        Assert.Equal(0, Train(args));
        var header = SpikeFit.Training.Train.Checkpoint.ReadHeader(Path.Combine(tn, "checkpoint.sfck"));
        var mask = Assert.IsType<SpikeFit.Training.Models.Constraints.ConnectivitySpec>(header.Spec.Constraint);
        Assert.Equal((50, 100, 4, 0), (mask.FanIn, mask.CoreInputs, mask.NeuronsPerCore, mask.ReviseEvery)); // TrueNorth: fixed by default
        var values = Assert.IsType<SpikeFit.Training.Models.Constraints.TrueNorthSpec>(mask.Inner);
        Assert.Equal((4, 0), (values.NeuronsPerCore, values.ReassignEvery)); // types stay as fitted to the warm start
        string deployed = Path.Combine(_dir, "tn.sfdm");
        Assert.Equal(0, ExportCommand.Create().Parse(["--checkpoint", Path.Combine(tn, "checkpoint.sfck"), "--out", deployed]).Invoke(Config));
        Assert.Equal(2, SpikeFit.Training.Deploy.DeployedModel.Load(deployed).Header.Version);
    }

    [Fact]
    public void A_warm_start_of_another_shape_is_refused_naming_the_tensors()
    {
        string warm = Path.Combine(_dir, "warm");
        Assert.Equal(0, Train(Tiny(warm)));
        string dir = Path.Combine(_dir, "wider");
        var args = Tiny(dir, "--warm-start", Path.Combine(warm, "checkpoint.sfck"));
        args[Array.IndexOf(args, "--hidden") + 1] = "12";
        var e = Assert.Throws<ArgumentException>(() => Train(args));
        Assert.Contains("fc1.weight has 6272 values, this network 9408", e.Message);
        // The same shape is a warm start as before.
        Assert.Equal(0, Train(Tiny(Path.Combine(_dir, "same"), "--warm-start", Path.Combine(warm, "checkpoint.sfck"))));
    }

    [Fact]
    public void Two_runs_of_one_seed_are_recognised_by_one_field()
    {
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b"), c = Path.Combine(_dir, "c");
        Assert.Equal(0, Train(Tiny(a)));
        Assert.Equal(0, Train(Tiny(b)));
        Assert.Equal(0, Train(Tiny(c, "--seed", "7")));
        static string Digest(string dir) =>
            System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json"))).RootElement.GetProperty("weightsSha256").GetString()!;
        Assert.Equal(64, Digest(a).Length);
        Assert.Equal(Digest(a), Digest(b));
        Assert.NotEqual(Digest(a), Digest(c));
        Assert.Equal(Digest(a), SpikeFit.Training.Train.Checkpoint.ReadHeader(Path.Combine(a, "checkpoint.sfck")).WeightsSha256);
    }

    [Fact]
    public void Eval_refuses_to_compare_a_deployed_model_with_another_network()
    {
        string mlp = Path.Combine(_dir, "mlp-cat"), conv = Path.Combine(_dir, "conv");
        Assert.Equal(0, Train(Tiny(mlp, "--codebook-m", "4")));
        Assert.Equal(0, Train(["--dataset", "synthetic", "--device", "cpu", "--net", "conv", "--hidden", "2", "4", "--T", "2", "--epochs", "1",
            "--batch", "16", "--max-batches", "2", "--max-test", "32", "--out", conv]));
        string deployed = Path.Combine(_dir, "m.sfdm");
        Assert.Equal(0, ExportCommand.Create().Parse(["--checkpoint", Path.Combine(mlp, "checkpoint.sfck"), "--out", deployed]).Invoke(Config));
        var e = Assert.Throws<ArgumentException>(() => EvalCommand.Create().Parse(["--deployed", deployed, "--dataset", "synthetic", "--device", "cpu",
            "--max-test", "16", "--compare-checkpoint", Path.Combine(conv, "checkpoint.sfck")]).Invoke(Config));
        Assert.Contains("net conv vs mlp", e.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
