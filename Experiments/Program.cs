using SpikeFit.Experiments.Cli;
using Spectre.Console;

// Piped output (CI logs, `| tee`) has no terminal width; keep tables readable there.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;

return SpikefitApp.Run(args);
