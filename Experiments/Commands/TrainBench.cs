using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using SpikeFit.Experiments.Cli;
using SpikeFit.Training.Data;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit bench train</c>: training throughput (DESIGN §9 W1 = mlp, W2 = conv) on the chosen
/// device, optionally next to both PyTorch scripts (snnTorch style and multi-step) run in the same
/// invocation; the headline ratio is against the faster of them.
/// </summary>
public static class TrainBench
{
    public static Command Create()
    {
        var net = new Option<string>("--net") { Description = "mlp (W1) or conv (W2)", DefaultValueFactory = _ => "mlp" };
        net.AcceptOnlyFromAmong("mlp", "conv");
        var device = CommonOptions.Device();
        var batches = new Option<int>("--batches") { Description = "Timed batches (after 3 warm-up batches)", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 128 };
        var compare = new Option<bool>("--compare-pytorch") { Description = "Also run bench/snntorch_style.py and bench/multistep_torch.py (PyTorch) in this invocation and print both ratios (headline: against the faster)" };
        var python = new Option<string>("--python") { Description = "Python with PyTorch for --compare-pytorch", DefaultValueFactory = _ => "/usr/bin/python3" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for PyTorch (and the cpu backend)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var precision = CommonOptions.Precision();
        var json = CommonOptions.Json();
        var cmd = new Command("train", "Training samples/s of the DESIGN §9 workloads (W1 mlp, W2 conv), optionally against PyTorch");
        foreach (var o in new Option[] { net, device, batches, batch, compare, python, threads, precision, json }) cmd.Options.Add(o);
        cmd.SetAction(parse => Run(parse.GetValue(net)!, parse.GetValue(device)!, parse.GetValue(batches), parse.GetValue(batch),
            parse.GetValue(compare), parse.GetValue(python)!, parse.GetValue(threads), parse.GetValue(precision)!, parse.GetValue(json)));
        return CommandGuard.Apply(cmd);
    }

    private static int Run(string netName, string device, int batches, int batch, bool compare, string python, int threads,
        string precision, FileInfo? json)
    {
        var spec = NetworkSpec.For(netName);
        Dataset data;
        try { data = DatasetLoader.Load("fashion-mnist", null, new DatasetResolverOptions { AllowDownload = false }); }
        catch (DatasetNotFoundException)
        {
            AnsiConsole.MarkupLine("[yellow]Fashion-MNIST not found; timing on the synthetic set (firing rates, and so sparse-GEMM speed, differ).[/]");
            data = Dataset.Synthetic((batches + 3) * batch, batch, seed: 1);
        }
        var (train, test) = data.Splits();
        var selection = CommonOptions.OpenBackend(device);
        using var backend = selection.Backend;
        CommonOptions.ApplyPrecision(backend, precision);
        using var network = ModelZoo.Build(backend, spec, seed: 1);
        var options = new TrainOptions { Epochs = 1, BatchSize = batch, Schedule = LrSchedule.Constant, MaxTestSamples = batch };
        // Warm-up: JIT and kernel compilation, first-touch of every buffer.
        using (var warm = new Trainer(network, options with { MaxBatchesPerEpoch = 3 })) warm.Fit(train, test.Take(batch));
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        using (var timed = new Trainer(network, options with { MaxBatchesPerEpoch = batches }))
        {
            timed.BatchDone += _ => { times.Add(clock.Elapsed.TotalSeconds); clock.Restart(); };
            clock.Restart();
            timed.Fit(train, test.Take(batch));
        }
        times.Sort();
        double median = times[times.Count / 2];
        double ours = batch / median;
        AnsiConsole.MarkupLine($"{(netName == "mlp" ? "W1" : "W2")} {Markup.Escape(spec.ToString())}, batch {batch}, {data.Name} data");
        long peak = backend.PeakAllocatedBytes;
        static string Mib(long? bytes) => bytes is long b ? $"{b / (1024.0 * 1024.0):F0} MiB" : "-";
        var table = new Table().Border(TableBorder.Rounded).AddColumns("implementation", "device", "median batch (ms)", "samples/s", "peak device memory", "ratio");
        table.AddRow("SpikeFit.Gpu", Markup.Escape(backend.ToString()), (median * 1e3).ToString("F2"), ours.ToString("F0"), Mib(peak), "1.00");
        var peers = new List<PyTorchPeer>();
        var ratios = new Dictionary<string, double>();
        if (compare)
        {
            peers = PyTorchPeer.RunAll(style => RunPyTorch(python, style, netName, batches, batch, threads, device));
            foreach (var peer in peers)
            {
                var t = peer.Result;
                double theirs = t.GetProperty("samples_per_second").GetDouble();
                ratios[peer.Style] = ours / theirs;
                table.AddRow($"PyTorch {Markup.Escape(t.GetProperty("version").GetString() ?? "?")} ({Markup.Escape(peer.Label)})",
                    $"{t.GetProperty("device").GetString()}, {t.GetProperty("threads").GetInt32()} threads",
                    (t.GetProperty("median_batch_seconds").GetDouble() * 1e3).ToString("F2"), theirs.ToString("F0"),
                    Mib(t.TryGetProperty("peak_memory_bytes", out var pm) && pm.ValueKind == JsonValueKind.Number ? pm.GetInt64() : null),
                    (theirs / ours).ToString("F2"));
            }
        }
        var fastest = PyTorchPeer.Fastest(peers, t => t.GetProperty("samples_per_second").GetDouble());
        double? ratio = fastest is null ? null : ratios[fastest.Style];
        AnsiConsole.Write(table);
        foreach (var peer in peers)
            AnsiConsole.MarkupLine($"SpikeFit.Gpu trains {ratios[peer.Style]:F1}× as many samples/s as PyTorch {Markup.Escape(peer.Label)} in this run");
        if (ratio is double r && fastest is not null)
            AnsiConsole.MarkupLine($"headline (against the faster PyTorch script, {Markup.Escape(fastest.Style)}): [bold]{r:F1}×[/]");
        CommonOptions.WriteJson(json, new
        {
            provenance = CommonOptions.Provenance($"spikefit bench train --net {netName} --device {device} --batches {batches} --batch {batch}{(compare ? " --compare-pytorch" : "")} --threads {threads} --precision {precision}"),
            precision,
            workload = netName == "mlp" ? "W1" : "W2",
            network = spec.ToString(),
            data = data.Name,
            device = backend.ToString(),
            medianBatchSeconds = median,
            samplesPerSecond = ours,
            peakDeviceBytes = peak,
            // One entry per PyTorch script run (style → its JSON line); ratio = ours / the faster one's samples/s.
            pytorch = peers.ToDictionary(p => p.Style, p => p.Raw),
            ratios,
            ratio,
            ratioAgainst = fastest?.Style,
        });
        return 0;
    }

    private static JsonElement? RunPyTorch(string python, string style, string net, int batches, int batch, int threads, string device) =>
        PythonBench.Run(python, style == "multistep" ? "multistep_torch.py" : "snntorch_style.py", new[] { "--net", net, "--batches", batches.ToString(), "--batch", batch.ToString(),
            "--threads", threads.ToString(), "--device", device == "cuda" ? "cuda" : "cpu" });
}
