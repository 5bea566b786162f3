using System.Text;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// A sweep table (<c>points.csv</c> or a shard's <c>points.shard-i-of-N.csv</c>): one row per
/// completed point. Every change rewrites the whole file to a temporary file, flushes it to disk and
/// renames it over the table, so a crash at any instant leaves either the old table or the old table
/// plus the complete new row — never a partial row. (Rewriting costs O(rows) per point, a few
/// milliseconds for thousands of rows, nothing next to a training run; in exchange the header can
/// grow when a method brings a new result column.) Reading still tolerates a torn last line, which
/// another tool (a copy that ran out of disk, a hand edit) may leave: it is dropped with a warning.
/// </summary>
public sealed class SweepTable
{
    private readonly List<string> _resultColumns = new();
    private readonly List<Dictionary<string, string>> _rows = new();
    private readonly Dictionary<string, Dictionary<string, string>> _byId = new(StringComparer.Ordinal);

    private SweepTable(string path, IReadOnlyList<string> gridKeys)
    {
        Path = path;
        GridKeys = gridKeys;
    }

    /// <summary>The table's file.</summary>
    public string Path { get; }

    /// <summary>The grid's key columns (sorted).</summary>
    public IReadOnlyList<string> GridKeys { get; }

    /// <summary>The runners' result columns, in first-seen order.</summary>
    public IReadOnlyList<string> ResultColumns => _resultColumns;

    /// <summary>The header the table is written with.</summary>
    public IReadOnlyList<string> Header => SweepColumns.Header(GridKeys, _resultColumns);

    /// <summary>The rows in the order they were completed, column → cell.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Rows => _rows;

    /// <summary>Set when reading dropped a torn last line; the file is repaired on the next <see cref="Save"/>.</summary>
    public string? RepairWarning { get; private set; }

    /// <summary>Whether a row for point <paramref name="pointId"/> exists.</summary>
    public bool Contains(string pointId) => _byId.ContainsKey(pointId);

    /// <summary>The row of point <paramref name="pointId"/>, or null.</summary>
    public IReadOnlyDictionary<string, string>? Find(string pointId) => _byId.GetValueOrDefault(pointId);

    /// <summary>An empty table (nothing on disk until <see cref="Save"/>).</summary>
    public static SweepTable Empty(string path, IReadOnlyList<string> gridKeys) => new(path, gridKeys);

    /// <summary>
    /// Reads a table; a missing or empty file is an empty table. Every grid key must be a column.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged beyond a torn last line, or does not fit the grid.</exception>
    public static SweepTable Open(string path, IReadOnlyList<string> gridKeys)
    {
        var table = new SweepTable(path, gridKeys);
        if (!File.Exists(path)) return table;
        var (records, torn) = Csv.Parse(File.ReadAllText(path, Encoding.UTF8));
        if (records.Count == 0)
        {
            if (torn is not null) table.RepairWarning = $"{path}: its header line is incomplete (an interrupted write); starting the table afresh.";
            return table;
        }
        var header = records[0];
        if (header.Count < 2 || header[0] != SweepColumns.PointId || header[1] != SweepColumns.Index)
            throw new InvalidDataException($"{path} is not a sweep table (its header does not start with {SweepColumns.PointId},{SweepColumns.Index}). Choose another --out.");
        var missing = gridKeys.Where(k => !header.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path} has no column for grid key(s) {string.Join(", ", missing)}: it was written for a different grid. Choose another --out.");
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidDataException($"{path}: column '{duplicate.Key}' appears twice in the header.");
        foreach (var column in header)
            if (!SweepColumns.Lead.Contains(column) && !SweepColumns.Trail.Contains(column) && !gridKeys.Contains(column))
                table._resultColumns.Add(column);

        for (int r = 1; r < records.Count; r++)
        {
            var fields = records[r];
            if (fields.Count != header.Count)
            {
                if (r == records.Count - 1 && torn is null)
                {
                    // A last line with a line end but too few fields: also the trace of an interrupted writer.
                    table.RepairWarning = TornMessage(path, fields);
                    break;
                }
                throw new InvalidDataException($"{path}: row {r} has {fields.Count} fields but the header has {header.Count}; " +
                                               "the table is damaged in the middle. Repair it by hand (or delete that row: the point reruns with --resume).");
            }
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int c = 0; c < header.Count; c++) row[header[c]] = fields[c];
            string id = row[SweepColumns.PointId];
            if (!table._byId.TryAdd(id, row))
                throw new InvalidDataException($"{path}: point {id} appears twice. Delete one of the two rows.");
            table._rows.Add(row);
        }
        if (torn is not null) table.RepairWarning = TornMessage(path, torn);
        return table;
    }

    private static string TornMessage(string path, List<string> fields)
    {
        string text = string.Join(",", fields);
        return $"{path}: dropped an incomplete last line left by an interrupted write (\"{(text.Length > 50 ? text[..50] + "…" : text)}\"); " +
               "that point will run again.";
    }

    /// <summary>Adds a complete row (it must have every grid key and trail column) without saving.</summary>
    /// <exception cref="ArgumentException">A missing column, or the point is already in the table.</exception>
    public void Add(IReadOnlyDictionary<string, string> row)
    {
        foreach (var column in SweepColumns.Lead.Concat(GridKeys).Concat(SweepColumns.Trail))
            if (!row.ContainsKey(column)) throw new ArgumentException($"row lacks column '{column}'.");
        string id = row[SweepColumns.PointId];
        if (_byId.ContainsKey(id)) throw new ArgumentException($"point {id} is already in {Path}.");
        foreach (var column in row.Keys)
            if (!SweepColumns.Reserved.Contains(column) && !GridKeys.Contains(column) && !_resultColumns.Contains(column))
                _resultColumns.Add(column);
        var copy = new Dictionary<string, string>(row, StringComparer.Ordinal);
        _rows.Add(copy);
        _byId.Add(id, copy);
    }

    /// <summary>Adds a row and saves the table atomically.</summary>
    public void Append(IReadOnlyDictionary<string, string> row)
    {
        Add(row);
        Save();
    }

    /// <summary>Writes the table atomically (temporary file, flush to disk, rename over the table).</summary>
    public void Save() => WriteAtomic(Path, Header, _rows);

    /// <summary>Writes a header and rows (missing cells empty) to <paramref name="path"/> atomically.</summary>
    public static void WriteAtomic(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyDictionary<string, string>> rows)
    {
        Training.IO.AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(Csv.FormatRecord(header));
            foreach (var row in rows)
                writer.Write(Csv.FormatRecord(header.Select(h => row.GetValueOrDefault(h) ?? "")));
        });
    }
}
