using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpikeFit.Training.Energy;

/// <summary>A chip's published energy per synaptic operation.</summary>
public sealed record ChipSopEnergy(string Chip, double Pj, string Source);

/// <summary>
/// The resolved energy constants (pJ) of <c>Training/Energy/energy.json</c>, possibly overridden by a
/// user file: every value comes from the file, nothing is hard-coded here.
/// </summary>
/// <param name="MacPj">E_MAC: sum of <c>choices.mac.ops</c> (default fp32 mult + fp32 add = 4.6 pJ).</param>
/// <param name="AccumulatePj">E_AC: sum of <c>choices.accumulate.ops</c> (default fp32 add = 0.9 pJ).</param>
/// <param name="NeuronUpdateOpsPj">Arithmetic of one neuron update (default fp32 mult + 2 fp32 adds = 5.5 pJ).</param>
/// <param name="NeuronStateBits">Bits of neuron state read and written per update (default 32).</param>
/// <param name="WeightSram">SRAM size whose 64-bit read energy gives E_bit (default 32KB).</param>
/// <param name="BitPj">E_bit = sramRead64[weightSram] / 64 (default 20 / 64 = 0.3125 pJ).</param>
/// <param name="EnergyPerSop">Published per-chip energy per synaptic operation.</param>
/// <param name="Sources">Which files the constants came from.</param>
public sealed record EnergyConstants(double MacPj, double AccumulatePj, double NeuronUpdateOpsPj, int NeuronStateBits,
    string WeightSram, double BitPj, IReadOnlyList<ChipSopEnergy> EnergyPerSop, string Sources)
{
    public const string ResourceName = "SpikeFit.Training.Energy.energy.json";

    /// <summary>Energy of one neuron update: arithmetic plus reading and writing its state from the weight SRAM.</summary>
    public double NeuronUpdatePj => NeuronUpdateOpsPj + 2.0 * NeuronStateBits * BitPj;

    public static string BuiltInJson()
    {
        using var stream = typeof(EnergyConstants).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Built-in constants, overridden by <paramref name="overrideFile"/> if given.</summary>
    public static EnergyConstants Load(string? overrideFile = null)
    {
        var files = new List<(string, string)> { ("energy.json (built-in)", BuiltInJson()) };
        if (overrideFile is not null)
        {
            if (!File.Exists(overrideFile)) throw new FileNotFoundException($"energy file not found: {overrideFile}");
            files.Add((overrideFile, File.ReadAllText(overrideFile)));
        }
        return Parse(files);
    }

    /// <summary>Deep-merges the files in order (later entries replace earlier ones) and resolves the choices.</summary>
    public static EnergyConstants Parse(IEnumerable<(string Source, string Json)> files)
    {
        JsonObject? merged = null;
        var names = new List<string>();
        foreach (var (source, json) in files)
        {
            JsonNode? node;
            try { node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
            catch (JsonException e) { throw new InvalidOperationException($"{source}: not valid JSON: {e.Message}", e); }
            if (node is not JsonObject o) throw new InvalidOperationException($"{source}: top level must be an object");
            foreach (var (key, value) in o)
            {
                if (key is not ("about" or "operations" or "sramRead64" or "dramRead64" or "choices" or "energyPerSop"))
                    throw new InvalidOperationException($"{source}: field '{key}' is not known (about, operations, sramRead64, dramRead64, choices, energyPerSop)");
                if (key is "operations" or "sramRead64" or "dramRead64" or "energyPerSop")
                {
                    if (value is not JsonObject table) throw new InvalidOperationException($"{source}: field '{key}' must be an object");
                    foreach (var (name, entry) in table) PjOf(source, $"{key}.{name}", entry);
                }
            }
            names.Add(source);
            merged = merged is null ? (JsonObject)o.DeepClone() : Merge(merged, o);
        }
        string from = string.Join(" + ", names);
        var m = merged ?? throw new InvalidOperationException("no energy file given");

        double Ops(string choice)
        {
            if (m["choices"]?[choice]?["ops"] is not JsonArray ops || ops.Count == 0)
                throw new InvalidOperationException($"{from}: field 'choices.{choice}.ops' must be a non-empty array of operation names");
            double sum = 0;
            for (int i = 0; i < ops.Count; i++)
            {
                string op = ops[i] is JsonValue v && v.TryGetValue<string>(out var s) ? s
                    : throw new InvalidOperationException($"{from}: field 'choices.{choice}.ops[{i}]' must be a string");
                var entry = m["operations"]?[op] ?? throw new InvalidOperationException(
                    $"{from}: field 'choices.{choice}.ops[{i}]' names '{op}', which is not in 'operations'");
                sum += PjOf(from, $"operations.{op}", entry);
            }
            return sum;
        }
        string size = m["choices"]?["weightSram"]?["size"] is JsonValue sv && sv.TryGetValue<string>(out var sz) ? sz
            : throw new InvalidOperationException($"{from}: field 'choices.weightSram.size' must name an entry of 'sramRead64'");
        var sram = m["sramRead64"]?[size] ?? throw new InvalidOperationException($"{from}: field 'choices.weightSram.size' names '{size}', which is not in 'sramRead64'");
        double bitPj = PjOf(from, $"sramRead64.{size}", sram) / 64.0;
        int stateBits = m["choices"]?["neuronStateBits"]?["value"] is JsonValue bv && bv.TryGetValue<int>(out var b) && b >= 0 ? b
            : throw new InvalidOperationException($"{from}: field 'choices.neuronStateBits.value' must be a non-negative integer");
        var perSop = new List<ChipSopEnergy>();
        if (m["energyPerSop"] is JsonObject chips)
            foreach (var (chip, entry) in chips)
                perSop.Add(new ChipSopEnergy(chip, PjOf(from, $"energyPerSop.{chip}", entry), (string?)entry?["source"] ?? ""));
        return new EnergyConstants(Ops("mac"), Ops("accumulate"), Ops("neuronUpdate"), stateBits, size, bitPj, perSop, from);
    }

    private static double PjOf(string source, string field, JsonNode? entry)
    {
        if (entry is not JsonObject o || o["pj"] is not JsonValue v || !v.TryGetValue<double>(out var pj) || !double.IsFinite(pj) || pj < 0)
            throw new InvalidOperationException($"{source}: field '{field}.pj' must be a non-negative number");
        return pj;
    }

    private static JsonObject Merge(JsonObject into, JsonObject from)
    {
        foreach (var (key, value) in from)
        {
            // Tables merge entry by entry; an entry (an object with pj, or a choice) is replaced whole.
            if (key is "operations" or "sramRead64" or "dramRead64" or "energyPerSop" or "choices"
                && into[key] is JsonObject target && value is JsonObject source)
                foreach (var (k, v) in source) target[k] = v?.DeepClone();
            else into[key] = value?.DeepClone();
        }
        return into;
    }
}
