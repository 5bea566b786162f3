using System.CommandLine;
using SpikeFit.Experiments.Commands;
using Spectre.Console;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// The <c>spikefit</c> command line: the command tree, and the one place an exception or a parse
/// error becomes a message and an <see cref="ExitCodes"/> status. Program.cs only calls <see cref="Run"/>;
/// the reliability tests call it too, so they see exactly what a user's shell sees.
/// </summary>
public static class SpikefitApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("spikefit — train and compress spiking neural networks for neuromorphic chips (SpikeFit.Gpu)");
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(CheckKernelsCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ReproduceCommand.Create());
        root.Subcommands.Add(FitCommand.Create());
        root.Subcommands.Add(DeployCommand.Create());
        root.Subcommands.Add(PruneCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        root.Subcommands.Add(MergeCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        return root;
    }

    /// <summary>Parses and runs one command line; returns its <see cref="ExitCodes"/> status.</summary>
    public static int Run(string[] args, TextWriter? output = null)
    {
        var parse = Build().Parse(args);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (output is not null) config.Output = output;
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would print the errors and the help and return 1, the status of failed
            // work; an unknown option or a bad value is a bad argument, and the help would bury the line.
            foreach (var error in parse.Errors)
                Error("error", error.Message);
            Error("hint", $"see spikefit {string.Join(' ', CommandPath(parse))} --help");
            return ExitCodes.BadArguments;
        }
        try
        {
            return parse.Invoke(config);
        }
        catch (Exception e) when (ExitCodes.For(e) != ExitCodes.InternalError)
        {
            // Expected user-facing errors: one clear line, no stack trace.
            Error("error", e.Message);
            return ExitCodes.For(e);
        }
        catch (Exception e)
        {
            Error("internal error", "a bug in spikefit; please report it with the command line and this trace:");
            Console.Error.WriteLine(e);
            return ExitCodes.InternalError;
        }
    }

    private static readonly Lazy<IAnsiConsole> StdErr = new(() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));

    /// <summary>
    /// Errors go to standard error, so a script that keeps the figures from standard output still sees
    /// them; redirected (logs, tests) they are one plain line each, never wrapped.
    /// </summary>
    private static void Error(string what, string message)
    {
        if (Console.IsErrorRedirected) Console.Error.WriteLine($"{what}: {message}");
        else StdErr.Value.MarkupLine($"[red]{Markup.Escape(what)}:[/] {Markup.Escape(message)}");
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command.Name);
        return names;
    }
}
