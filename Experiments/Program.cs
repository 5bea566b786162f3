using System.CommandLine;
using SpikeFit.Experiments.Commands;
using Spectre.Console;

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

// Piped output (CI logs, `| tee`) has no terminal width; keep tables readable there.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidDataException)
{
    // Expected user-facing errors: one clear line, no stack trace.
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    return 2;
}
