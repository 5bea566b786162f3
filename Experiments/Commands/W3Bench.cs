using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit bench w3</c>: DESIGN §9 W3 (Open Neuromorphic framework benchmark), Linear(n, n) + LIF,
/// batch 16, T = 500: milliseconds per forward+backward pass on the chosen device, optionally next
/// to <c>bench/on_benchmark.py</c> (PyTorch) in both its styles, snnTorch (per-step loop) and multi-step
/// (Linear once over T·B rows), run in the same invocation; the headline is against the faster.
/// </summary>
public static class W3Bench
{
    public static Command Create()
    {
        var n = new Option<int>("--n") { Description = "Neurons (inputs = outputs of the Linear layer); the benchmark uses 4096 and 16384", DefaultValueFactory = _ => 4096 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 16 };
        var t = new Option<int>("--T") { Description = "Time steps", DefaultValueFactory = _ => 500 };
        var repeats = new Option<int>("--repeats") { Description = "Timed passes after one warm-up (median reported)", DefaultValueFactory = _ => 5 };
        var device = CommonOptions.Device();
        var inputGrad = new Option<bool>("--input-grad") { Description = "Also compute ∂X on both sides (the input requires grad); default: ∂W and ∂b only" };
        var compare = new Option<bool>("--compare-pytorch") { Description = "Also run bench/on_benchmark.py (PyTorch) in both styles, snnTorch and multi-step, in this invocation and print both ratios (headline: against the faster)" };
        var python = new Option<string>("--python") { Description = "Python with PyTorch for --compare-pytorch", DefaultValueFactory = _ => "/usr/bin/python3" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for PyTorch and the cpu backend", DefaultValueFactory = _ => Environment.ProcessorCount };
        var precision = CommonOptions.Precision();
        var json = CommonOptions.Json();
        var cmd = new Command("w3", "W3, the Open Neuromorphic benchmark: Linear(n,n) + LIF, forward+backward ms, optionally against PyTorch");
        foreach (var o in new Option[] { n, batch, t, repeats, device, inputGrad, compare, python, threads, precision, json }) cmd.Options.Add(o);
        cmd.SetAction(parse => Run(parse.GetValue(n), parse.GetValue(batch), parse.GetValue(t), parse.GetValue(repeats),
            parse.GetValue(device)!, parse.GetValue(inputGrad), parse.GetValue(compare), parse.GetValue(python)!,
            parse.GetValue(threads), parse.GetValue(precision)!, parse.GetValue(json)));
        return CommandGuard.Apply(cmd);
    }

    /// <summary>Median forward, backward and forward+backward milliseconds of one W3 workload.</summary>
    public sealed record Timing(double ForwardMs, double BackwardMs, double TotalMs);

    /// <summary>
    /// Times forward and backward separately (each synchronised) over <paramref name="repeats"/>
    /// passes after one untimed pass; the total is the median of the per-pass sums.
    /// </summary>
    public static Timing Time(Backend backend, W3Workload work, int repeats)
    {
        work.Forward();
        work.Backward();
        backend.Synchronize();
        var fwd = new double[Math.Max(1, repeats)];
        var bwd = new double[fwd.Length];
        var tot = new double[fwd.Length];
        for (int i = 0; i < fwd.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            work.Forward();
            backend.Synchronize();
            fwd[i] = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            work.Backward();
            backend.Synchronize();
            bwd[i] = sw.Elapsed.TotalMilliseconds;
            tot[i] = fwd[i] + bwd[i];
        }
        static double Median(double[] a) { Array.Sort(a); return a[a.Length / 2]; }
        return new Timing(Median(fwd), Median(bwd), Median(tot));
    }

    private static int Run(int n, int batch, int t, int repeats, string device, bool inputGrad, bool compare, string python,
        int threads, string precision, FileInfo? json)
    {
        var selection = CommonOptions.OpenBackend(device);
        var backend = selection.Backend;
        if (backend is CpuBackend cpu && threads > 0 && cpu.Threads != threads)
        {
            backend.Dispose();
            backend = new CpuBackend(threads);
            AnsiConsole.MarkupLine($"[grey]cpu backend reopened with {threads} threads (--threads)[/]");
        }
        using var _ = backend;
        CommonOptions.ApplyPrecision(backend, precision);
        string command = $"spikefit bench w3 --n {n} --batch {batch} --T {t} --repeats {repeats} --device {device}" +
                         $"{(inputGrad ? " --input-grad" : "")}{(compare ? $" --compare-pytorch --python {python}" : "")} --threads {threads} --precision {precision}";
        AnsiConsole.MarkupLine($"W3 Linear({n}, {n}) + LIF (β 0.9, θ 1, soft reset, fast-sigmoid k 25), batch {batch}, T {t}, " +
                               $"loss Σ spikes, backward ∂W ∂b{(inputGrad ? " ∂X" : "")}; {repeats} timed passes after 1 warm-up");

        double firingRate;
        long allocated;
        Timing ours;
        var setup = Stopwatch.StartNew();
        using (var work = W3Workload.Random(backend, n, batch, t, inputGrad))
        {
            allocated = work.AllocatedBytes;
            AnsiConsole.MarkupLine($"[grey]inputs generated and uploaded in {setup.Elapsed.TotalSeconds:F1} s; {CommonOptions.FormatBytes(allocated)} of buffers[/]");
            ours = Time(backend, work, repeats);
            work.Forward(); // the spike count of a fresh forward (a backward with --input-grad overwrites s)
            firingRate = work.Loss() / ((double)t * batch * n);
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("implementation", "device", "forward ms", "backward ms", "[bold]fwd+bwd ms[/]", "firing rate", "device memory", "time vs SpikeFit");
        table.AddRow("SpikeFit.Gpu (batched GEMM + fused LIF)", Markup.Escape(backend.ToString()), ours.ForwardMs.ToString("F2"),
            ours.BackwardMs.ToString("F2"), $"[bold]{ours.TotalMs:F2}[/]", firingRate.ToString("F4"),
            $"{CommonOptions.FormatBytes(allocated)} allocated", "1.00");
        var peers = new List<PyTorchPeer>();
        var speedups = new Dictionary<string, double>();
        if (compare)
        {
            peers = PyTorchPeer.RunAll(style => RunPyTorch(python, style, n, batch, t, repeats, threads, device, backend.Kind, inputGrad));
            foreach (var peer in peers)
            {
                var p = peer.Result;
                double theirs = p.GetProperty("ms_total").GetDouble();
                speedups[peer.Style] = theirs / ours.TotalMs;
                string memory = p.GetProperty("peak_memory_bytes").ValueKind == JsonValueKind.Number
                    ? $"{CommonOptions.FormatBytes(p.GetProperty("peak_memory_bytes").GetInt64())} peak allocated"
                    : $"{CommonOptions.FormatBytes(p.GetProperty("peak_rss_bytes").GetInt64())} process peak RSS";
                table.AddRow($"PyTorch {Markup.Escape(p.GetProperty("version").GetString() ?? "?")} ({Markup.Escape(peer.Label)})",
                    Markup.Escape($"{p.GetProperty("device").GetString()} ({p.GetProperty("device_name").GetString()}), {p.GetProperty("threads").GetInt32()} threads"),
                    p.GetProperty("ms_forward").GetDouble().ToString("F2"), p.GetProperty("ms_backward").GetDouble().ToString("F2"),
                    $"[bold]{theirs:F2}[/]", p.GetProperty("firing_rate").GetDouble().ToString("F4"), memory, (theirs / ours.TotalMs).ToString("F2"));
            }
        }
        // Faster = fewer milliseconds per pass.
        var fastest = PyTorchPeer.Fastest(peers, p => -p.GetProperty("ms_total").GetDouble());
        double? speedup = fastest is null ? null : speedups[fastest.Style];
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]device memory: SpikeFit = Σ buffer lengths × 4 bytes (GEMM-library workspace not counted); " +
                               "PyTorch = torch.cuda.max_memory_allocated on CUDA, whole-process peak RSS on CPU[/]");
        foreach (var peer in peers)
            AnsiConsole.MarkupLine($"SpikeFit.Gpu runs a W3 forward+backward pass {speedups[peer.Style]:F1}× faster than PyTorch {Markup.Escape(peer.Label)} in this run");
        if (speedup is double s && fastest is not null)
            AnsiConsole.MarkupLine($"headline (against the faster PyTorch script, {Markup.Escape(fastest.Style)}): [bold]{s:F1}×[/]");
        CommonOptions.WriteJson(json, new
        {
            provenance = CommonOptions.Provenance(command),
            workload = "W3",
            network = $"Linear({n},{n}) + LIF",
            n, batch, T = t, repeats, inputGrad, precision,
            input = "x ~ U[0,1) dense currents; W, b ~ U(-1/sqrt(n), 1/sqrt(n)); loss = sum of spikes",
            device = backend.ToString(),
            msForward = ours.ForwardMs,
            msBackward = ours.BackwardMs,
            msTotal = ours.TotalMs,
            firingRate,
            allocatedBytes = allocated,
            // One entry per PyTorch style run (style → its JSON line); speedup = the faster one's ms / ours.
            pytorch = peers.ToDictionary(p => p.Style, p => p.Raw),
            speedups,
            speedup,
            speedupAgainst = fastest?.Style,
        });
        return 0;
    }

    private static JsonElement? RunPyTorch(string python, string style, int n, int batch, int t, int repeats, int threads, string device,
        BackendKind ran, bool inputGrad)
    {
        // PyTorch runs where SpikeFit ran: CUDA when the backend is CUDA, else the CPU.
        var args = new List<string> { "--n", n.ToString(), "--batch", batch.ToString(), "--steps", t.ToString(),
            "--repeats", repeats.ToString(), "--threads", threads.ToString(), "--device", ran == BackendKind.Cuda ? "cuda" : "cpu", "--style", style };
        if (inputGrad) args.Add("--input-grad");
        return PythonBench.Run(python, "on_benchmark.py", args);
    }
}
