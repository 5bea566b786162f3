using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit check-kernels</c>: every kernel on every available backend against its float64 reference.</summary>
public static class CheckKernelsCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device("all", allowAll: true);
        var size = new Option<string>("--size")
        {
            Description = "small | large | auto (auto: small on ilgpu-cpu, large elsewhere)",
            DefaultValueFactory = _ => "auto",
        };
        var seed = new Option<int?>("--seed") { Description = "Random seed for the inputs (default: a fresh one, printed)" };
        var filter = new Option<string?>("--filter") { Description = "Only kernels whose name contains this text (e.g. lif.backward)" };
        var json = CommonOptions.Json();
        var cmd = new Command("check-kernels", "Run every kernel on every available backend against a float64 reference; exit 1 on any failure");
        cmd.Options.Add(device);
        cmd.Options.Add(size);
        cmd.Options.Add(seed);
        cmd.Options.Add(filter);
        cmd.Options.Add(json);
        cmd.SetAction(parse => Run(parse.GetValue(device)!, parse.GetValue(size)!, parse.GetValue(seed),
            parse.GetValue(filter), parse.GetValue(json)));
        return CommandGuard.Apply(cmd);
    }

    private static int Run(string device, string sizeName, int? seedOption, string? filter, FileInfo? json)
    {
        int seed = seedOption ?? Random.Shared.Next();
        var kinds = new List<BackendKind>();
        var skipped = new List<string>();
        if (device.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            kinds.AddRange(new[] { BackendKind.Cpu, BackendKind.IlgpuCpu, BackendKind.Cuda, BackendKind.OpenCL });
        }
        else
        {
            var kind = BackendKindNames.Parse(device);
            kinds.Add(kind ?? DeviceDiscovery.Open(null).Backend.Kind);
        }

        var checks = KernelChecks.All()
            .Where(c => filter is null || c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        if (checks.Count == 0)
        {
            AnsiConsole.MarkupLine($"[red]No kernel check matches --filter '{Markup.Escape(filter ?? "")}'.[/]");
            return ExitCodes.BadArguments;
        }
        AnsiConsole.MarkupLine($"seed {seed}; {checks.Count} checks per backend");

        var results = new List<CheckResult>();
        var devices = new List<object>();
        foreach (var kind in kinds)
        {
            using var backend = DeviceDiscovery.TryOpen(kind, out var whyNot);
            if (backend is null)
            {
                // An explicitly requested backend that is missing is an error; under 'all' it is a skip.
                if (kinds.Count == 1)
                {
                    throw new InvalidOperationException($"--device {kind.CliName()} is not available: {whyNot} Run 'spikefit devices' to see every backend."); // exit 3, as train
                }
                skipped.Add($"{kind.CliName()}: {whyNot}");
                AnsiConsole.MarkupLine($"[yellow]skipped {kind.CliName()}: {Markup.Escape(whyNot ?? "")}[/]");
                continue;
            }
            var size = sizeName.ToLowerInvariant() switch
            {
                "small" => CheckSize.Small,
                "large" => CheckSize.Large,
                "auto" => kind == BackendKind.IlgpuCpu ? CheckSize.Small : CheckSize.Large,
                _ => throw new ArgumentException($"--size must be small, large or auto, got '{sizeName}'."),
            };
            AnsiConsole.MarkupLine($"[bold]{kind.CliName()}[/]: {Markup.Escape(backend.DeviceName)} ({size} sizes)");
            devices.Add(new { backend = kind.CliName(), device = backend.DeviceName, size = size.ToString() });
            CommonOptions.WithProgress(kind.CliName(), checks.Count, advance =>
            {
                foreach (var check in checks)
                {
                    advance($"{kind.CliName()} {check.Name}");
                    try
                    {
                        results.Add(check.Run(backend, seed, size));
                    }
                    catch (Exception e)
                    {
                        results.Add(new CheckResult(check.Name, kind.CliName(), "-", double.PositiveInfinity, 0, 0,
                            $"threw {e.GetType().Name}: {e.Message}"));
                    }
                }
            });
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("kernel", "backend", "shape", "max rel err", "tolerance", "time (ms)", "result");
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Kernel), r.Backend, Markup.Escape(r.Shape), r.MaxRelError.ToString("E2"),
                r.Tolerance.ToString("E1"), r.Milliseconds.ToString("F3"),
                r.Passed ? "[green]pass[/]" : $"[red]FAIL[/]{(r.Note is null ? "" : " " + Markup.Escape(r.Note))}");
        AnsiConsole.Write(table);
        int failed = results.Count(r => !r.Passed);
        AnsiConsole.MarkupLine(failed == 0
            ? $"[green]{results.Count} checks passed[/] on {devices.Count} backend(s)"
            : $"[red]{failed} of {results.Count} checks FAILED[/] (seed {seed})");
        foreach (var s in skipped) AnsiConsole.MarkupLine($"[grey]not run: {Markup.Escape(s)}[/]");
        CommonOptions.WriteJson(json, new
        {
            provenance = CommonOptions.Provenance($"spikefit check-kernels --device {device} --size {sizeName} --seed {seed}"),
            seed,
            devices,
            skipped,
            passed = results.Count - failed,
            failed,
            results,
        });
        return failed == 0 ? 0 : 1;
    }
}
