using System.CommandLine;
using System.CommandLine.Invocation;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// Gives every command that writes a <c>--json</c> file the same safety, in one place instead of in
/// each command: an <c>--overwrite</c> option (the command's own when it has one, e.g. train's), and a
/// check of the file (<see cref="OutputFile.Claim"/>) before the command's action starts any work.
/// </summary>
public static class OutputGuard
{
    public const string OverwriteName = "--overwrite";

    public static Option<bool> Overwrite(string what = "the file named by --json") => new(OverwriteName)
    {
        Description = $"Replace {what}; what was there is kept beside it (renamed replaced-<UTC time>), never deleted",
    };

    /// <summary>Adds the guard to <paramref name="command"/> (call after its action is set); returns it.</summary>
    public static Command Apply(Command command, string overwriteWhat = "the file named by --json")
    {
        var json = command.Options.OfType<Option<FileInfo?>>().FirstOrDefault(o => o.Name == "--json");
        if (json is null) return command;
        var overwrite = command.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == OverwriteName);
        if (overwrite is null)
        {
            overwrite = Overwrite(overwriteWhat);
            command.Options.Add(overwrite);
        }
        if (command.Action is not SynchronousCommandLineAction inner)
            throw new InvalidOperationException($"{command.Name}: OutputGuard.Apply must be called after SetAction.");
        command.SetAction(parse =>
        {
            if (parse.GetValue(json) is { } file) OutputFile.Claim(file.FullName, parse.GetValue(overwrite), "--json");
            return inner.Invoke(parse);
        });
        return command;
    }
}
