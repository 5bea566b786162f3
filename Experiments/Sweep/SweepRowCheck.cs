using System.Globalization;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// Checks a recorded row before <c>sweep --resume</c> keeps it or <c>merge</c> copies it: it must sit at
/// its point's position in the grid, carry that point's own key values (when the grid is at hand), and
/// hold a number where the sweep writes one. A row that contradicts its point is a damaged or
/// hand-edited table, and is refused by name rather than carried into results.
/// </summary>
public static class SweepRowCheck
{
    /// <summary>Throws <see cref="InvalidDataException"/> naming the table, the point and the cell.</summary>
    /// <param name="row">The recorded row.</param>
    /// <param name="table">The table's path, for the message.</param>
    /// <param name="position">The point's 0-based position in the grid.</param>
    /// <param name="point">The point itself, when the grid is parsed (resume); null in merge, which has only the grid's record.</param>
    /// <param name="gridKeys">The grid's key columns.</param>
    /// <summary>
    /// The range of a result column, known from its name so merge (which has no runner) checks it too:
    /// accuracies are fractions, <c>_pct</c> percentages, counts, sizes, times and energies non-negative.
    /// Empty cells pass (a method may not report a column); other columns are not checked.
    /// </summary>
    public static (double Min, double Max, string What)? RangeOf(string column) => column switch
    {
        _ when column == "accuracy" || column.EndsWith("_accuracy", StringComparison.Ordinal) || column.EndsWith("_fraction", StringComparison.Ordinal)
            => (0, 1, "a fraction in [0, 1]"),
        _ when column.EndsWith("_pct", StringComparison.Ordinal) => (0, 100, "a percentage in [0, 100]"),
        "neurons" or "hidden_units" or "nonzero_synapses" or "sops_per_inference" or "bits_per_synapse" or "max_unique_values" or "parameters"
            or "epochs_completed" => (0, double.MaxValue, "a non-negative number"),
        _ when column.EndsWith("_seconds", StringComparison.Ordinal) || column.EndsWith("_uj", StringComparison.Ordinal)
               || column.EndsWith("_kib", StringComparison.Ordinal) || column.EndsWith("_bytes", StringComparison.Ordinal)
            => (0, double.MaxValue, "a non-negative number"),
        _ => null,
    };

    public static void Validate(IReadOnlyDictionary<string, string> row, string table, int position, SweepPoint? point, IReadOnlyList<string> gridKeys)
    {
        string id = row[SweepColumns.PointId];
        string Where(string column) => $"{table}: point {id}, column '{column}'";
        if (!int.TryParse(row.GetValueOrDefault(SweepColumns.Index), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index != position)
            throw new InvalidDataException($"{Where(SweepColumns.Index)} is '{row.GetValueOrDefault(SweepColumns.Index)}', but the point is number {position} of the grid. " +
                                           "The table was edited or damaged: delete that row (the point reruns with --resume).");
        if (!double.TryParse(row.GetValueOrDefault("seconds"), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds >= 0))
            throw new InvalidDataException($"{Where("seconds")} is '{row.GetValueOrDefault("seconds")}', not a duration in seconds. " +
                                           "The table was edited or damaged: delete that row (the point reruns with --resume).");
        foreach (var (column, value) in row)
        {
            if (value.Length == 0 || RangeOf(column) is not { } range) continue;
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x >= range.Min && x <= range.Max))
                throw new InvalidDataException($"{Where(column)} is '{value}', but it holds {range.What}. " +
                                               "The table was edited or damaged: delete that row (the point reruns with --resume).");
        }
        if (point is null) return;
        foreach (var key in gridKeys)
        {
            string expected = point.Text(key), actual = row.GetValueOrDefault(key) ?? "";
            if (actual != expected)
                throw new InvalidDataException($"{Where(key)} is '{actual}', but point {id} has {key} = '{expected}'. " +
                                               "The row belongs to another point or was edited: delete it (the point reruns with --resume).");
        }
    }
}
