using System.Diagnostics;

namespace SpikeFit.Tests.Reliability;

/// <summary>What one <c>spikefit</c> process did: its exit status and what it printed.</summary>
public sealed record CliResult(int Code, string Out, string Err, string CommandLine)
{
    public string All => Out + Err;

    /// <summary>A refusal is one message, never a .NET stack trace.</summary>
    public bool HasStackTrace => All.Contains("   at ", StringComparison.Ordinal) || All.Contains("Unhandled exception", StringComparison.Ordinal);

    public override string ToString() => $"$ {CommandLine}\n(exit {Code})\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>
/// Runs the real <c>spikefit</c> (the CLI the build copies next to the tests) as a separate process, in
/// a working folder of the test's own, so the reliability cases see exactly what a user's shell sees:
/// exit status, standard output and standard error.
/// </summary>
public static class SpikefitProcess
{
    public static string Dll
    {
        get
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "spikefit.dll");
            Skip.IfNot(File.Exists(dll) && File.Exists(Path.Combine(AppContext.BaseDirectory, "spikefit.runtimeconfig.json")), $"{dll} not built");
            return dll;
        }
    }

    /// <param name="workDir">The process's working folder (default outputs go to its runs/).</param>
    /// <param name="env">Variables to set (null value: remove); SPIKEFIT_DATA is removed unless given.</param>
    public static CliResult Run(string workDir, IReadOnlyDictionary<string, string?>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("SPIKEFIT_DATA");
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"spikefit {string.Join(' ', args)} did not finish in 5 minutes (a hang is a failure)");
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result, "spikefit " + string.Join(' ', args));
    }

    public static CliResult Run(string workDir, params string[] args) => Run(workDir, null, args);
}
