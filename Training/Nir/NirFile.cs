using PureHDF;
using PureHDF.VOL.Native;

namespace SpikeFit.Training.Nir;

/// <summary>
/// Reads and writes .nir files (HDF5) in the layout of neuromorphs/NIR's <c>nir.write</c>/<c>nir.read</c>:
/// a scalar UTF-8 <c>version</c> string; a <c>node</c> group holding the graph's <c>type</c> (scalar
/// UTF-8 "NIRGraph"), <c>edges</c> (variable-length UTF-8 strings [E, 2]), <c>nodes/&lt;name&gt;/</c>
/// (each with its <c>type</c> and fields) and an optional <c>metadata</c> group of datasets.
/// Arrays keep their dtype and shape; integers are int64 as numpy writes Python ints. Datasets are
/// written uncompressed (nir.write gzips arrays by default; HDF5 readers decompress transparently, and
/// this reader reads gzip-compressed files too). Uses PureHDF (pure managed, no native HDF5 library).
/// </summary>
public static class NirFile
{
    public static void Write(NirGraph graph, string path)
    {
        var nodes = new H5Group();
        foreach (var (name, node) in graph.Nodes)
        {
            var group = new H5Group { ["type"] = node.Type };
            foreach (var (field, value) in node.Fields) group[field] = ToH5(value);
            if (node.Metadata.Count > 0) group["metadata"] = Group(node.Metadata);
            nodes[name] = group;
        }
        var edges = new string[graph.Edges.Count, 2];
        for (int i = 0; i < graph.Edges.Count; i++)
        {
            edges[i, 0] = graph.Edges[i].Source;
            edges[i, 1] = graph.Edges[i].Target;
        }
        var top = new H5Group { ["type"] = "NIRGraph", ["nodes"] = nodes, ["edges"] = edges };
        if (graph.Metadata.Count > 0) top["metadata"] = Group(graph.Metadata);
        var file = new H5File { ["version"] = graph.Version, ["node"] = top };
        // Written beside the target and renamed, so a failed write never leaves half a file under the final name.
        IO.AtomicFile.WriteVia(path, tmp => file.Write(tmp));
    }

    /// <summary>Reads a .nir file; errors name the file and, for a malformed graph, the node.</summary>
    public static NirGraph Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist.", path);
        NativeFile file;
        try
        {
            file = H5File.OpenRead(path);
        }
        catch (Exception e) when (e is not IOException || e is EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is not a readable HDF5 file, so not a NIR file ({e.Message}).", e);
        }
        using (file)
        {
            try
            {
                return ReadGraph(path, file);
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                // A truncated or damaged file fails deep inside the HDF5 reader; say which file.
                throw new InvalidDataException($"{path}: the HDF5 structure is damaged or truncated ({e.GetType().Name}: {e.Message}).", e);
            }
        }
    }

    private static NirGraph ReadGraph(string path, NativeFile file)
    {
        if (!file.LinkExists("node"))
            throw new InvalidDataException($"{path} is HDF5 but has no 'node' group, so it is not a NIR file.");
        var top = file.Group("node");
        string version = file.LinkExists("version") ? ReadTensor(file.Dataset("version")).AsText() : "unknown";
        string type = top.LinkExists("type") ? ReadTensor(top.Dataset("type")).AsText() : "";
        if (type != "NIRGraph")
            throw new InvalidDataException($"{path}: the top node is '{type}', not a NIRGraph.");
        var graph = new NirGraph { Version = version };
        if (!top.LinkExists("nodes")) throw new InvalidDataException($"{path}: the NIRGraph has no 'nodes' group.");
        foreach (var child in top.Group("nodes").Children())
        {
            if (child is not IH5Group g)
                throw new InvalidDataException($"{path}: 'node/nodes/{child.Name}' is a dataset, not a node group.");
            if (!g.LinkExists("type"))
                throw new InvalidDataException($"{path}: NIR node '{child.Name}' has no 'type'.");
            var node = new NirNode(ReadTensor(g.Dataset("type")).AsText());
            foreach (var item in g.Children())
            {
                if (item.Name == "type") continue;
                if (item is IH5Dataset ds)
                {
                    try { node.Fields[item.Name] = ReadTensor(ds); }
                    catch (NotSupportedException e)
                    {
                        throw new InvalidDataException($"{path}: NIR node '{child.Name}' ({node.Type}): dataset {e.Message}, which no NIR field uses.");
                    }
                }
                else if (item.Name == "metadata" && item is IH5Group meta) ReadMetadata(meta, node.Metadata);
                else if (item is IH5Group)
                    throw new InvalidDataException($"{path}: NIR node '{child.Name}' ({node.Type}) holds a sub-group '{item.Name}' (nested NIRGraphs are not supported).");
            }
            graph.Nodes.Add(child.Name, node);
        }
        if (!top.LinkExists("edges")) throw new InvalidDataException($"{path}: the NIRGraph has no 'edges' dataset.");
        var edges = top.Dataset("edges");
        var dims = edges.Space.Dimensions;
        if (dims.Length == 2 && dims[1] == 2)
        {
            var flat = edges.Read<string[]>();
            for (int i = 0; i + 1 < flat.Length; i += 2) graph.Edges.Add((flat[i], flat[i + 1]));
        }
        else if (!(dims.Length >= 1 && dims[0] == 0))
            throw new InvalidDataException($"{path}: 'edges' has shape [{string.Join(", ", dims)}]; NIR stores [E, 2] (source, target) strings.");
        if (top.LinkExists("metadata")) ReadMetadata(top.Group("metadata"), graph.Metadata);
        return graph;
    }

    private static void ReadMetadata(IH5Group group, Dictionary<string, NirTensor> into)
    {
        // Metadata may hold anything a framework chose to write; keep what this reader understands.
        foreach (var item in group.Children())
            if (item is IH5Dataset ds)
            {
                try { into[item.Name] = ReadTensor(ds); }
                catch (NotSupportedException) { }
            }
    }

    private static NirTensor ReadTensor(IH5Dataset ds)
    {
        var shape = ds.Space.Type == H5DataspaceType.Scalar ? Array.Empty<ulong>() : ds.Space.Dimensions;
        var type = ds.Type;
        switch (type.Class)
        {
            case H5DataTypeClass.String:
            case H5DataTypeClass.VariableLength when type.VariableLength.BaseType.Class == H5DataTypeClass.String
                                                     || type.VariableLength.BaseType.Class == H5DataTypeClass.FixedPoint:
            {
                var values = ds.Read<string[]>();
                if (values.Length != 1) throw new NotSupportedException($"'{ds.Name}' is a string array");
                return NirTensor.Text(values[0]);
            }
            case H5DataTypeClass.FloatingPoint when type.Size == 4:
                return NirTensor.Of(ds.Read<float[]>(), shape);
            case H5DataTypeClass.FloatingPoint when type.Size == 8:
                return NirTensor.Of(ds.Read<double[]>(), shape);
            case H5DataTypeClass.FixedPoint:
            {
                bool signed = type.FixedPoint.IsSigned;
                if (type.Size == 1 && !signed) return NirTensor.Of(ds.Read<byte[]>(), shape);
                long[] values = type.Size switch
                {
                    1 => ds.Read<sbyte[]>().Select(v => (long)v).ToArray(),
                    2 => signed ? ds.Read<short[]>().Select(v => (long)v).ToArray() : ds.Read<ushort[]>().Select(v => (long)v).ToArray(),
                    4 => signed ? ds.Read<int[]>().Select(v => (long)v).ToArray() : ds.Read<uint[]>().Select(v => (long)v).ToArray(),
                    8 => signed ? ds.Read<long[]>() : ds.Read<ulong[]>().Select(v => (long)v).ToArray(),
                    _ => throw new NotSupportedException($"'{ds.Name}' is a {type.Size}-byte integer"),
                };
                return NirTensor.Of(values, shape);
            }
            default:
                throw new NotSupportedException($"'{ds.Name}' has HDF5 type class {type.Class}");
        }
    }

    private static object ToH5(NirTensor t)
    {
        if (t.IsText) return t.AsText();
        if (t.IsScalar)
            return t.Data switch { float[] f => f[0], double[] d => d[0], long[] l => l[0], byte[] b => (object)b[0], _ => throw new InvalidOperationException() };
        return new H5Dataset(t.Data, fileDims: t.Shape);
    }

    private static H5Group Group(Dictionary<string, NirTensor> values)
    {
        var g = new H5Group();
        foreach (var (k, v) in values) g[k] = ToH5(v);
        return g;
    }
}
