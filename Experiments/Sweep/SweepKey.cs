using System.Globalization;
using System.Text.Json;

namespace SpikeFit.Experiments.Sweep;

/// <summary>The JSON type a sweep key takes.</summary>
public enum SweepValueKind
{
    /// <summary>A JSON integer (16, not 16.0 or "16").</summary>
    Int,
    /// <summary>Any JSON number; stored as a double.</summary>
    Float,
    /// <summary>A JSON string; with <see cref="SweepKey.Choices"/> one of a fixed set (matched case-insensitively).</summary>
    String,
    /// <summary>true or false.</summary>
    Bool,
    /// <summary>A positive integer or a list of them (layer widths): 64 or [16, 32].</summary>
    IntList,
}

/// <summary>
/// One hyperparameter a grid may set. The sweep checks types and choices when it parses the grid,
/// so a typo fails before any point runs; ranges (lr &gt; 0 …) are the runner's
/// <see cref="ISweepPointRunner.Validate"/>.
/// </summary>
/// <param name="Name">The key as written in the grid and as the CSV column name.</param>
/// <param name="Kind">Its JSON type.</param>
/// <param name="Description">One line for the docs and error messages.</param>
/// <param name="Nullable">Whether JSON null is allowed (e.g. max_batches: null = the whole epoch).</param>
/// <param name="Choices">For strings, the allowed values in their canonical spelling.</param>
/// <param name="DefaultText">What a point gets when the grid leaves the key out (documentation only; the runner applies it).</param>
public sealed record SweepKey(string Name, SweepValueKind Kind, string Description, bool Nullable = false,
    IReadOnlyList<string>? Choices = null, string DefaultText = "")
{
    /// <summary>
    /// Converts a JSON value to the key's canonical typed value (int, double, string, bool, int[] or
    /// null); on a type error returns false with <paramref name="error"/> saying what was expected.
    /// </summary>
    public bool TryConvert(JsonElement value, out object? result, out string error)
    {
        result = null;
        error = "";
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (Nullable) return true;
            error = $"null is not allowed; give {Expected}";
            return false;
        }
        switch (Kind)
        {
            case SweepValueKind.Int:
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int i)) { result = i; return true; }
                break;
            case SweepValueKind.Float:
                if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && double.IsFinite(d)) { result = d; return true; }
                break;
            case SweepValueKind.Bool:
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) { result = value.GetBoolean(); return true; }
                break;
            case SweepValueKind.String:
                if (value.ValueKind == JsonValueKind.String)
                {
                    string s = value.GetString()!;
                    if (Choices is null)
                    {
                        // Canonical point strings are key=value lines; keep values printable and single-line.
                        if (s.Length == 0 || s.Any(char.IsControl)) { error = "must be a non-empty single-line string"; return false; }
                        result = s;
                        return true;
                    }
                    var match = Choices.FirstOrDefault(c => string.Equals(c, s, StringComparison.OrdinalIgnoreCase));
                    if (match is not null) { result = match; return true; }
                    error = $"\"{s}\" is not one of {string.Join(", ", Choices)}";
                    return false;
                }
                break;
            case SweepValueKind.IntList:
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int one)) { result = new[] { one }; return true; }
                if (value.ValueKind == JsonValueKind.Array)
                {
                    var list = new List<int>();
                    foreach (var item in value.EnumerateArray())
                    {
                        if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int v)) { list = null; break; }
                        list.Add(v);
                    }
                    if (list is { Count: > 0 }) { result = list.ToArray(); return true; }
                }
                break;
        }
        error = $"expected {Expected}, got {Describe(value)}";
        return false;
    }

    /// <summary>What a valid value looks like, for error messages.</summary>
    public string Expected => (Kind switch
    {
        SweepValueKind.Int => "an integer, e.g. 16",
        SweepValueKind.Float => "a number, e.g. 0.001",
        SweepValueKind.Bool => "true or false",
        SweepValueKind.IntList => "an integer or a list of integers, e.g. 64 or [16, 32]",
        _ => Choices is null ? "a string" : $"one of \"{string.Join("\", \"", Choices)}\"",
    }) + (Nullable ? " (or null)" : "");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string {value.GetRawText()}",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.Array => $"the list {Shorten(value.GetRawText())}",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "…";

    /// <summary>
    /// The canonical text of a converted value: what the CSV cell holds and what point ids hash.
    /// Doubles use the shortest round-trip form, so 1e-3 and 0.001 are the same point.
    /// </summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        int[] list => string.Join("-", list.Select(v => v.ToString(CultureInfo.InvariantCulture))),
        string s => s,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Writes a converted value as canonical JSON (for the grid hash and the grid.json sidecar).</summary>
    internal static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case int i: writer.WriteNumberValue(i); break;
            case double d: writer.WriteRawValue(d.ToString("R", CultureInfo.InvariantCulture)); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int[] list:
                writer.WriteStartArray();
                foreach (int v in list) writer.WriteNumberValue(v);
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Format(value)); break;
        }
    }
}
