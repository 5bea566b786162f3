using System.Text.Json;
using SpikeFit.Experiments.Commands;

namespace SpikeFit.Tests.Experiments;

/// <summary>
/// The commands that load data, checkpoints and networks through the library calls, end to end on
/// the synthetic dataset and the cpu backend: train → fit, prune, warm start; CAT train → export → eval.
/// Sizes are tiny; what is checked is that each step runs and writes what the next one reads.
/// </summary>
public sealed class CommandChainTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"spikefit-chain-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly string[] Tiny =
        ["--dataset", "synthetic", "--device", "cpu", "--T", "2", "--hidden", "16", "--batch", "64", "--epochs", "1", "--max-batches", "2", "--max-test", "64"];

    private string Path_(params string[] parts) => Path.Combine([_dir, .. parts]);

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    [Fact]
    public void Train_then_fit_prune_and_warm_start()
    {
        Assert.Equal(0, TrainCommand.Create().Parse([.. Tiny, "--out", Path_("fp")]).Invoke());
        string checkpoint = Path_("fp", "checkpoint.sfck");
        Assert.True(File.Exists(checkpoint));
        var run = Json(Path_("fp", "run.json"));
        Assert.Equal(1, run.GetProperty("epochsCompleted").GetInt32());
        Assert.Equal(2, File.ReadAllLines(Path_("fp", "epochs.csv")).Length);

        Assert.Equal(0, FitCommand.Create().Parse([checkpoint, "--dataset", "synthetic", "--max-test", "64", "--json", Path_("fit.json")]).Invoke());
        var model = Json(Path_("fit.json")).GetProperty("model");
        Assert.InRange(model.GetProperty("accuracy").GetDouble(), 0, 1);

        Assert.Equal(0, PruneCommand.Create().Parse(["--checkpoint", checkpoint, "--dataset", "synthetic", "--device", "cpu", "--keep", "0.5",
            "--rounds", "1", "--finetune-epochs", "1", "--max-batches", "1", "--score-batches", "1", "--max-test", "64", "--out", Path_("pruned")]).Invoke());
        var prune = Json(Path_("pruned", "prune.json"));
        Assert.True(prune.GetProperty("prunedParameters").GetInt64() < prune.GetProperty("originalParameters").GetInt64());

        // The pruned network has 8 hidden neurons: the warm-started run must say so (a warm start that does not fit is refused).
        string[] pruned = [.. Tiny.Select(a => a == "16" ? "8" : a)];
        Assert.Equal(0, TrainCommand.Create().Parse([.. pruned, "--warm-start", Path_("pruned", "checkpoint.sfck"), "--out", Path_("warm")]).Invoke());
        Assert.True(File.Exists(Path_("warm", "checkpoint.sfck")));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Cat_train_then_export_and_eval_against_the_checkpoint()
    {
        Assert.Equal(0, TrainCommand.Create().Parse([.. Tiny, "--codebook-m", "4", "--out", Path_("cat")]).Invoke());
        string checkpoint = Path_("cat", "checkpoint.sfck"), deployed = Path_("model.sfdm");
        Assert.Equal(0, ExportCommand.Create().Parse(["--checkpoint", checkpoint, "--out", deployed]).Invoke());
        Assert.True(File.Exists(deployed));
        Assert.Equal(0, EvalCommand.Create().Parse(["--deployed", deployed, "--dataset", "synthetic", "--max-test", "64", "--device", "cpu",
            "--compare-checkpoint", checkpoint, "--json", Path_("eval.json")]).Invoke());
        var eval = Json(Path_("eval.json"));
        Assert.Equal(64, eval.GetProperty("dataset").GetProperty("samples").GetInt32());
        // The integer path and the float network agree on nearly every sample (DEPLOY.md's claim).
        Assert.True(eval.GetProperty("comparison").GetProperty("agreement").GetDouble() >= 0.9);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }
}
