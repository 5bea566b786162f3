namespace SpikeFit.Training.Nir;

/// <summary>
/// One dataset of a NIR node: a float32, float64 or int64 array of <see cref="Shape"/> (empty: a
/// scalar), or a UTF-8 string. NIR's serializer (nir/serialization.py) writes every node field as
/// such a dataset; the dtype is whatever the writing framework used (snnTorch float32, Norse float64).
/// </summary>
public sealed class NirTensor
{
    public ulong[] Shape { get; }
    /// <summary>float[], double[], long[], byte[] or string.</summary>
    public object Data { get; }

    private NirTensor(ulong[] shape, object data)
    {
        Shape = shape;
        Data = data;
    }

    public static NirTensor Of(float[] values, params ulong[] shape) => new(Check(shape, values.Length), values);
    public static NirTensor Of(double[] values, params ulong[] shape) => new(Check(shape, values.Length), values);
    public static NirTensor Of(long[] values, params ulong[] shape) => new(Check(shape, values.Length), values);
    public static NirTensor Of(byte[] values, params ulong[] shape) => new(Check(shape, values.Length), values);
    public static NirTensor Scalar(long value) => new(Array.Empty<ulong>(), new[] { value });
    public static NirTensor Scalar(double value) => new(Array.Empty<ulong>(), new[] { value });
    public static NirTensor Text(string value) => new(Array.Empty<ulong>(), value);

    public bool IsText => Data is string;
    public bool IsScalar => Shape.Length == 0;
    public long Count => Data switch { float[] f => f.Length, double[] d => d.Length, long[] l => l.Length, byte[] b => b.Length, _ => 1 };
    public string DType => Data switch { float[] => "float32", double[] => "float64", long[] => "int64", byte[] => "uint8", _ => "string" };
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public double[] ToDoubles() => Data switch
    {
        float[] f => f.Select(v => (double)v).ToArray(),
        double[] d => d,
        long[] l => l.Select(v => (double)v).ToArray(),
        byte[] b => b.Select(v => (double)v).ToArray(),
        _ => throw new InvalidDataException($"expected numbers, found the string \"{Data}\""),
    };

    /// <summary>Float32 values (float64 data is rounded to nearest).</summary>
    public float[] ToFloats() => Data as float[] ?? ToDoubles().Select(v => (float)v).ToArray();

    public long[] ToLongs() => Data switch
    {
        long[] l => l,
        byte[] b => b.Select(v => (long)v).ToArray(),
        _ => ToDoubles().Select(v => v == Math.Floor(v) ? (long)v : throw new InvalidDataException($"expected integers, found {v}")).ToArray(),
    };

    public string AsText() => Data as string ?? throw new InvalidDataException($"expected a string, found a {DType} array {ShapeText}");

    private static ulong[] Check(ulong[] shape, int length)
    {
        ulong n = shape.Aggregate(1UL, (a, b) => a * b);
        if (n != (ulong)length) throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {n} values, data has {length}.");
        return shape;
    }

    public override string ToString() => IsText ? $"\"{Data}\"" : $"{DType} {ShapeText}";
}

/// <summary>A NIR node: its type string (e.g. "Affine", "LIF") and its datasets by name; <see cref="Metadata"/> is the node's metadata group.</summary>
public sealed class NirNode
{
    public string Type { get; }
    public Dictionary<string, NirTensor> Fields { get; } = new();
    public Dictionary<string, NirTensor> Metadata { get; } = new();

    public NirNode(string type) => Type = type;

    public NirNode With(string name, NirTensor value)
    {
        Fields[name] = value;
        return this;
    }

    /// <summary>The field, or an error that names the node, its type and the missing field.</summary>
    public NirTensor Field(string nodeName, string field) =>
        Fields.TryGetValue(field, out var t) ? t
            : throw new InvalidDataException($"NIR node '{nodeName}' ({Type}) has no '{field}' dataset.");
}

/// <summary>
/// A NIR graph as stored in a .nir file (HDF5): a <c>version</c> string, and under <c>node</c> the
/// top NIRGraph: <c>type</c> = "NIRGraph", <c>nodes/&lt;name&gt;/…</c>, <c>edges</c> (string pairs
/// [E, 2], source then target) and an optional <c>metadata</c> group.
/// </summary>
public sealed class NirGraph
{
    /// <summary>The NIR version this toolkit writes: the layout of neuromorphs/NIR's serializer (nir 1.0).</summary>
    public const string WriterVersion = "1.0.0";

    public string Version { get; init; } = WriterVersion;
    /// <summary>Nodes in file order (HDF5 groups list alphabetically; the edges, not the order, define the graph).</summary>
    public Dictionary<string, NirNode> Nodes { get; } = new();
    public List<(string Source, string Target)> Edges { get; } = new();
    public Dictionary<string, NirTensor> Metadata { get; } = new();

    public NirGraph Add(string name, NirNode node)
    {
        Nodes.Add(name, node);
        return this;
    }

    /// <summary>Adds nodes and joins each to the next with an edge.</summary>
    public NirGraph Chain(params (string Name, NirNode Node)[] nodes)
    {
        for (int i = 0; i < nodes.Length; i++)
        {
            Add(nodes[i].Name, nodes[i].Node);
            if (i > 0) Edges.Add((nodes[i - 1].Name, nodes[i].Name));
        }
        return this;
    }
}
