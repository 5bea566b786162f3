using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;

namespace SpikeFit.Experiments.Cli;

/// <summary>Runs one of the PyTorch comparison scripts in <c>bench/</c> and returns the JSON line it prints last.</summary>
public static class PythonBench
{
    public static JsonElement? Run(string python, string scriptName, IEnumerable<string> arguments)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "bench", scriptName);
        if (!File.Exists(script)) script = Path.Combine("bench", scriptName);
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        AnsiConsole.MarkupLine($"[grey]running {Markup.Escape(python)} {Markup.Escape(string.Join(' ', psi.ArgumentList))}[/]");
        try
        {
            using var p = Process.Start(psi)!;
            // Read stderr concurrently so a chatty script cannot fill its pipe and block both sides.
            var stderrTask = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = stderrTask.Result;
            p.WaitForExit();
            var line = stdout.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'));
            if (p.ExitCode != 0 || line is null)
            {
                AnsiConsole.MarkupLine($"[red]PyTorch script failed (exit {p.ExitCode}):[/] {Markup.Escape(stderr.Trim().Split('\n').LastOrDefault() ?? "")}" +
                                       " — install it with `sudo apt-get install python3-torch` or pass --python.");
                return null;
            }
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            AnsiConsole.MarkupLine($"[red]Cannot start {Markup.Escape(python)}: {Markup.Escape(e.Message)}[/]");
            return null;
        }
    }
}
