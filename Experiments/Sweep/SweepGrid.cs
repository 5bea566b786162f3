using System.Text;
using System.Text.Json;

namespace SpikeFit.Experiments.Sweep;

/// <summary>A malformed grid file: the message names the file, the key and the fix.</summary>
public sealed class SweepGridException : ArgumentException
{
    /// <summary>The offending key path, e.g. <c>grid.lr</c> (empty for file-level problems).</summary>
    public string Key { get; }

    /// <summary>Creates the exception; the message is prefixed with the file name.</summary>
    public SweepGridException(string file, string key, string message)
        : base($"{file}: {(key.Length > 0 ? key + ": " : "")}{message}") => Key = key;
}

/// <summary>
/// A parsed, validated hyperparameter grid:
/// <code>
/// { "name": "lr-mlp", "description": "…",
///   "base": { "net": "mlp", "epochs": 2 },            // every point
///   "grid": { "lr": [0.001, 0.003], "seed": [1, 2] } } // Cartesian product
/// </code>
/// Points are the Cartesian product of the grid keys in sorted (ordinal) key order, values in file
/// order, the last key varying fastest (like Python's itertools.product). Everything is checked
/// when the grid is parsed — unknown keys (with a did-you-mean), types, choices, empty or repeated
/// value lists, unknown methods, and every point through its runner's
/// <see cref="ISweepPointRunner.Validate"/> — so nothing runs on a bad grid.
/// </summary>
public sealed class SweepGrid
{
    private static readonly string[] TopLevel = ["name", "description", "base", "grid", "grids", "report"];

    /// <summary>The reports a grid may ask for (<c>"report": "m4"</c>: the M = 4 comparison tables).</summary>
    public static readonly IReadOnlyList<string> Reports = ["m4"];

    private SweepGrid(string source, string name, string description, SortedDictionary<string, object?> baseValues,
        SortedDictionary<string, List<object?>> axes, IReadOnlyList<SweepPoint> points, string canonicalJson)
    {
        Source = source;
        Name = name;
        Description = description;
        Base = baseValues;
        Axes = axes.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<object?>)kv.Value);
        AxisKeys = axes.Keys.ToList();
        Keys = baseValues.Keys.Concat(axes.Keys).Order(StringComparer.Ordinal).ToList();
        Points = points;
        CanonicalJson = canonicalJson;
        Hash = SweepPoint.ShortHash(canonicalJson, 16);
    }

    /// <summary>Where the grid came from (file path), for messages.</summary>
    public string Source { get; }
    /// <summary>The grid's name (default: the file name without extension).</summary>
    public string Name { get; }
    /// <summary>Free text from the file.</summary>
    public string Description { get; }
    /// <summary>Values every point shares (including <c>method</c> when the grid does not vary it).</summary>
    public IReadOnlyDictionary<string, object?> Base { get; }
    /// <summary>The varied keys and their values in file order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<object?>> Axes { get; }
    /// <summary>The varied keys, sorted (the expansion order).</summary>
    public IReadOnlyList<string> AxisKeys { get; }
    /// <summary>Every key a point carries (base ∪ grid ∪ method), sorted: the table's key columns.</summary>
    public IReadOnlyList<string> Keys { get; }
    /// <summary>The expanded points in grid order.</summary>
    public IReadOnlyList<SweepPoint> Points { get; }
    /// <summary>The canonical JSON of base and grid (sorted keys, canonical values) that <see cref="Hash"/> covers.</summary>
    public string CanonicalJson { get; }
    /// <summary>16 hex digits of SHA-256 over <see cref="CanonicalJson"/>; the name and description are not part of it.</summary>
    public string Hash { get; }
    /// <summary>The report written from the table when every point is done (<c>m4</c>), or null; not part of <see cref="Hash"/>.</summary>
    public string? Report { get; private init; }

    /// <summary>Reads and validates a grid file.</summary>
    /// <exception cref="SweepGridException">The file is missing or malformed (the message names the key and the fix).</exception>
    public static SweepGrid Load(string path, SweepMethods methods)
    {
        if (!File.Exists(path))
            throw new SweepGridException(path, "", "file not found. Pass a grid JSON file, e.g. Experiments/examples/sweep-lr-mlp.json.");
        return Parse(File.ReadAllText(path), path, methods);
    }

    /// <summary>Parses and validates grid JSON; <paramref name="source"/> names it in errors and is the default name.</summary>
    public static SweepGrid Parse(string json, string source, SweepMethods methods)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SweepGridException(source, "", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SweepGridException(source, "", "the grid must be a JSON object like {\"name\": \"…\", \"base\": {…}, \"grid\": {\"lr\": [0.001, 0.003]}}.");
            var top = Properties(source, "", root);
            foreach (var key in top.Keys)
                if (!TopLevel.Contains(key))
                    throw new SweepGridException(source, key, $"unknown top-level key{Ending(Suggest(key, TopLevel))} A grid has {string.Join(", ", TopLevel)}.");

            string name = Path.GetFileNameWithoutExtension(source);
            if (top.TryGetValue("name", out var nameElement))
            {
                if (nameElement.ValueKind != JsonValueKind.String || !IsSafeName(nameElement.GetString()!))
                    throw new SweepGridException(source, "name", "must be a string of letters, digits, '.', '-' or '_' (it names the output folder and the Slurm job).");
                name = nameElement.GetString()!;
            }
            string description = "";
            if (top.TryGetValue("description", out var descElement))
            {
                if (descElement.ValueKind != JsonValueKind.String)
                    throw new SweepGridException(source, "description", "must be a string.");
                description = descElement.GetString()!;
            }
            if (!top.ContainsKey("base") && !top.ContainsKey("grid") && !top.ContainsKey("grids"))
                throw new SweepGridException(source, "", "has neither \"base\" nor \"grid\"; add \"grid\": {\"lr\": [0.001, 0.003]} (keys to vary) and/or \"base\": {…} (fixed keys).");

            string? report = null;
            if (top.TryGetValue("report", out var reportElement))
            {
                if (reportElement.ValueKind != JsonValueKind.String || !Reports.Contains(reportElement.GetString()!))
                    throw new SweepGridException(source, "report", $"must be one of {string.Join(", ", Reports.Select(r => $"\"{r}\""))} (the report written from the table when every point is done).");
                report = reportElement.GetString()!;
            }
            var baseValues = Section(source, "base", Optional(top, "base"), methods);
            var axes = ParseAxes(source, "grid", Optional(top, "grid"), baseValues, methods);
            List<SortedDictionary<string, object?>> expanded;
            string canonical;
            if (top.TryGetValue("grids", out var blocksElement))
            {
                // A union of grids (e.g. methods with a bit-width × bits, plus methods without one): each block
                // is a base and a grid of its own on top of the shared base; points are the blocks' points in order.
                if (top.ContainsKey("grid"))
                    throw new SweepGridException(source, "grids", "goes without \"grid\": put every varied key into the blocks of \"grids\".");
                if (blocksElement.ValueKind != JsonValueKind.Array || blocksElement.GetArrayLength() == 0)
                    throw new SweepGridException(source, "grids", "must be a non-empty list of blocks like {\"base\": {…}, \"grid\": {…}}.");
                var blocks = new List<(SortedDictionary<string, object?> Base, SortedDictionary<string, List<object?>> Axes)>();
                int b = 0;
                foreach (var block in blocksElement.EnumerateArray())
                {
                    string path = $"grids[{b++}]";
                    if (block.ValueKind != JsonValueKind.Object)
                        throw new SweepGridException(source, path, "must be an object like {\"base\": {…}, \"grid\": {…}}.");
                    var props = Properties(source, path, block);
                    foreach (var key in props.Keys)
                        if (key is not ("base" or "grid"))
                            throw new SweepGridException(source, $"{path}.{key}", "unknown block key; a block has \"base\" and \"grid\".");
                    var blockBase = Section(source, $"{path}.base", Optional(props, "base"), methods);
                    foreach (var key in blockBase.Keys)
                        if (baseValues.ContainsKey(key))
                            throw new SweepGridException(source, $"{path}.base.{key}", "is also in the top-level \"base\"; keep it in one of them.");
                    foreach (var (k, v) in baseValues) blockBase[k] = v;
                    var blockAxes = ParseAxes(source, $"{path}.grid", Optional(props, "grid"), blockBase, methods);
                    if (!blockBase.ContainsKey("method") && !blockAxes.ContainsKey("method")) blockBase["method"] = SweepMethods.DefaultMethod;
                    blocks.Add((blockBase, blockAxes));
                }
                expanded = blocks.SelectMany(x => Expand(x.Base, x.Axes)).ToList();
                canonical = CanonicalJsonOf(baseValues, blocks);
                axes = new SortedDictionary<string, List<object?>>(StringComparer.Ordinal);
                foreach (var key in expanded.SelectMany(v => v.Keys).Distinct())
                {
                    var distinct = expanded.Select(v => v.GetValueOrDefault(key)).DistinctBy(SweepKey.Format).ToList();
                    if (distinct.Count > 1) axes[key] = distinct;
                }
                var keys = expanded.SelectMany(v => v.Keys).ToHashSet(StringComparer.Ordinal);
                foreach (var key in keys.Where(k => !axes.ContainsKey(k) && !baseValues.ContainsKey(k)))
                    baseValues[key] = expanded.First(v => v.ContainsKey(key))[key];
            }
            else
            {
                if (!baseValues.ContainsKey("method") && !axes.ContainsKey("method"))
                    baseValues["method"] = SweepMethods.DefaultMethod;
                canonical = CanonicalJsonOf(baseValues, axes);
                expanded = Expand(baseValues, axes);
            }
            if (expanded.Count > 1_000_000) throw new ArgumentException("the grid has more than 1,000,000 points; split it into several grids.");
            int width = Math.Max(4, (expanded.Count - 1).ToString().Length);
            var points = expanded.Select((values, index) => new SweepPoint(index, width, values)).ToList();
            var twice = points.GroupBy(p => p.Canonical).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null)
                throw new SweepGridException(source, "grids", $"points {string.Join(" and ", twice.Select(p => p.Index))} are the same point ({twice.Key.Replace('\n', ' ')}); each point may appear once (two equal points would be one row).");
            foreach (var point in points)
            {
                var runner = methods.Get(point.Method); // every method was checked while converting
                try
                {
                    runner.Validate(point);
                }
                catch (ArgumentException e) when (e is not SweepGridException)
                {
                    throw new SweepGridException(source, $"point {point.Id}",
                        $"{e.Message} (the point has {point.Canonical.Replace('\n', ' ')}; fix the value in \"base\" or \"grid\").");
                }
            }
            if (report == "m4" && points.FirstOrDefault(p => methods.Get(p.Method) is not M4PointRunner) is { } other)
                throw new SweepGridException(source, "report", $"\"m4\" builds the M = 4 tables, which take only M = 4 methods; point {other.Id} runs '{other.Method}'.");
            return new SweepGrid(source, name, description, baseValues, axes, points, canonical) { Report = report };
        }
    }

    /// <summary>The points of shard <paramref name="shard"/> (all of them when null).</summary>
    public IEnumerable<SweepPoint> PointsOf(SweepShard? shard) => shard is { } s ? Points.Where(p => s.Contains(p.Index)) : Points;

    private static List<SortedDictionary<string, object?>> Expand(SortedDictionary<string, object?> baseValues, SortedDictionary<string, List<object?>> axes)
    {
        var keys = axes.Keys.ToList();
        long total = 1;
        foreach (var k in keys)
        {
            total *= axes[k].Count;
            if (total > 1_000_000) throw new ArgumentException($"the grid has more than 1,000,000 points; split it into several grids.");
        }
        var points = new List<SortedDictionary<string, object?>>((int)total);
        var digits = new int[keys.Count]; // an odometer over the value lists, last key fastest
        for (int index = 0; index < total; index++)
        {
            var values = new SortedDictionary<string, object?>(baseValues, StringComparer.Ordinal);
            for (int k = 0; k < keys.Count; k++) values[keys[k]] = axes[keys[k]][digits[k]];
            points.Add(values);
            for (int k = keys.Count - 1; k >= 0; k--)
            {
                if (++digits[k] < axes[keys[k]].Count) break;
                digits[k] = 0;
            }
        }
        return points;
    }

    private static JsonElement? Optional(Dictionary<string, JsonElement> props, string key) => props.TryGetValue(key, out var e) ? e : null;

    /// <summary>A "base" object: one converted value per key.</summary>
    private static SortedDictionary<string, object?> Section(string source, string path, JsonElement? element, SweepMethods methods)
    {
        var values = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        if (element is not { } baseElement) return values;
        if (baseElement.ValueKind != JsonValueKind.Object)
            throw new SweepGridException(source, path, "must be a JSON object of key: value, e.g. \"base\": {\"epochs\": 2, \"net\": \"mlp\"}.");
        foreach (var (key, value) in Properties(source, path, baseElement))
        {
            var def = KnownKey(source, path, key, methods);
            if (value.ValueKind == JsonValueKind.Array && def.Kind != SweepValueKind.IntList)
                throw new SweepGridException(source, $"{path}.{key}", $"is a list; \"base\" holds one value per key. To vary {key}, move it to \"grid\": {{\"{key}\": {value.GetRawText()}}}.");
            values[key] = Convert(source, $"{path}.{key}", def, value, methods);
        }
        return values;
    }

    /// <summary>A "grid" object: a list of converted values per key, none repeated, none empty.</summary>
    private static SortedDictionary<string, List<object?>> ParseAxes(string source, string path, JsonElement? element,
        IReadOnlyDictionary<string, object?> baseValues, SweepMethods methods)
    {
        var axes = new SortedDictionary<string, List<object?>>(StringComparer.Ordinal);
        if (element is not { } gridElement) return axes;
        if (gridElement.ValueKind != JsonValueKind.Object)
            throw new SweepGridException(source, path, "must be a JSON object of key: [values…], e.g. \"grid\": {\"lr\": [0.001, 0.003], \"seed\": [1, 2]}.");
        foreach (var (key, value) in Properties(source, path, gridElement))
        {
            var def = KnownKey(source, path, key, methods);
            if (baseValues.ContainsKey(key))
                throw new SweepGridException(source, $"{path}.{key}", $"is set in both \"base\" and \"grid\"; keep it in one of them.");
            if (value.ValueKind != JsonValueKind.Array)
                throw new SweepGridException(source, $"{path}.{key}", $"must be a list of values, e.g. \"{key}\": [{value.GetRawText()}]; or move a single value to \"base\".");
            var values = new List<object?>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            int position = 0;
            foreach (var item in value.EnumerateArray())
            {
                var converted = Convert(source, $"{path}.{key}[{position}]", def, item, methods);
                string text = SweepKey.Format(converted);
                if (!seen.Add(text))
                    throw new SweepGridException(source, $"{path}.{key}", $"lists {(text.Length == 0 ? "null" : text)} twice; each value may appear once (two equal points would be one row).");
                values.Add(converted);
                position++;
            }
            if (values.Count == 0)
                throw new SweepGridException(source, $"{path}.{key}", $"is an empty list, which would make an empty grid; give at least one value, or remove the key.");
            axes[key] = values;
        }
        return axes;
    }

    /// <summary>The canonical JSON of a union of grids: the shared base, then each block's own base (shared keys included) and grid.</summary>
    private static string CanonicalJsonOf(SortedDictionary<string, object?> baseValues,
        IReadOnlyList<(SortedDictionary<string, object?> Base, SortedDictionary<string, List<object?>> Axes)> blocks)
    {
        var parts = blocks.Select(b => CanonicalJsonOf(b.Base, b.Axes));
        return "{\"grids\":[" + string.Join(",", parts) + "]}";
    }

    private static string CanonicalJsonOf(SortedDictionary<string, object?> baseValues, SortedDictionary<string, List<object?>> axes)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartObject("base");
            foreach (var (k, v) in baseValues) { w.WritePropertyName(k); SweepKey.WriteJson(w, v); }
            w.WriteEndObject();
            w.WriteStartObject("grid");
            foreach (var (k, values) in axes)
            {
                w.WriteStartArray(k);
                foreach (var v in values) SweepKey.WriteJson(w, v);
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>An object's properties by name; a repeated name is an error (JSON parsers disagree on which one wins).</summary>
    private static Dictionary<string, JsonElement> Properties(string source, string path, JsonElement obj)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
            if (!result.TryAdd(p.Name, p.Value))
                throw new SweepGridException(source, path.Length == 0 ? p.Name : $"{path}.{p.Name}", "appears twice; keep one.");
        return result;
    }

    private static SweepKey KnownKey(string source, string section, string key, SweepMethods methods)
    {
        if (methods.Keys.TryGetValue(key, out var def)) return def;
        var known = methods.Keys.Keys.Order(StringComparer.Ordinal).ToList();
        throw new SweepGridException(source, $"{section}.{key}", $"unknown key{Ending(Suggest(key, known))} Known keys: {string.Join(", ", known)}.");
    }

    private static object? Convert(string source, string path, SweepKey def, JsonElement value, SweepMethods methods)
    {
        if (!def.TryConvert(value, out var result, out string error))
            throw new SweepGridException(source, path, $"{error}. Write {def.Expected} ({def.Name}: {def.Description}).");
        if (def.Name == "method" && result is string method && !methods.Contains(method))
            throw new SweepGridException(source, path, $"unknown method '{method}'{(Suggest(method, methods.Names) is { Length: > 0 } hint ? hint + " Known" : "; known")}: {string.Join(", ", methods.Names)}.");
        return result;
    }

    /// <summary>"; did you mean 'x'?" for the closest candidate within a few edits, else "".</summary>
    internal static string Suggest(string given, IEnumerable<string> candidates)
    {
        static string Norm(string s) => s.ToLowerInvariant().Replace('-', '_');
        string g = Norm(given);
        var best = candidates.Select(c => (Name: c, Distance: Levenshtein(g, Norm(c))))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, given.Length / 3) ? $"; did you mean '{best.Name}'?" : "";
    }

    /// <summary>Ends a sentence: after a did-you-mean question nothing, else a period.</summary>
    private static string Ending(string suggestion) => suggestion.Length > 0 ? suggestion : ".";

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    private static bool IsSafeName(string s) => s.Length is > 0 and <= 100 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') && s[0] != '.';

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
