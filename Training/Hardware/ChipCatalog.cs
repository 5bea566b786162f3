using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpikeFit.Training.Hardware;

/// <summary>
/// Loads chip profiles: the built-in <c>Training/Hardware/chips.json</c> (embedded in the assembly)
/// optionally extended by user files. A user chip whose name matches a built-in one (case-insensitive)
/// replaces only the fields it gives; other names are added. Every error names the file and the field.
/// </summary>
public static class ChipCatalog
{
    public const string ResourceName = "SpikeFit.Training.Hardware.chips.json";

    private static readonly string[] FigureFields =
    [
        "coresPerChip", "neuronsPerCore", "axonsPerCore", "fanInPerNeuron", "synapsesPerCore", "synapseMemoryBitsPerCore",
        "neuronsPerChip", "synapsesPerChip", "weightBits", "inputLayerWeightBits", "distinctValues", "axonTypes", "analogInput",
    ];
    private static readonly string[] TextFields = ["name", "description", "distinctScope", "distinctWhat"];

    /// <summary>The text of the built-in chips.json.</summary>
    public static string BuiltInJson()
    {
        using var stream = typeof(ChipCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from {typeof(ChipCatalog).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Built-in chips, then each user file (path) in order.</summary>
    public static IReadOnlyList<ChipProfile> Load(params string[] userFiles)
    {
        var sources = new List<(string Name, string Json)> { ("chips.json (built-in)", BuiltInJson()) };
        foreach (var f in userFiles)
        {
            if (!File.Exists(f)) throw new FileNotFoundException($"chips file not found: {f}");
            sources.Add((f, File.ReadAllText(f)));
        }
        return Parse(sources);
    }

    /// <summary>Merges the given (source name, JSON text) files in order and builds the profiles.</summary>
    public static IReadOnlyList<ChipProfile> Parse(IEnumerable<(string Source, string Json)> files)
    {
        var merged = new List<(JsonObject Chip, List<string> From)>();
        foreach (var (source, json) in files)
        {
            JsonNode? root;
            try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
            catch (JsonException e) { throw new InvalidOperationException($"{source}: not valid JSON: {e.Message}", e); }
            if (root?["chips"] is not JsonArray chips) throw new InvalidOperationException($"{source}: field 'chips' (an array of chip objects) is missing");
            for (int i = 0; i < chips.Count; i++)
            {
                if (chips[i] is not JsonObject chip) throw new InvalidOperationException($"{source}: chips[{i}] is not an object");
                string name = chip["name"] is JsonValue v && v.TryGetValue<string>(out var n) && n.Trim().Length > 0
                    ? n.Trim() : throw new InvalidOperationException($"{source}: chips[{i}].name is missing or not a string");
                foreach (var (field, value) in chip) CheckField(source, name, field, value);
                int at = merged.FindIndex(m => string.Equals((string)m.Chip["name"]!, name, StringComparison.OrdinalIgnoreCase));
                if (at < 0) merged.Add(((JsonObject)chip.DeepClone(), [source]));
                else
                {
                    foreach (var (field, value) in chip)
                        if (field != "name") merged[at].Chip[field] = value?.DeepClone();
                    merged[at].From.Add(source);
                }
            }
        }
        return merged.Select(m => Build(m.Chip, string.Join(" + ", m.From))).ToList();
    }

    private static void CheckField(string source, string chip, string field, JsonNode? value)
    {
        string At(string sub = "") => $"{source}: chip '{chip}', field '{field}{sub}'";
        string where = At();
        if (TextFields.Contains(field))
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out _)) throw new InvalidOperationException($"{where} must be a string");
            if (field == "distinctScope" && (string)value! is not ("neuron" or "core"))
                throw new InvalidOperationException($"{where} must be \"neuron\" or \"core\", not \"{value}\"");
            return;
        }
        if (!FigureFields.Contains(field))
            throw new InvalidOperationException($"{where} is not a known field (known: {string.Join(", ", TextFields.Concat(FigureFields))})");
        if (value is null) return; // explicit null removes the limit
        if (value is not JsonObject o) throw new InvalidOperationException($"{where} must be an object {{\"value\": number, \"source\": \"...\"}}");
        foreach (var (k, _) in o)
            if (k is not ("value" or "source" or "uncertain" or "note"))
                throw new InvalidOperationException($"{At("." + k)} is not a known figure field (value, source, uncertain, note)");
        if (o["value"] is not null && (o["value"] is not JsonValue nv || !nv.TryGetValue<double>(out var d) || !double.IsFinite(d) || d < 0))
            throw new InvalidOperationException($"{At(".value")} must be a non-negative number or null");
        if (o["source"] is not JsonValue sv || !sv.TryGetValue<string>(out var s) || string.IsNullOrWhiteSpace(s))
            throw new InvalidOperationException($"{At(".source")} is missing: every figure needs its source (paper or vendor document)");
        if (o["uncertain"] is not null && (o["uncertain"] is not JsonValue uv || !uv.TryGetValue<bool>(out _)))
            throw new InvalidOperationException($"{At(".uncertain")} must be true or false");
        if (o["note"] is not null && (o["note"] is not JsonValue tv || !tv.TryGetValue<string>(out _)))
            throw new InvalidOperationException($"{At(".note")} must be a string");
    }

    private static ChipProfile Build(JsonObject c, string from)
    {
        string name = (string)c["name"]!;
        Figure? Fig(string field)
        {
            if (c[field] is not JsonObject o) return null;
            double? value = o["value"] is null ? null : (double)o["value"]!;
            return new Figure(value, (string)o["source"]!, o["uncertain"] is not null && (bool)o["uncertain"]!, o["note"] is null ? null : (string)o["note"]!);
        }
        Figure Required(string field) => Fig(field) is { Value: > 0 } f ? f
            : throw new InvalidOperationException($"{from}: chip '{name}', field '{field}' is required and must be a positive number");
        string Text(string field, string fallback) => c[field] is null ? fallback : (string)c[field]!;
        return new ChipProfile
        {
            Name = name,
            Description = Text("description", ""),
            CoresPerChip = Required("coresPerChip"),
            NeuronsPerCore = Required("neuronsPerCore"),
            AxonsPerCore = Fig("axonsPerCore"),
            FanInPerNeuron = Fig("fanInPerNeuron"),
            SynapsesPerCore = Fig("synapsesPerCore"),
            SynapseMemoryBitsPerCore = Fig("synapseMemoryBitsPerCore"),
            NeuronsPerChip = Fig("neuronsPerChip"),
            SynapsesPerChip = Fig("synapsesPerChip"),
            WeightBits = Fig("weightBits"),
            InputLayerWeightBits = Fig("inputLayerWeightBits"),
            DistinctValues = Fig("distinctValues"),
            AxonTypes = Fig("axonTypes"),
            DistinctScope = Text("distinctScope", "neuron"),
            DistinctWhat = Text("distinctWhat", "distinct weight values"),
            AnalogInput = Fig("analogInput"),
        };
    }
}
