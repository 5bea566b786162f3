using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Lif;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit bench ...</c>: benchmarks that print figures (never asserted in tests).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: achieved throughput next to a yardstick measured in the same run");
        bench.Subcommands.Add(Lif());
        bench.Subcommands.Add(TrainBench.Create());
        bench.Subcommands.Add(W3Bench.Create());
        return bench;
    }

    private static Command Lif()
    {
        var device = CommonOptions.Device();
        var t = new Option<int>("--T") { Description = "Time steps", DefaultValueFactory = _ => 16 };
        var b = new Option<int>("--B") { Description = "Batch size", DefaultValueFactory = _ => 128 };
        var n = new Option<int>("--N") { Description = "Neurons", DefaultValueFactory = _ => 4096 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats (median reported)", DefaultValueFactory = _ => 20 };
        var json = CommonOptions.Json();
        var cmd = new Command("lif", "Fused LIF forward+backward on [T,B,N]: GB/s next to a device copy of the same size");
        foreach (var o in new Option[] { device, t, b, n, repeats, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var selection = CommonOptions.OpenBackend(parse.GetValue(device)!);
            using var backend = selection.Backend;
            var r = LifBench.Run(backend, parse.GetValue(t), parse.GetValue(b), parse.GetValue(n), parse.GetValue(repeats));
            var table = new Table().Border(TableBorder.Rounded).AddColumns("operation", "median ms", "GB/s", "vs copy");
            table.AddRow("device copy (read + write one tensor)", r.CopyMs.ToString("F3"), r.CopyGBps.ToString("F1"), "1.00");
            table.AddRow("LIF forward (read I; write h, s)", r.ForwardMs.ToString("F3"), r.ForwardGBps.ToString("F1"), (r.ForwardGBps / r.CopyGBps).ToString("F2"));
            table.AddRow("LIF backward (read h, ∂s; write ∂I, Σs∂s)", r.BackwardMs.ToString("F3"), r.BackwardGBps.ToString("F1"), (r.BackwardGBps / r.CopyGBps).ToString("F2"));
            table.AddRow("[bold]LIF forward + backward[/]", (r.ForwardMs + r.BackwardMs).ToString("F3"), r.FusedGBps.ToString("F1"), $"[bold]{r.FusedToCopy:F2}[/]");
            AnsiConsole.MarkupLine($"T={r.T} B={r.B} N={r.N}, {r.Repeats} repeats, on {Markup.Escape(r.Device)}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"fused LIF forward+backward reaches [bold]{r.FusedToCopy:P0}[/] of this run's copy bandwidth");
            CommonOptions.WriteJson(parse.GetValue(json), new { provenance = CommonOptions.Provenance($"spikefit bench lif --device {parse.GetValue(device)} --T {r.T} --B {r.B} --N {r.N} --repeats {r.Repeats}"), result = r, fusedToCopy = r.FusedToCopy });
            return 0;
        });
        return CommandGuard.Apply(cmd);
    }
}
