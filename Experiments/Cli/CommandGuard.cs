using System.CommandLine;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// The checks every command gets in one place, applied by each command's <c>Create</c> after its action
/// is set: count options in range (<see cref="OptionRanges"/>) and a claimed <c>--json</c> file with its
/// <c>--overwrite</c> (<see cref="OutputGuard"/>). A new command gets them by ending with
/// <c>return CommandGuard.Apply(cmd);</c>.
/// </summary>
public static class CommandGuard
{
    public static Command Apply(Command command)
    {
        OptionRanges.Apply(command);
        return OutputGuard.Apply(command);
    }

    /// <summary>True when the user typed <paramref name="option"/> (not its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
