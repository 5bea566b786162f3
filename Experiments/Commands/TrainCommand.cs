using System.CommandLine;
using CsvHelper;
using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Data;
using SpikeFit.Training.IO;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit train</c>: full-precision SNN training with progress, checkpoints and a run record.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset name: fashion-mnist (default), mnist, kmnist, or any IDX folder via --data", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Folder holding the four IDX files (gz or raw); overrides SPIKEFIT_DATA and the other sources" };
        var net = new Option<string>("--net") { Description = "mlp (784-512-10) or conv (16C3-P2-32C3-P2-FC10)", DefaultValueFactory = _ => "mlp" };
        net.AcceptOnlyFromAmong("mlp", "conv");
        var t = new Option<int?>("--T") { Description = "Time steps (default 16 for mlp, 8 for conv)" };
        var hidden = new Option<int[]?>("--hidden") { Description = "Hidden sizes: MLP widths (default 512) or conv channels (default 16 32)", AllowMultipleArgumentsPerToken = true };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 128 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs", DefaultValueFactory = _ => 10 };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3f };
        var wd = new Option<float>("--wd") { Description = "Decoupled weight decay (AdamW) on weights", DefaultValueFactory = _ => 0f };
        var schedule = new Option<LrSchedule>("--schedule") { Description = "Learning-rate schedule: Cosine, Step or Constant", DefaultValueFactory = _ => LrSchedule.Cosine };
        var seed = new Option<int>("--seed") { Description = "Seed for weights, shuffling and Poisson spikes", DefaultValueFactory = _ => 1 };
        var surrogate = new Option<SurrogateKind>("--surrogate") { Description = "FastSigmoid (default), Atan, Sigmoid or Triangle", DefaultValueFactory = _ => SurrogateKind.FastSigmoid };
        var reset = new Option<ResetMode>("--reset") { Description = "Soft (default) or Hard", DefaultValueFactory = _ => ResetMode.Soft };
        var detach = new Option<bool>("--detach-reset") { Description = "Drop the reset path from the gradient" };
        var pool = new Option<PoolKind>("--pool") { Description = "Conv nets: Max (2×2 max pooling, default) or Sum (NIR's SumPool2d, exact in NIR export)", DefaultValueFactory = _ => PoolKind.Max };
        var readout = new Option<Readout>("--readout") { Description = "Membrane (mean membrane of a non-spiking output layer, default) or SpikeCount", DefaultValueFactory = _ => Readout.Membrane };
        var encoding = new Option<InputEncoding>("--encoding") { Description = "Direct (default) or Poisson", DefaultValueFactory = _ => InputEncoding.Direct };
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var output = new Option<string?>("--out") { Description = "Output folder for the checkpoint and run record (default runs/train/<net>-<dataset>-seed<seed>; the records under results/ are written only when --out names them)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start afresh in an --out that holds an earlier run; its files are moved to <out>/replaced-<UTC time>/, not deleted" };
        var maxBatches = new Option<int?>("--max-batches") { Description = "Stop each epoch after this many batches (quick runs)" };
        var maxTest = new Option<int?>("--max-test") { Description = "Evaluate on at most this many test samples" };
        var codebookM = new Option<int?>("--codebook-m") { Description = "Train with learnable M-value codebooks (SpikeFit CAT), e.g. 4" };
        var codebookBits = new Option<int>("--codebook-bits") { Description = "Codebook grid precision in bits (2, 3, 4, 8, 16)", DefaultValueFactory = _ => 4 };
        var codebookPerNeuron = new Option<bool>("--codebook-per-neuron") { Description = "One codebook per output neuron instead of per layer" };
        var codebookNetwork = new Option<bool>("--codebook-whole-network") { Description = "One codebook (M values, one scale) shared by every layer instead of one per layer" };
        var codebookLr = new Option<float>("--codebook-lr-scale") { Description = "Codebook learning rate as a fraction of --lr", DefaultValueFactory = _ => 0.1f };
        var codebookScope = new Option<string?>("--codebook-scope") { Description = "Codebook scope: layer (default), neuron, core (one codebook per core of --core-neurons neurons) or network" };
        codebookScope.AcceptOnlyFromAmong("layer", "neuron", "core", "network");
        var fanIn = new Option<int?>("--fan-in") { Description = "Keep at most K inputs per neuron: a mask chosen from the warm start (largest |w|), re-picked from the latent weights after every epoch but the last, then frozen" };
        var coreInputs = new Option<int?>("--core-inputs") { Description = "Partition each dense layer's neurons into cores of --core-neurons P and let each core read at most A distinct inputs (block mask, chosen from the warm start, input sets re-picked as --fan-in's)" };
        var coreNeurons = new Option<int?>("--core-neurons") { Description = "Neurons per core P for --core-inputs, --codebook-scope core and --truenorth (TrueNorth default 256)" };
        var trueNorth = new Option<bool>("--truenorth") { Description = "TrueNorth's weight rule: 4 axon types per input per core shared by the core's neurons, 4 signed 9-bit values per neuron (types fitted to the warm start, values trained)" };
        var maskSchedule = new Option<string?>("--mask-schedule") { Description = "epoch: re-pick the --fan-in / --core-inputs masks after every epoch but the last (default, except with --truenorth); fixed: keep the warm start's (default with --truenorth)" };
        maskSchedule.AcceptOnlyFromAmong("epoch", "fixed");
        var warmStart = new Option<string?>("--warm-start") { Description = "Start from this full-precision checkpoint (checkpoint.sfck of an earlier train run)" };
        var json = CommonOptions.Json();
        var cmd = new Command("train", "Train a full-precision SNN (BPTT with surrogate gradients) with checkpoints after every epoch");
        foreach (var o in new Option[] { dataset, data, net, t, hidden, batch, epochs, lr, wd, schedule, seed, surrogate, reset, detach,
                     readout, pool, encoding, device, precision, output, resume, maxBatches, maxTest, codebookM, codebookBits, codebookPerNeuron,
                     codebookNetwork, codebookLr, codebookScope, fanIn, coreInputs, coreNeurons, trueNorth, maskSchedule, warmStart, overwrite, json })
            cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            // Options that only mean something together, and counts that must be positive, are refused
            // before any work, naming the option and the fix (never silently ignored).
            if (parse.GetValue(codebookM) is null)
                foreach (var o in new Option[] { codebookBits, codebookPerNeuron, codebookNetwork, codebookLr, codebookScope })
                    if (parse.GetResult(o) is { Implicit: false })
                        throw new ArgumentException($"{o.Name} applies to CAT training, which --codebook-m turns on; add --codebook-m M (e.g. 4), or leave out {o.Name}.");
            foreach (var (o, value) in new (Option, int?)[] { (maxBatches, parse.GetValue(maxBatches)), (maxTest, parse.GetValue(maxTest)) })
                if (value is < 1) throw new ArgumentException($"{o.Name} must be at least 1, got {value}; leave it out to use the whole set.");
            if (parse.GetValue(resume) && parse.GetValue(overwrite))
                throw new ArgumentException("--resume continues the run in --out and --overwrite replaces it; give one of them.");
            var chip = ChipTrainingOptions.Parse(parse, codebookM, codebookBits, codebookPerNeuron, codebookNetwork, codebookLr, codebookScope,
                fanIn, coreInputs, coreNeurons, trueNorth, maskSchedule);
            string netName = parse.GetValue(net)!;
            var baseSpec = NetworkSpec.For(netName);
            var spec = baseSpec with
            {
                T = parse.GetValue(t) ?? baseSpec.T,
                Hidden = parse.GetValue(hidden) is { Length: > 0 } h ? h : baseSpec.Hidden,
                Surrogate = parse.GetValue(surrogate),
                Reset = parse.GetValue(reset),
                DetachReset = parse.GetValue(detach),
                Readout = parse.GetValue(readout),
                Pool = parse.GetValue(pool),
                Encoding = parse.GetValue(encoding),
                // The value constraint (CAT or TrueNorth) now; a connectivity mask wraps it once the epoch length is known (Run).
                Constraint = chip.ValueConstraint,
            };
            var options = new TrainOptions
            {
                Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr),
                WeightDecay = parse.GetValue(wd), Schedule = parse.GetValue(schedule), Seed = parse.GetValue(seed),
                MaxBatchesPerEpoch = parse.GetValue(maxBatches), MaxTestSamples = parse.GetValue(maxTest),
            };
            string datasetName = parse.GetValue(dataset)!;
            string outDir = OutDir(parse);
            return Run(spec, options, chip, datasetName, parse.GetValue(data), parse.GetValue(device)!, parse.GetValue(precision)!, outDir, parse.GetValue(resume),
                parse.GetValue(overwrite), parse.GetValue(warmStart), parse.GetValue(json), Environment.GetCommandLineArgs());
        });
        return CommandGuard.Apply(cmd);
    }

    private static int Run(NetworkSpec spec, TrainOptions options, ChipTrainingOptions chip, string datasetName, string? dataDir, string device, string precision,
        string outDir, bool resume, bool overwrite, string? warmStart, FileInfo? json, string[] argv)
    {
        // Validated with a nominal epoch length first, so a meaningless combination is refused before any data is read.
        (spec with { Constraint = chip.Constraint(spec.Constraint, options, 1) }).Validate();
        options.Validate();
        if (chip.HasMask && warmStart is null)
            AnsiConsole.MarkupLine("[yellow]note:[/] masks are chosen from the starting weights; without --warm-start these are the random initial ones.");
        // The output folder first: locked for this run, and an earlier run in it is continued (--resume),
        // kept aside (--overwrite) or refused — before any data is loaded or anything is trained.
        using var folder = RunFolder.Claim(outDir, "checkpoint.sfck", resume, overwrite);
        var dataset = DatasetLoader.Load(datasetName, dataDir, CommonOptions.DatasetOptions());
        AnsiConsole.MarkupLine($"[bold]data:[/] {Markup.Escape(dataset.Describe())}");
        var selection = CommonOptions.OpenBackend(device);
        using var backend = selection.Backend;
        CommonOptions.ApplyPrecision(backend, precision);
        spec = spec with { InputHeight = dataset.Shape.Height, InputWidth = dataset.Shape.Width, InputChannels = dataset.Shape.Channels, Classes = dataset.Classes };
        int batchesPerEpoch = Math.Max(1, Math.Min(dataset.TrainCount / options.BatchSize, options.MaxBatchesPerEpoch ?? int.MaxValue));
        spec = spec with { Constraint = chip.Constraint(spec.Constraint, options, batchesPerEpoch) };
        spec.Validate();
        var (warm, warmSpec) = warmStart is null ? (null, null) : LoadWarmStart(backend, warmStart);
        foreach (var difference in warmSpec is null ? new() : WarmStartCheck.Differences(warmSpec, spec))
            AnsiConsole.MarkupLine($"[yellow]warm start differs:[/] {Markup.Escape(difference)}");
        using var network = ModelZoo.Build(backend, spec, options.Seed, warm);
        if (warm is not null) WarmStartFits(network, warm, warmStart!);
        AnsiConsole.MarkupLine($"[bold]network:[/] {Markup.Escape(spec.ToString())}, {network.ParameterCount:N0} parameters");
        AnsiConsole.MarkupLine($"[bold]training:[/] {options.Epochs} epochs, batch {options.BatchSize}, Adam lr {options.LearningRate} ({options.Schedule}), seed {options.Seed}");
        string checkpoint = Path.Combine(outDir, "checkpoint.sfck");
        using var trainer = new Trainer(network, options, checkpoint) { DatasetSha256 = dataset.Sha256 };
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // first Ctrl-C: stop after the current batch; the last checkpoint stays intact
            cancel.Cancel();
            AnsiConsole.MarkupLine("[yellow]stopping after this batch (Ctrl-C again to kill)…[/]");
        };
        Console.CancelKeyPress += onCancel;
        trainer.EpochDone += r =>
        {
            var rates = string.Join(", ", r.FiringRates.Select(kv => $"{kv.Key} {kv.Value:F3}"));
            AnsiConsole.MarkupLine($"epoch {r.Epoch + 1}/{r.Epochs}: train loss {r.TrainLoss:F4}, train acc {r.TrainAccuracy:P2}, " +
                                   $"[bold]test acc {r.TestAccuracy:P2}[/], {r.SamplesPerSecond:F0} samples/s, {r.Seconds:F1} s; firing rates {Markup.Escape(rates)}");
        };
        TrainResult result;
        try
        {
            var (train, test) = dataset.Splits();
            result = TrainProgress.Run(trainer, options, t => t.Fit(train, test, cancel.Token, resume));
        }
        catch (TrainingDivergedException e)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return ExitCodes.Failed;
        }
        catch (InsufficientMemoryException e)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return ExitCodes.Failed;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        var record = new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1))),
            device = backend.ToString(),
            deviceChoice = selection.Why,
            precision,
            dataset = new { dataset.Name, dataset.Sha256, dataset.Source, dataset.Verified, train = dataset.TrainCount, test = dataset.TestCount },
            network = spec,
            options,
            parameters = network.ParameterCount,
            weightsSha256 = Checkpoint.WeightsSha256(network),
            result.EpochsCompleted,
            testAccuracy = result.TestAccuracy,
            trainAccuracy = result.TrainAccuracy,
            seconds = result.Seconds,
            result.Cancelled,
            history = result.History,
            checkpoint,
        };
        CommonOptions.WriteRecord(Path.Combine(outDir, "run.json"), record);
        WriteCsv(Path.Combine(outDir, "epochs.csv"), result.History);
        CommonOptions.WriteJson(json, record);
        if (result.Cancelled)
        {
            AnsiConsole.MarkupLine($"[yellow]stopped early; resume with the same command plus --resume (checkpoint {Markup.Escape(checkpoint)})[/]");
            return ExitCodes.Cancelled;
        }
        AnsiConsole.MarkupLine($"[green]done:[/] test accuracy {result.TestAccuracy:P2} after {result.EpochsCompleted} epochs, {result.Seconds:F0} s on {Markup.Escape(backend.ToString())}");
        return 0;
    }

    /// <summary>
    /// Where a run writes when no <c>--out</c> is given: <c>runs/train/&lt;net&gt;-&lt;dataset&gt;-seed&lt;seed&gt;</c>,
    /// under the git-ignored <see cref="CommonOptions.RunsFolder"/>.
    /// </summary>
    public static string DefaultOutDir(string net, string dataset, int seed) =>
        CommonOptions.DefaultOut("train", $"{net}-{dataset}-seed{seed}");

    /// <summary>The output folder of a parsed <c>train</c> command line: <c>--out</c>, else <see cref="DefaultOutDir"/>.</summary>
    public static string OutDir(ParseResult parse) =>
        parse.GetValue<string?>("--out")
        ?? DefaultOutDir(parse.GetValue<string>("--net")!, parse.GetValue<string>("--dataset")!, parse.GetValue<int>("--seed"));

    /// <summary>The parameter values of a checkpoint, read through a network of the checkpoint's own spec.</summary>
    private static (Dictionary<string, float[]>? Values, NetworkSpec? Spec) LoadWarmStart(SpikeFit.Kernels.Core.Backend backend, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--warm-start: {path} does not exist.");
        using var source = Checkpoint.LoadNetwork(backend, path, out var header);
        AnsiConsole.MarkupLine($"[bold]warm start:[/] {Markup.Escape(path)} ({header.EpochsCompleted} epochs of {Markup.Escape(header.Spec.ToString())})");
        return (source.Snapshot(), header.Spec);
    }


    /// <summary>
    /// Refuses a warm start that does not fit the network: a weight or bias it lacks, or holds with
    /// another size, would otherwise be drawn at random while the run still says "warm start".
    /// </summary>
    private static void WarmStartFits(SpikingNetwork network, IReadOnlyDictionary<string, float[]> warm, string path)
    {
        var problems = network.Parameters
            .Where(p => p.Name.EndsWith(".weight", StringComparison.Ordinal) || p.Name.EndsWith(".bias", StringComparison.Ordinal) || warm.ContainsKey(p.Name))
            .Select(p => !warm.TryGetValue(p.Name, out var values) ? $"{p.Name} is missing"
                : values.Length != p.Length ? $"{p.Name} has {values.Length} values, this network {p.Length}" : null)
            .OfType<string>().ToList();
        if (problems.Count > 0)
            throw new ArgumentException($"--warm-start {path} does not fit this network ({string.Join("; ", problems.Take(4))}{(problems.Count > 4 ? "; …" : "")}). " +
                                        "Give the warm start's own --net, --hidden and --T (see its header with spikefit fit), or train without --warm-start.");
    }

    private static void WriteCsv(string path, IReadOnlyList<EpochReport> history) =>
        AtomicFile.WriteText(path, writer =>
        {
            using var csv = CsvWriter.Create(writer);
            csv.WriteRecords(history.Select(r => new EpochRow
            {
                Epoch = r.Epoch + 1, TrainLoss = r.TrainLoss, TrainAccuracy = r.TrainAccuracy, TestLoss = r.TestLoss,
                TestAccuracy = r.TestAccuracy, Seconds = r.Seconds, SamplesPerSecond = r.SamplesPerSecond,
                FiringRates = string.Join("; ", r.FiringRates.Select(kv => $"{kv.Key}={kv.Value:F4}")),
            }));
        });
}
