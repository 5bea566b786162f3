using System.CommandLine;
using SpikeFit.Experiments.Commands;
using SpikeFit.Experiments.Sweep;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>The sweep command line and its Slurm script.</summary>
public sealed class SweepCliTests(ITestOutputHelper output) : SweepTestBase(output)
{
    [Fact]
    public void EmitSlurmWritesAJobArrayAndRunsNothing()
    {
        string gridPath = WriteGrid(FakeGrid);
        string outDir = Path.Combine(_root, "slurm-out"), script = Path.Combine(_root, "job.sbatch");
        var (methods, runner) = Fake();
        int rc = SweepCommand.Create(methods).Parse(["sweep", gridPath, "--emit-slurm", "--shards", "4", "--out", outDir,
            "--slurm-out", script, "--dataset", "synthetic"]).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        Assert.Equal(0, rc);
        Assert.Equal(0, runner.Calls);
        string text = File.ReadAllText(script);
        Assert.StartsWith("#!/bin/bash\n", text);
        Assert.Contains("#SBATCH --array=0-3\n", text);
        Assert.Contains("SHARDS=4\n", text);
        Assert.Contains($"sweep {gridPath} --shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\" --resume --out {outDir} --dataset synthetic --device auto", text);
        Assert.Contains($"#   $SPIKEFIT merge {outDir}", text);
        Assert.False(File.Exists(Path.Combine(outDir, "grid.json")));
    }

    [Fact]
    public void CliRefusesAnExistingTableWithoutResume()
    {
        string gridPath = WriteGrid(FakeGrid);
        string outDir = Path.Combine(_root, "cli");
        var (methods, runner) = Fake();
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = TextWriter.Null };
        string[] args = ["sweep", gridPath, "--out", outDir, "--dataset", "synthetic", "--device", "cpu", "--shard", "1/2"];
        Assert.Equal(0, SweepCommand.Create(methods).Parse(args).Invoke(config));
        Assert.Equal(6, runner.Calls);
        var e = Assert.Throws<InvalidOperationException>(() => SweepCommand.Create(methods).Parse(args).Invoke(config));
        Assert.Contains("--resume", e.Message);
        Assert.Equal(0, SweepCommand.Create(methods).Parse([.. args, "--resume"]).Invoke(config));
        Assert.Equal(6, runner.Calls);
        Assert.Throws<ArgumentException>(() => SweepCommand.Create(methods).Parse(["sweep", gridPath, "--shard", "2/2"]).Invoke(config));
    }
}
