using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;
using SpikeFit.Kernels.Devices;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit devices</c>: every backend, found or not, and why not.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var cmd = new Command("devices", "List every backend (CUDA, OpenCL, cpu, ilgpu-cpu): found or not, why not, memory, warp size");
        cmd.Options.Add(json);
        cmd.SetAction(parse =>
        {
            var reports = DeviceDiscovery.Discover();
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumns("backend", "status", "device", "memory", "warp", "details / reason");
            foreach (var r in reports)
                table.AddRow(
                    r.Kind.CliName(),
                    r.Available ? "[green]available[/]" : "[red]missing[/]",
                    Markup.Escape(r.Name),
                    CommonOptions.FormatBytes(r.MemoryBytes),
                    r.WarpSize > 0 ? r.WarpSize.ToString() : "-",
                    Markup.Escape(r.Available ? r.Detail : r.Reason ?? r.Detail));
            AnsiConsole.Write(table);
            var auto = reports.FirstOrDefault(r => r.Available && r.Kind == BackendKind.Cuda)
                       ?? reports.FirstOrDefault(r => r.Available && r.Kind == BackendKind.OpenCL)
                       ?? reports.First(r => r.Kind == BackendKind.Cpu);
            AnsiConsole.MarkupLine($"--device auto would use: [bold]{auto.Kind.CliName()}[/] ({Markup.Escape(auto.Name)})");
            var (cublas, tried) = CuBlas.Probe();
            AnsiConsole.MarkupLine(cublas is null
                ? $"[grey]cuBLAS: not found (tried {tried.Count} paths for libcublas.so.13/.12/.11); CUDA GEMM uses the ILGPU tiled kernel[/]"
                : $"cuBLAS: {Markup.Escape(cublas)}");
            CommonOptions.WriteJson(parse.GetValue(json), new
            {
                provenance = CommonOptions.Provenance("spikefit devices"),
                backends = reports,
                auto = auto.Kind.CliName(),
                cublas,
            });
            return 0;
        });
        return CommandGuard.Apply(cmd);
    }
}
