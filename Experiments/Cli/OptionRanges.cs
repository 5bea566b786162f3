using System.CommandLine;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// One rule for every command instead of a check in each: an option that counts something (samples,
/// batches, steps, repeats, rounds, threads) must be at least 1, and one that counts extra work that
/// may be skipped (<c>--finetune-epochs</c>) at least 0. A value below is a parse error (exit 2)
/// naming the option, before any work; without it <c>--max-test 0</c> printed NaN and
/// <c>--max-batches -2</c> saved an untrained network as a finished run.
/// </summary>
public static class OptionRanges
{
    /// <summary>Options (by name) that count and must be at least 1 wherever they appear.</summary>
    public static readonly IReadOnlySet<string> Counts = new HashSet<string>(StringComparer.Ordinal)
    {
        "--max-test", "--max-batches", "--batches", "--batch", "--repeats", "--rounds", "--score-batches", "--threads",
        "--epochs", "--T", "--t", "--B", "--N", "--n", "--hidden", "--shards", "--warm-epochs", "--prune-rounds",
    };

    /// <summary>Options that may be 0 (skip) but not negative.</summary>
    public static readonly IReadOnlySet<string> NonNegative = new HashSet<string>(StringComparer.Ordinal) { "--finetune-epochs", "--prune-epochs" };

    /// <summary>Adds the range check to every matching integer option of <paramref name="command"/>.</summary>
    public static void Apply(Command command)
    {
        foreach (var option in command.Options)
        {
            int? min = Counts.Contains(option.Name) ? 1 : NonNegative.Contains(option.Name) ? 0 : null;
            if (min is not int m) continue;
            switch (option)
            {
                case Option<int> o:
                    o.Validators.Add(r => Check(r, o.Name, r.GetValueOrDefault<int>(), m));
                    break;
                case Option<int?> o:
                    o.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is int v) Check(r, o.Name, v, m); });
                    break;
                case Option<int[]> o:
                    o.Validators.Add(r => { foreach (int v in r.GetValueOrDefault<int[]>() ?? []) Check(r, o.Name, v, m); });
                    break;
            }
        }
    }

    private static void Check(System.CommandLine.Parsing.OptionResult result, string name, int value, int min)
    {
        if (value < min) result.AddError($"{name} must be at least {min}, got {value}.");
    }
}
