using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using SpikeFit.Training.Data;
using SpikeFit.Training.IO;
using Spectre.Console;

namespace SpikeFit.Experiments.Cli;

/// <summary>Options shared by several commands, and helpers to honour them.</summary>
public static class CommonOptions
{
    /// <summary>--precision fp32|tf32|bf16: the GEMMs' input precision (<see cref="SpikeFit.Kernels.Dense.GemmPrecision"/>).</summary>
    public static Option<string> Precision()
    {
        var option = new Option<string>("--precision")
        {
            Description = "GEMM input precision: fp32 (default), tf32 (10-bit mantissa) or bf16 (7-bit); operands rounded, " +
                          "float32 accumulation, spikes exact",
            DefaultValueFactory = _ => "fp32",
        };
        option.AcceptOnlyFromAmong("fp32", "tf32", "bf16");
        return option;
    }

    /// <summary>Sets the backend's GEMM precision from --precision, saying so when it is not fp32.</summary>
    public static void ApplyPrecision(SpikeFit.Kernels.Core.Backend backend, string precision)
    {
        var p = SpikeFit.Kernels.Dense.GemmRounding.Parse(precision);
        backend.Dense.Precision = p;
        if (p != SpikeFit.Kernels.Dense.GemmPrecision.Fp32)
            AnsiConsole.MarkupLine($"[bold]precision:[/] GEMM operands rounded to {precision} ({SpikeFit.Kernels.Dense.GemmRounding.MantissaBits(p)}-bit mantissa), float32 accumulation");
    }

    public static Option<string> Device(string defaultValue = "auto", bool allowAll = false)
    {
        var option = new Option<string>("--device")
        {
            Description = "Where to run: auto (cuda, else a qualifying OpenCL GPU, else cpu) | cuda | opencl | " +
                          "cpu (fast managed path) | ilgpu-cpu (ILGPU simulator, small sizes)" +
                          (allowAll ? " | all (every available backend)" : ""),
            DefaultValueFactory = _ => defaultValue,
        };
        var allowed = new List<string> { "auto", "cuda", "opencl", "cpu", "ilgpu-cpu" };
        if (allowAll) allowed.Add("all");
        option.AcceptOnlyFromAmong(allowed.ToArray());
        return option;
    }

    public static Option<FileInfo?> Json() => new("--json")
    {
        Description = "Also write the figures to this JSON file",
    };

    /// <summary>Opens the requested backend and prints which device runs and why the others were skipped.</summary>
    public static BackendSelection OpenBackend(string device)
    {
        var selection = DeviceDiscovery.Open(BackendKindNames.Parse(device));
        AnsiConsole.MarkupLine($"[bold]device:[/] {Markup.Escape(selection.Backend.ToString())} — {Markup.Escape(selection.Why)}");
        foreach (var s in selection.Skipped)
            AnsiConsole.MarkupLine($"  [grey]skipped {Markup.Escape(s)}[/]");
        return selection;
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a live progress bar on a terminal; when the output is
    /// redirected (CI logs, files) the bar would only add noise, so the body runs silently.
    /// The body calls the given callback before each of its <paramref name="total"/> items.
    /// </summary>
    public static void WithProgress(string title, int total, Action<Action<string>> body)
    {
        if (Console.IsOutputRedirected)
        {
            body(_ => { });
            return;
        }
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(title, maxValue: total);
            bool first = true;
            body(description =>
            {
                if (!first) task.Increment(1);
                first = false;
                task.Description = description;
            });
            task.Increment(1);
        });
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// Writes the figures of a <c>--json</c> option through <see cref="AtomicFile"/> (temporary file, fsync,
    /// rename); nothing when <paramref name="file"/> is null. An earlier file claimed with --overwrite
    /// (<see cref="OutputGuard"/>) is first moved aside.
    /// </summary>
    public static void WriteJson(FileInfo? file, object value)
    {
        if (file is null) return;
        if (OutputFile.BeforeWrite(file.FullName) is { } kept)
            AnsiConsole.MarkupLine($"[grey]kept the earlier {Markup.Escape(file.Name)} as {Markup.Escape(kept)}[/]");
        WriteRecord(file.FullName, value);
    }

    /// <summary>Writes a run's own record (run.json, prune.json, provenance.json inside its claimed folder) as JSON, atomically.</summary>
    public static void WriteRecord(string path, object value)
    {
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, value.GetType(), JsonOptions));
        AnsiConsole.MarkupLine($"[grey]wrote {Markup.Escape(Path.GetFullPath(path))}[/]");
    }

    /// <summary>
    /// The git-ignored folder user runs write to by default (relative to the working directory), so a
    /// first run in a clone never modifies the records the repository ships under <c>results/</c>;
    /// those are written only when a command is given an explicit <c>--out results/…</c>.
    /// </summary>
    public const string RunsFolder = "runs";

    /// <summary>A default output path under <see cref="RunsFolder"/>: <c>runs/&lt;parts…&gt;</c>.</summary>
    public static string DefaultOut(params string[] parts) => Path.Combine([RunsFolder, .. parts]);

    /// <summary>Options for <see cref="DatasetLoader.Load"/> in the commands: downloads report their progress on the console.</summary>
    public static DatasetResolverOptions DatasetOptions() => new()
    {
        Progress = new Progress<(string File, long Done, long? Total)>(p =>
            AnsiConsole.MarkupLine($"[grey]downloading {Markup.Escape(p.File)}: {p.Done >> 10} KiB{(p.Total is long tot ? $" of {tot >> 10} KiB" : "")}[/]")),
    };

    /// <summary>Provenance stamped into every machine-readable output.</summary>
    public static object Provenance(string command) => new
    {
        command,
        commit = GitCommit(),
        date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        machine = Environment.MachineName,
        os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        cpus = Environment.ProcessorCount,
    };

    /// <summary>
    /// The commit this program was built from (12 hex digits): the one the SDK stamps into the
    /// assembly's informational version ("1.0.0+&lt;sha&gt;"), so a published copy run from another
    /// checkout, or from a repository whose HEAD moved since, still reports its own code. Falls back to
    /// <c>git rev-parse HEAD</c>, then <c>SPIKEFIT_COMMIT</c>, then "unknown". Read once per process.
    /// </summary>
    public static string GitCommit() => BuildCommit.Value;

    private static readonly Lazy<string> BuildCommit = new(() =>
    {
        string? info = System.Reflection.CustomAttributeExtensions
            .GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(CommonOptions).Assembly)?.InformationalVersion;
        int plus = info?.IndexOf('+') ?? -1;
        if (plus >= 0 && info!.Length - plus - 1 >= 7 && info[(plus + 1)..].All(Uri.IsHexDigit))
            return info[(plus + 1)..Math.Min(info.Length, plus + 13)];
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("git", "rev-parse --short=12 HEAD")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = System.Diagnostics.Process.Start(psi);
            string output = p!.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 && output.Length > 0 ? output : Environment.GetEnvironmentVariable("SPIKEFIT_COMMIT") ?? "unknown";
        }
        catch
        {
            return Environment.GetEnvironmentVariable("SPIKEFIT_COMMIT") ?? "unknown";
        }
    });

    public static string FormatBytes(long bytes) =>
        bytes <= 0 ? "-" : bytes >= 1L << 40 ? "host RAM" : bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{bytes / (double)(1L << 20):F0} MiB";
}
