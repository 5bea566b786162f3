namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// The layout of a sweep table: <c>point_id, index</c>, the grid's keys (sorted), the runners'
/// result columns (in the order they first appeared), then the columns the sweep adds to every row.
/// </summary>
public static class SweepColumns
{
    /// <summary>The point's stable id, e.g. <c>0007-3fa9c2d1</c>.</summary>
    public const string PointId = "point_id";
    /// <summary>The point's 0-based position in the expanded grid.</summary>
    public const string Index = "index";
    /// <summary>Hash of the grid the row belongs to (merge and --resume refuse other grids).</summary>
    public const string GridHash = "grid_hash";

    /// <summary>Columns before the grid keys.</summary>
    public static readonly IReadOnlyList<string> Lead = [PointId, Index];

    /// <summary>Columns the sweep appends to every row (provenance and timing), in table order.</summary>
    public static readonly IReadOnlyList<string> Trail = ["seconds", "device", "host", "dataset", "dataset_sha256", "commit", "date", GridHash];

    /// <summary>Names a runner's result or a grid key may not use.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(Lead.Concat(Trail), StringComparer.Ordinal);

    /// <summary>
    /// Columns that legitimately differ between two runs of the same point (timing, where and when
    /// it ran); merge ignores them when it compares duplicate rows, and so do the tests that compare
    /// a resumed sweep with an uninterrupted one. Any column ending in <c>seconds</c> counts too.
    /// </summary>
    public static bool IsVolatile(string column) =>
        column is "device" or "host" or "commit" or "date" || column.EndsWith("seconds", StringComparison.Ordinal);

    /// <summary>lower-case letters, digits and '_' (and '-' when <paramref name="allowDash"/>), starting with a letter.</summary>
    public static bool IsValidName(string name, bool allowDash) =>
        name.Length > 0 && name[0] is >= 'a' and <= 'z' &&
        name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' || (allowDash && c == '-'));

    /// <summary>The full header for a table of these grid keys and result columns.</summary>
    public static List<string> Header(IEnumerable<string> gridKeys, IEnumerable<string> resultColumns) =>
        Lead.Concat(gridKeys).Concat(resultColumns).Concat(Trail).ToList();
}
