using SpikeFit.Experiments.Cli;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Nir;
using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Commands;

/// <summary><c>spikefit export --out model.nir</c>: any checkpoint (full precision or compressed) → a NIR graph (HDF5).</summary>
internal static class NirExportRun
{
    public static int Run(string checkpointPath, string outPath, double dt, FileInfo? json, string[] argv)
    {
        using var backend = new CpuBackend();
        using var net = Checkpoint.LoadNetwork(backend, checkpointPath);
        var export = NirExporter.Export(net, dt);
        OutputFile.BeforeWrite(outPath);
        NirFile.Write(export.Graph, outPath);
        // Report from the file as written.
        var written = NirFile.Read(outPath);
        var table = new Table().AddColumns("node", "type", "datasets");
        foreach (var name in NirChain.Walk(written, outPath))
        {
            var node = written.Nodes[name];
            table.AddRow(Markup.Escape(name), node.Type, Markup.Escape(string.Join(", ", node.Fields.Select(f => $"{f.Key} {f.Value}"))));
        }
        AnsiConsole.Write(table);
        foreach (var note in export.NotExpressible)
            AnsiConsole.MarkupLine($"[yellow]not expressible in NIR:[/] {Markup.Escape(note)}");
        long bytes = new FileInfo(outPath).Length;
        AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(outPath)}: NIR {written.Version}, {written.Nodes.Count} nodes, {bytes:N0} bytes, dt = {dt:G6}");
        CommonOptions.WriteJson(json, new
        {
            provenance = CommonOptions.Provenance("spikefit " + string.Join(' ', argv.Skip(1))),
            checkpoint = checkpointPath,
            output = outPath,
            format = "nir",
            fileBytes = bytes,
            dt,
            nodes = written.Nodes.Select(n => new { name = n.Key, type = n.Value.Type }),
            edges = written.Edges.Select(e => new[] { e.Source, e.Target }),
            notExpressible = export.NotExpressible,
        });
        return 0;
    }
}
