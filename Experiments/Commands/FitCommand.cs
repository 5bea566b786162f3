using SpikeFit.Training.Train;
using System.CommandLine;
using SpikeFit.Experiments.Cli;
using SpikeFit.Training.Energy;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Data;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// <c>spikefit fit MODEL.json</c>: does a model description fit each neuromorphic chip (cores, chips,
/// every violated constraint), and what does one inference cost in energy.
/// </summary>
public static class FitCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "Model description (ModelSummary JSON, e.g. Experiments/examples/mlp-784-512-10.json), or a trained checkpoint (.sfck): its deployed weights are counted and its spike rates measured on the test set" };
        var dataset = new Option<string>("--dataset") { Description = "For a checkpoint: the dataset whose test images measure the spike rates", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "For a checkpoint: folder holding the four IDX files" };
        var maxTest = new Option<int>("--max-test") { Description = "For a checkpoint: test images used to measure spike rates", DefaultValueFactory = _ => 2000 };
        var chips = new Option<FileInfo[]>("--chips") { Description = "Extra chip profiles (same layout as Training/Hardware/chips.json); a chip of the same name replaces the given fields", AllowMultipleArgumentsPerToken = true };
        var energy = new Option<FileInfo?>("--energy") { Description = "Energy constants overriding Training/Energy/energy.json (entries given replace the built-in ones)" };
        var perCore = new Option<bool>("--per-core") { Description = "Also print each layer's per-core table (neurons, distinct inputs, synapses, distinct values, axon typing) for every chip" };
        var mapping = new Option<FileInfo?>("--mapping") { Description = "Write the per-chip mapping with every layer's per-core table as markdown (e.g. mapping.md)" };
        var json = CommonOptions.Json();
        var cmd = new Command("fit", "Check which neuromorphic chips a model fits (cores, chips, violated constraints) and estimate its energy per inference");
        cmd.Arguments.Add(model);
        cmd.Options.Add(chips);
        cmd.Options.Add(energy);
        cmd.Options.Add(perCore);
        cmd.Options.Add(mapping);
        cmd.Options.Add(json);
        cmd.Options.Add(dataset);
        cmd.Options.Add(data);
        cmd.Options.Add(maxTest);
        cmd.SetAction(parse =>
        {
            var file = parse.GetValue(model)!;
            var summary = file.Extension == ".sfck"
                ? FromCheckpoint(file.FullName, parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(maxTest))
                : ModelSummary.Load(file.FullName);
            var profiles = ChipCatalog.Load((parse.GetValue(chips) ?? []).Select(f => f.FullName).ToArray());
            var constants = EnergyConstants.Load(parse.GetValue(energy)?.FullName);

            AnsiConsole.MarkupLine($"[bold]model:[/] {Markup.Escape(summary.Name)} — T = {summary.TimeSteps}, {summary.Neurons:N0} neurons, " +
                                   $"{summary.NonZeroSynapses:N0} non-zero synapses, {summary.SizeBits / 8.0 / 1024:F1} KiB");
            var layers = new Table().Border(TableBorder.Rounded)
                .AddColumns("layer", "kind", "fan-in", "neurons", "non-zero syn.", "weight bits", "bits/syn.", "distinct (layer / per neuron)", "scope", "input");
            foreach (var l in summary.Layers)
                layers.AddRow(Markup.Escape(l.Name), l.Kind.ToString().ToLowerInvariant(), l.FanIn.ToString("N0"), l.Neurons.ToString("N0"),
                    l.NonZeroSynapses.ToString("N0"), l.WeightBits.ToString(), l.BitsPerSynapse.ToString(),
                    $"{l.DistinctValues} / {l.MaxDistinctPerNeuron}", l.Scope.ToString().ToLowerInvariant(),
                    l.AnalogInput ? "analog" : $"spikes, rate {l.InputRate:G3}");
            AnsiConsole.Write(layers);

            var results = FitChecker.Check(summary, profiles);
            var fit = new Table().Border(TableBorder.Rounded).AddColumns("chip", "fits", "cores", "chips", "violations / notes / profile gaps");
            foreach (var r in results)
            {
                var lines = r.Violations.Select(v => $"[red]•[/] {Markup.Escape(v)}")
                    .Concat(r.Notes.Select(n => $"[grey]note: {Markup.Escape(n)}[/]"))
                    .Concat(r.Warnings.Where(w => !w.Contains(" is uncertain")).Select(w => $"[grey]profile: {Markup.Escape(w)}[/]")).ToList();
                fit.AddRow(Markup.Escape(r.Chip), r.Fits ? "[green]yes[/]" : "[red]no[/]",
                    r.ChipsNeeded > 0 ? r.CoresNeeded.ToString("N0") : "-", r.ChipsNeeded > 0 ? r.ChipsNeeded.ToString("N0") : "-",
                    lines.Count == 0 ? "-" : string.Join("\n", lines));
            }
            AnsiConsole.Write(fit);
            if (parse.GetValue(perCore)) WritePerCore(results);
            if (parse.GetValue(mapping) is { } mappingFile)
            {
                SpikeFit.Training.IO.AtomicFile.WriteAllText(mappingFile.FullName, MappingReport.ToMarkdown(summary.Name, results));
                AnsiConsole.MarkupLine($"[grey]wrote {Markup.Escape(mappingFile.FullName)}[/]");
            }
            var uncertain = profiles.SelectMany(p => p.Figures().Where(f => f.Figure.Uncertain).Select(f => $"{p.Name}.{f.Field}")).ToList();
            if (uncertain.Count > 0)
                AnsiConsole.MarkupLine($"[grey]uncertain figures: {Markup.Escape(string.Join(", ", uncertain))}[/]");

            var report = EnergyModel.Estimate(summary, constants);
            AnsiConsole.MarkupLine($"[bold]energy per inference[/] (E_MAC {constants.MacPj:G4} pJ, E_AC {constants.AccumulatePj:G4} pJ, " +
                                   $"E_bit {constants.BitPj:G4} pJ from {constants.WeightSram} SRAM, neuron update {constants.NeuronUpdatePj:G4} pJ)");
            var energyTable = new Table().Border(TableBorder.Rounded).AddColumns("layer", "MACs", "SOPs", "compute pJ", "weight reads pJ", "neurons pJ", "total pJ");
            foreach (var l in report.Layers)
                energyTable.AddRow(Markup.Escape(l.Layer), l.Macs.ToString("N0"), l.Sops.ToString("N0"), l.ComputePj.ToString("N0"),
                    l.WeightReadPj.ToString("N0"), l.NeuronPj.ToString("N0"), l.TotalPj.ToString("N0"));
            energyTable.AddRow("[bold]total[/]", report.TotalMacs.ToString("N0"), report.TotalSops.ToString("N0"), "", "", "",
                $"[bold]{report.TotalPj:N0} ({report.TotalUj:G4} µJ)[/]");
            AnsiConsole.Write(energyTable);
            foreach (var c in report.Chips)
                AnsiConsole.MarkupLine($"  {Markup.Escape(c.Chip)}: {report.TotalSops:N0} SOPs × {c.PjPerSop:G4} pJ = {c.SopPj:N0} pJ" +
                                       (c.HostMacPj > 0 ? $" + analog-input MACs {c.HostMacPj:N0} pJ" : "") +
                                       $" = {c.TotalPj:N0} pJ ({c.TotalUj:G4} µJ) [grey]({Markup.Escape(c.Source)})[/]");

            CommonOptions.WriteJson(parse.GetValue(json), new
            {
                provenance = CommonOptions.Provenance("spikefit fit " + file.Name),
                model = summary,
                chips = profiles,
                // Per chip: fits, coresNeeded, chipsNeeded, firstViolation, violations, notes, warnings (profile gaps)
                // and each layer's per-core table.
                fit = results,
                energy = new
                {
                    layers = report.Layers.Select(l => new { l.Layer, l.Macs, l.Sops, l.ComputePj, l.WeightReadPj, l.NeuronPj, l.TotalPj }),
                    report.TotalMacs,
                    report.TotalSops,
                    report.TotalPj,
                    report.TotalUj,
                    chips = report.Chips.Select(c => new { c.Chip, c.PjPerSop, c.Source, c.SopPj, c.HostMacPj, c.TotalPj, c.TotalUj }),
                    constants,
                },
            });
            return 0;
        });
        return CommandGuard.Apply(cmd);
    }

    /// <summary>Each chip's layers, one row per core (cores past the 32nd of a layer summarised by their largest counts).</summary>
    private static void WritePerCore(IReadOnlyList<FitResult> results)
    {
        foreach (var r in results)
            foreach (var l in r.Layers.Where(l => l.CoreTable.Count > 0))
            {
                bool typed = l.CoreTable.Any(c => c.Typing is not null);
                var t = new Table().Border(TableBorder.Simple)
                    .Title($"{Markup.Escape(r.Chip)} — {Markup.Escape(l.Layer)}: {l.Cores:N0} cores ({l.Placement})")
                    .AddColumns("core", "neurons", "distinct inputs", "synapses", "memory bits", "distinct values", "max values / neuron");
                if (typed) t.AddColumn("axon typing");
                foreach (var c in l.CoreTable.Take(32))
                {
                    var row = new List<string> { c.Core.ToString(), c.Neurons.ToString("N0"), c.DistinctInputs.ToString("N0"), c.Synapses.ToString("N0"),
                        c.MemoryBits.ToString("N0"), c.DistinctValues.ToString(), c.MaxValuesPerNeuron.ToString() };
                    if (typed) row.Add(c.Typing ?? "");
                    t.AddRow(row.ToArray());
                }
                if (l.CoreTable.Count > 32)
                {
                    var rest = l.CoreTable.Skip(32).ToList();
                    var row = new List<string> { $"{rest.Count:N0} more", $"≤ {rest.Max(c => c.Neurons):N0}", $"≤ {rest.Max(c => c.DistinctInputs):N0}",
                        $"≤ {rest.Max(c => c.Synapses):N0}", $"≤ {rest.Max(c => c.MemoryBits):N0}", $"≤ {rest.Max(c => c.DistinctValues)}", $"≤ {rest.Max(c => c.MaxValuesPerNeuron)}" };
                    if (typed) row.Add($"{rest.Count(c => c.Typing == "none")} without");
                    t.AddRow(row.ToArray());
                }
                AnsiConsole.Write(t);
            }
    }

    /// <summary>The summary of a trained model: deployed weights counted, input spike rates measured on test images.</summary>
    private static ModelSummary FromCheckpoint(string path, string datasetName, string? dataDir, int maxTest)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist.");
        var dataset = DatasetLoader.Load(datasetName, dataDir, CommonOptions.DatasetOptions());
        using var backend = new SpikeFit.Kernels.Core.CpuBackend();
        using var net = Checkpoint.LoadNetwork(backend, path, out var header);
        // The checkpoint's own batch size: the rates are those a Trainer's evaluation would report.
        using var evaluator = new Evaluator(net, header.Options.BatchSize);
        var e = evaluator.Evaluate(dataset.Splits().Test, maxTest);
        AnsiConsole.MarkupLine($"[grey]measured spike rates on {e.Samples:N0} test images of {Markup.Escape(dataset.Name)}: accuracy {e.Accuracy:P2}[/]");
        return SpikeFit.Training.Compression.ModelMetrics.Summarize(net, e.InputRates, Path.GetFileNameWithoutExtension(path), e.Accuracy);
    }
}
