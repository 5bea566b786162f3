using System.Text;

namespace SpikeFit.Experiments.Sweep;

/// <summary>Writes the sbatch script of <c>spikefit sweep GRID --emit-slurm</c>: a job array, one task per shard.</summary>
public static class SlurmScript
{
    /// <summary>The default number of array tasks: one per point, at most 1000 (Slurm's default MaxArraySize is 1001).</summary>
    public static int DefaultShards(SweepGrid grid) => Math.Clamp(grid.Points.Count, 1, 1000);

    /// <summary>
    /// The script text. <paramref name="sweepArgs"/> are the extra sweep options to repeat in every
    /// task (--device, --dataset, --data), already split into words.
    /// </summary>
    public static string Build(SweepGrid grid, string gridPath, string outDir, int shards, IReadOnlyList<string> sweepArgs, string commit)
    {
        // A GPU device needs a GPU allocation; with auto the user decides (the line stays commented).
        bool gpu = sweepArgs.SkipWhile(a => a != "--device").Skip(1).FirstOrDefault() is "cuda" or "opencl";
        if (shards < 1) throw new ArgumentException($"--shards must be at least 1, got {shards}.");
        string grid_ = Quote(Path.GetFullPath(gridPath));
        string out_ = Quote(Path.GetFullPath(outDir));
        string extra = string.Concat(sweepArgs.Select(a => " " + Quote(a)));
        int perShard = (grid.Points.Count + shards - 1) / shards;
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append($"# Slurm job array for the spikefit sweep '{grid.Name}': {grid.Points.Count} points (grid hash {grid.Hash}),\n");
        s.Append($"# {shards} shards of at most {perShard} point(s); shard i runs the points k with k mod {shards} = i.\n");
        s.Append($"# Written by spikefit sweep --emit-slurm on {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} (commit {commit}).\n");
        s.Append("#\n");
        s.Append("# Submit:   sbatch THIS_FILE\n");
        s.Append("# Every task runs its shard with --resume: a requeued or resubmitted task skips the points it\n");
        s.Append($"# already recorded; to rerun only shard {shards - 1}: sbatch --array={shards - 1} THIS_FILE\n");
        s.Append("# Adjust the resources to your cluster (a line starting with ##SBATCH is ignored).\n");
        s.Append($"#SBATCH --job-name=spikefit-{grid.Name}\n");
        s.Append($"#SBATCH --array=0-{shards - 1}\n");
        s.Append($"#SBATCH --output={Path.GetFullPath(outDir)}/slurm-%A_%a.out\n");
        s.Append("##SBATCH --time=04:00:00\n");
        s.Append("##SBATCH --cpus-per-task=4\n");
        s.Append("##SBATCH --mem=8G\n");
        s.Append(gpu ? "#SBATCH --gres=gpu:1\n" : "##SBATCH --gres=gpu:1        # with --device cuda\n");
        s.Append("set -euo pipefail\n\n");
        s.Append("# How to start spikefit on the compute nodes, e.g. SPIKEFIT=\"dotnet /path/to/spikefit.dll\".\n");
        s.Append("SPIKEFIT=\"${SPIKEFIT:-spikefit}\"\n");
        s.Append("# The shard count is fixed here rather than read from $SLURM_ARRAY_TASK_COUNT, which shrinks when only\n");
        s.Append("# some tasks are resubmitted (--array=1,3) and would then split the grid differently.\n");
        s.Append($"SHARDS={shards}\n\n");
        s.Append($"$SPIKEFIT sweep {grid_} --shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\" --resume --out {out_}{extra}\n\n");
        s.Append("# When every task has finished, combine the shard tables into one points.csv:\n");
        s.Append($"#   $SPIKEFIT merge {out_}\n");
        s.Append("# or let Slurm run it after the array succeeds:\n");
        s.Append($"#   sbatch --dependency=afterok:<array job id> --wrap \"$SPIKEFIT merge {out_}\"\n");
        return s.ToString();
    }

    /// <summary>Single-quotes a word for bash when it holds anything but safe characters.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or '=' or ':' or ',' or '+')
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}
