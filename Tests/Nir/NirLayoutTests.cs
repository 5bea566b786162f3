using System.Text.Json;
using SpikeFit.Training.Models;
using SpikeFit.Training.Nir;
using static SpikeFit.Tests.Nir.NirTestSupport;

namespace SpikeFit.Tests.Nir;

/// <summary>
/// Our exports read back by h5py (scripts/nir_fixtures.py inspect) with NIR's layout: every node's type
/// string, dataset names, dtypes and shapes as nir/serialization.py writes them, and the edges as a chain.
/// </summary>
public class NirLayoutTests
{
    private static JsonElement Inspect(SpikingNetwork net)
    {
        string path = Path.Combine(TempDir(), "model.nir");
        NirFile.Write(NirExporter.Export(net).Graph, path);
        return JsonDocument.Parse(RunScript("inspect", path)).RootElement;
    }

    private static void Field(JsonElement node, string name, string dtype, params int[] shape)
    {
        var f = node.GetProperty("fields").GetProperty(name);
        Assert.Equal(dtype, f.GetProperty("dtype").GetString());
        Assert.Equal(shape, f.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
    }

    private static JsonElement Node(JsonElement root, string name, string type, params string[] fields)
    {
        var node = root.GetProperty("nodes").GetProperty(name);
        Assert.Equal(type, node.GetProperty("type").GetString());
        Assert.Equal("string-utf-8", node.GetProperty("type_layout").GetProperty("dtype").GetString());
        Assert.Empty(node.GetProperty("type_layout").GetProperty("shape").EnumerateArray());
        Assert.Equal(fields.OrderBy(f => f, StringComparer.Ordinal), node.GetProperty("fields").EnumerateObject().Select(p => p.Name).OrderBy(f => f, StringComparer.Ordinal));
        return node;
    }

    private static void Graph(JsonElement root, params string[] chain)
    {
        Assert.Equal("NIRGraph", root.GetProperty("type").GetString());
        Assert.Equal("string-utf-8", root.GetProperty("version").GetProperty("dtype").GetString());
        Assert.Empty(root.GetProperty("version").GetProperty("shape").EnumerateArray());
        Assert.Equal("string-utf-8", root.GetProperty("edges_layout").GetProperty("dtype").GetString());
        Assert.Equal(new[] { chain.Length - 1, 2 }, root.GetProperty("edges_layout").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var edges = root.GetProperty("edges").EnumerateArray().Select(e => (e[0].GetString(), e[1].GetString())).ToList();
        Assert.Equal(chain.Zip(chain.Skip(1)).Select(p => ((string?)p.First, (string?)p.Second)), edges);
        Assert.Equal(chain.OrderBy(n => n, StringComparer.Ordinal), root.GetProperty("nodes").EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Contains("spikefit_spec", root.GetProperty("metadata").EnumerateArray().Select(e => e.GetString()));
    }

    private static void Lif(JsonElement root, string name, params int[] shape)
    {
        var n = Node(root, name, "LIF", "tau", "r", "v_leak", "v_threshold", "v_reset");
        foreach (var f in new[] { "tau", "r", "v_leak", "v_threshold", "v_reset" }) Field(n, f, "float64", shape);
    }

    [SkippableFact]
    public void MlpExport_HasNirLayout()
    {
        using var backend = Backend();
        using var net = ModelZoo.Build(backend, SmallMlp with { Codebook = new CodebookSpec(M: 4, Bits: 4) }, seed: 1);
        var root = Inspect(net);
        Graph(root, "input", "flatten", "fc1", "lif1", "fc2", "readout", "output");
        Field(Node(root, "input", "Input", "shape"), "shape", "int64", 3);
        var flatten = Node(root, "flatten", "Flatten", "start_dim", "end_dim", "input_type");
        Field(flatten, "start_dim", "int64");
        Field(flatten, "end_dim", "int64");
        Field(flatten, "input_type", "int64", 3);
        var fc1 = Node(root, "fc1", "Affine", "weight", "bias");
        Field(fc1, "weight", "float32", 24, 20);
        Field(fc1, "bias", "float32", 24);
        Assert.Contains("codebook_indices", fc1.GetProperty("metadata").EnumerateArray().Select(e => e.GetString()));
        Lif(root, "lif1", 24);
        Field(Node(root, "fc2", "Affine", "weight", "bias"), "weight", "float32", 5, 24);
        var li = Node(root, "readout", "LI", "tau", "r", "v_leak");
        Field(li, "tau", "float64", 5);
        Field(Node(root, "output", "Output", "shape"), "shape", "int64", 1);
    }

    [SkippableFact]
    public void ConvExport_HasNirLayout()
    {
        using var backend = Backend();
        using var net = ModelZoo.Build(backend, SmallConv with { Readout = Readout.SpikeCount }, seed: 1);
        var root = Inspect(net);
        Graph(root, "input", "conv1", "lif1", "pool1", "conv2", "lif2", "pool2", "flatten", "fc", "lif.out", "output");
        Field(Node(root, "input", "Input", "shape"), "shape", "int64", 3);
        var conv1 = Node(root, "conv1", "Conv2d", "weight", "bias", "stride", "padding", "dilation", "groups", "input_shape");
        Field(conv1, "weight", "float32", 3, 2, 3, 3);
        Field(conv1, "bias", "float32", 3);
        foreach (var f in new[] { "stride", "padding", "dilation", "input_shape" }) Field(conv1, f, "int64", 2);
        Field(conv1, "groups", "int64");
        Lif(root, "lif1", 3, 10, 10);
        var pool = Node(root, "pool1", "SumPool2d", "kernel_size", "stride", "padding");
        foreach (var f in new[] { "kernel_size", "stride", "padding" }) Field(pool, f, "int64", 2);
        Field(Node(root, "conv2", "Conv2d", "weight", "bias", "stride", "padding", "dilation", "groups", "input_shape"), "weight", "float32", 4, 3, 3, 3);
        Lif(root, "lif2", 4, 3, 3);
        Field(Node(root, "flatten", "Flatten", "start_dim", "end_dim", "input_type"), "input_type", "int64", 3);
        Field(Node(root, "fc", "Affine", "weight", "bias"), "weight", "float32", 5, 4);
        Lif(root, "lif.out", 5);
    }
}
