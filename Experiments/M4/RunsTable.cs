namespace SpikeFit.Experiments.M4;

/// <summary><c>runs.csv</c>: one <see cref="M4Row"/> per trained model (method × net × bits × seed).</summary>
public static class RunsTable
{
    /// <summary>The file name of the table in a reproduce m4 output folder.</summary>
    public const string FileName = "runs.csv";

    /// <summary>Writes <paramref name="rows"/> as the whole table, atomically (temp file, flush, rename).</summary>
    public static void Write(string path, IEnumerable<M4Row> rows) => CsvTable.Write(path, rows);

    /// <summary>
    /// Reads the table. Throws <see cref="InvalidDataException"/> naming the file and the column when a column
    /// of <see cref="M4Row"/> is missing, and naming the file, record and field when a value does not parse.
    /// </summary>
    public static List<M4Row> Read(string path) => CsvTable.Read<M4Row>(path);

    /// <summary>As <see cref="Read"/>, or an empty list when the file does not exist (a fresh run).</summary>
    public static List<M4Row> ReadIfExists(string path) => File.Exists(path) ? Read(path) : new List<M4Row>();

    /// <summary>
    /// Adds one finished row to the table (creating it if needed) and returns the rows now in it. The whole
    /// table is rewritten to a temp file and renamed over the old one, so a crash at any point keeps every
    /// row written before; a table of an older schema is checked (and rewritten in the current column order).
    /// </summary>
    public static List<M4Row> Append(string path, M4Row row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var rows = ReadIfExists(path);
        rows.Add(row);
        Write(path, rows);
        return rows;
    }
}
