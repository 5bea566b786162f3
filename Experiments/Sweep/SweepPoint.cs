using System.Security.Cryptography;
using System.Text;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// One point of an expanded grid: the value of every key the grid sets (base and grid keys, plus
/// <c>method</c>), and a stable id. Keys the grid leaves out are absent; the runner applies its
/// defaults through the <c>Get…</c> fallbacks.
/// </summary>
public sealed class SweepPoint
{
    private readonly SortedDictionary<string, object?> _values;

    internal SweepPoint(int index, int idWidth, SortedDictionary<string, object?> values)
    {
        Index = index;
        _values = values;
        Canonical = string.Join("\n", values.Select(kv => $"{kv.Key}={SweepKey.Format(kv.Value)}"));
        Id = $"{index.ToString().PadLeft(idWidth, '0')}-{ShortHash(Canonical, 8)}";
    }

    /// <summary>0-based position in the expanded grid (Cartesian product order).</summary>
    public int Index { get; }

    /// <summary>
    /// Stable id: the zero-padded index and 8 hex digits of SHA-256 over <see cref="Canonical"/>,
    /// e.g. <c>0007-3fa9c2d1</c>. Same grid file → same ids, on any machine.
    /// </summary>
    public string Id { get; }

    /// <summary>The point as sorted <c>key=value</c> lines of canonical values (what the id hashes).</summary>
    public string Canonical { get; }

    /// <summary>The converted values (int, double, string, bool, int[] or null), by key, sorted.</summary>
    public IReadOnlyDictionary<string, object?> Values => _values;

    /// <summary>The method that runs the point.</summary>
    public string Method => GetString("method", SweepMethods.DefaultMethod);

    /// <summary>Whether the grid sets <paramref name="key"/> (possibly to null).</summary>
    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>The canonical text of a key's value, as the CSV cell holds it ("" when absent or null).</summary>
    public string Text(string key) => _values.TryGetValue(key, out var v) ? SweepKey.Format(v) : "";

    /// <summary>An integer key, or <paramref name="fallback"/> when the grid does not set it.</summary>
    public int GetInt(string key, int fallback) => _values.TryGetValue(key, out var v) ? v switch
    {
        int i => i,
        null => throw new ArgumentException($"{key} may not be null."),
        _ => throw WrongType(key, "an integer"),
    } : fallback;

    /// <summary>A nullable integer key: null when the grid sets null, <paramref name="fallback"/> when it does not set it.</summary>
    public int? GetNullableInt(string key, int? fallback) => _values.TryGetValue(key, out var v) ? v switch
    {
        int i => i,
        null => null,
        _ => throw WrongType(key, "an integer"),
    } : fallback;

    /// <summary>A number key, or <paramref name="fallback"/>.</summary>
    public double GetDouble(string key, double fallback) => _values.TryGetValue(key, out var v) ? v switch
    {
        double d => d,
        int i => i,
        _ => throw WrongType(key, "a number"),
    } : fallback;

    /// <summary>A string key, or <paramref name="fallback"/>.</summary>
    public string GetString(string key, string fallback) => _values.TryGetValue(key, out var v) ? v switch
    {
        string s => s,
        _ => throw WrongType(key, "a string"),
    } : fallback;

    /// <summary>A boolean key, or <paramref name="fallback"/>.</summary>
    public bool GetBool(string key, bool fallback) => _values.TryGetValue(key, out var v) ? v switch
    {
        bool b => b,
        _ => throw WrongType(key, "true or false"),
    } : fallback;

    /// <summary>An integer-list key (64 → [64]), or <paramref name="fallback"/>.</summary>
    public int[] GetIntList(string key, int[] fallback) => _values.TryGetValue(key, out var v) ? v switch
    {
        int[] list => (int[])list.Clone(),
        int i => [i],
        _ => throw WrongType(key, "a list of integers"),
    } : fallback;

    /// <summary>A string key parsed as enum <typeparamref name="T"/> (case-insensitive), or <paramref name="fallback"/>.</summary>
    public T GetEnum<T>(string key, T fallback) where T : struct, Enum =>
        _values.ContainsKey(key)
            ? Enum.TryParse<T>(GetString(key, ""), ignoreCase: true, out var parsed) ? parsed
                : throw new ArgumentException($"{key}: '{GetString(key, "")}' is not one of {string.Join(", ", Enum.GetNames<T>())}.")
            : fallback;

    /// <summary>"key=value" of the given keys, space-separated (for one-line reports).</summary>
    public string Describe(IEnumerable<string> keys) => string.Join(" ", keys.Select(k => $"{k}={Text(k)}"));

    /// <inheritdoc/>
    public override string ToString() => $"{Id} ({Canonical.Replace('\n', ' ')})";

    private static ArgumentException WrongType(string key, string expected) => new($"{key} must be {expected}.");

    internal static string ShortHash(string text, int hexDigits) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..hexDigits];
}
