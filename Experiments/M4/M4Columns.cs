using CsvHelper;
using SpikeFit.Experiments.Sweep;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// The one mapping between an <see cref="M4Row"/> (a runs.csv record, columns from its
/// <see cref="CsvColumnAttribute"/>s) and the result cells of its sweep row. The sweep row carries the
/// runs.csv columns under the same names, except those the sweep table already holds: the grid keys
/// <c>method</c>, <c>net</c>, <c>seed</c> and <c>preset</c>, the provenance columns (<c>device</c>,
/// <c>commit</c>, <c>dataset</c>, <c>dataset_sha256</c>, <c>date</c>), and b and M, which a method may
/// fix itself (binary has b = 1 whatever the grid's <c>bits</c>), so they go as <c>method_bits</c> and
/// <c>method_m</c>. Both directions go through CsvHelper with the row's own column attributes, so a new
/// runs.csv column needs no code here.
/// </summary>
public static class M4Columns
{
    private static readonly CsvReaderOptions ReadOptions = CsvReaderOptions.Default with { Separator = ',' };

    /// <summary>runs.csv column → sweep column, for the columns that are renamed.</summary>
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal) { ["bits"] = "method_bits", ["m"] = "method_m" };

    /// <summary>runs.csv columns the sweep row holds as grid keys or provenance columns.</summary>
    private static readonly HashSet<string> SweepOwned = new(StringComparer.Ordinal)
        { "method", "net", "seed", "preset", "chip", "device", "commit", "dataset", "dataset_sha256", "date" };

    /// <summary>Columns added after tables were first written: a sweep row without them reads them as empty.</summary>
    private static readonly HashSet<string> Optional = new(StringComparer.Ordinal) { "tuned_lr", "tuned_tau", "val_accuracy_pct", "chip_coverage" };

    /// <summary>The columns a sweep prints in its one line per point come first.</summary>
    private static readonly string[] Leading = ["accuracy_pct", "max_unique_values"];

    /// <summary>The row's result cells for the sweep table: accuracy and unique values first, then runs.csv order.</summary>
    public static Dictionary<string, string> ToSweep(M4Row row)
    {
        var (header, values) = Record(row);
        var cells = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = Leading.Concat(header.Where(h => !Leading.Contains(h)));
        foreach (var column in order)
        {
            int i = Array.IndexOf(header, column);
            if (!SweepOwned.Contains(column)) cells[Renamed.GetValueOrDefault(column, column)] = values[i];
        }
        return cells;
    }

    /// <summary>
    /// The runs.csv row of a sweep row (grid keys, results and provenance); <paramref name="rowName"/>
    /// is the method's runs.csv name (fp32 for the warm-start reference).
    /// </summary>
    /// <exception cref="InvalidDataException">A cell is missing or does not parse, naming the column.</exception>
    public static M4Row FromSweep(IReadOnlyDictionary<string, string> sweepRow, string rowName, string source)
    {
        var header = Header();
        var values = header.Select(column => column switch
        {
            "method" => rowName,
            "preset" => sweepRow.GetValueOrDefault("preset") is { Length: > 0 } p ? p : "sweep",
            "net" => sweepRow.GetValueOrDefault("net") is { Length: > 0 } n ? n : "mlp",
            "seed" => sweepRow.GetValueOrDefault("seed") is { Length: > 0 } s ? s : "1",
            "chip" => sweepRow.GetValueOrDefault("chip") ?? "",
            _ => sweepRow.TryGetValue(Renamed.GetValueOrDefault(column, column), out var v) ? v
                : Optional.Contains(column) ? ""
                : throw new InvalidDataException($"{source}: point {sweepRow.GetValueOrDefault(SweepColumns.PointId)} has no '{Renamed.GetValueOrDefault(column, column)}' column; it was not computed by an M = 4 method."),
        }).ToArray();
        string text = Line(header) + Line(values);
        using var reader = CsvReader.FromText(text, ReadOptions);
        try
        {
            return reader.GetRecords<M4Row>().Single();
        }
        catch (Exception e) when (e is CsvFormatException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{source}: point {sweepRow.GetValueOrDefault(SweepColumns.PointId)}: {e.Message}", e);
        }
    }

    /// <summary>The runs.csv header (the row's column names in order).</summary>
    public static string[] Header() => HeaderOnce.Value;

    // The columns come from the row type's attributes, so they are found once, not for every row read.
    private static readonly Lazy<string[]> HeaderOnce = new(() => Record(new M4Row()).Header);

    private static (string[] Header, string[] Values) Record(M4Row row)
    {
        using var text = new StringWriter();
        using (var csv = CsvWriter.Create(text))
        {
            csv.WriteHeader<M4Row>();
            csv.WriteRecord(row);
        }
        using var reader = CsvReader.FromText(text.ToString(), ReadOptions);
        var header = reader.Headers.ToArray();
        if (!reader.Read()) throw new InvalidOperationException("CsvHelper wrote no record for an M4Row.");
        return (header, Enumerable.Range(0, header.Length).Select(i => reader.GetString(i)).ToArray());
    }

    private static string Line(IEnumerable<string> fields) => string.Join(",", fields.Select(Sweep.Csv.Escape)) + "\n";
}
