using System.Globalization;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (0-based, as Slurm's
/// <c>$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT</c> with <c>--array=0-(N-1)</c>): it owns the
/// points whose index k has k mod N = i, so shards are disjoint, cover the grid, and differ in size
/// by at most one point — and a slow region of the grid is spread over all shards.
/// </summary>
public readonly record struct SweepShard(int Index, int Count)
{
    /// <summary>Parses "i/N"; the error says what is wrong and what to write.</summary>
    /// <exception cref="ArgumentException">Bad syntax or range.</exception>
    public static SweepShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 ||
            !int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ||
            !int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new ArgumentException($"--shard '{text}': write i/N with whole numbers, e.g. --shard 0/4 (shard 0 of 4; " +
                                        "in a Slurm array job --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT).");
        if (n < 1)
            throw new ArgumentException($"--shard '{text}': the shard count N must be at least 1.");
        if (i >= n)
            throw new ArgumentException($"--shard '{text}': the index is 0-based and must be in 0..{n - 1} " +
                                        $"(a Slurm job array for {n} shards is --array=0-{n - 1}).");
        return new SweepShard(i, n);
    }

    /// <summary>Whether the point at grid position <paramref name="pointIndex"/> belongs to this shard.</summary>
    public bool Contains(int pointIndex) => pointIndex % Count == Index;

    /// <summary>The shard's table file name, e.g. <c>points.shard-0-of-4.csv</c>.</summary>
    public string TableName => $"points.shard-{Index}-of-{Count}.csv";

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
