using SpikeFit.Experiments.Commands;
using SpikeFit.Tests.Hardware;

namespace SpikeFit.Tests.Experiments;

/// <summary>A clean clone stays clean: without --out, the commands write under the git-ignored runs/, never results/.</summary>
public sealed class DefaultOutputTests
{
    [Fact]
    public void Train_defaults_under_runs_and_honours_an_explicit_out()
    {
        var cmd = TrainCommand.Create();
        Assert.Equal(Path.Combine("runs", "train", "conv-mnist-seed3"), TrainCommand.OutDir(cmd.Parse("--net conv --dataset mnist --seed 3")));
        Assert.Equal(Path.Combine("runs", "train", "mlp-fashion-mnist-seed1"), TrainCommand.OutDir(cmd.Parse("")));
        Assert.Equal("results/train/x", TrainCommand.OutDir(cmd.Parse("--out results/train/x")));
    }

    [Fact]
    public void Prune_defaults_under_runs()
    {
        var cmd = PruneCommand.Create();
        Assert.Equal(Path.Combine("runs", "prune", "taylor-keep0.25-seed2"),
            PruneCommand.OutDir(cmd.Parse("--checkpoint c.sfck --criterion taylor --keep 0.25 --seed 2")));
        Assert.Equal(Path.Combine("runs", "prune", "fsc-keep0.5-seed1"), PruneCommand.OutDir(cmd.Parse("--checkpoint c.sfck")));
    }

    [Fact]
    public void Reproduce_hopfield_defaults_under_runs()
    {
        var cmd = ReproduceHopfieldCommand.Create();
        Assert.Equal(Path.GetFullPath(Path.Combine("runs", "hopfield", "quick")), Path.GetFullPath(ReproduceHopfieldCommand.OutDir(cmd.Parse(""))));
        Assert.Equal(Path.Combine("runs", "hopfield", "full"), ReproduceHopfieldCommand.OutDir(cmd.Parse("--preset full")));
        Assert.Equal(Path.GetFullPath("results/hopfield/full"), ReproduceHopfieldCommand.OutDir(cmd.Parse("--preset full --out results/hopfield/full")));
    }

    [Fact]
    public void Runs_is_git_ignored_and_no_help_text_names_results_as_a_default()
    {
        var ignore = File.ReadAllLines(Path.Combine(ModelSummaryTests.RepoRoot(), ".gitignore"));
        Assert.Contains("/runs/", ignore);
        foreach (var cmd in new[] { TrainCommand.Create(), PruneCommand.Create(), ReproduceHopfieldCommand.Create() })
        {
            var output = cmd.Options.Single(o => o.Name == "--out");
            Assert.Contains("default runs/", output.Description);
            Assert.DoesNotContain("default results/", output.Description);
        }
    }
}
