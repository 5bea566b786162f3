using CsvHelper;
using SpikeFit.Training.IO;

namespace SpikeFit.Experiments.M4;

/// <summary>Whole-table CSV reads and crash-safe writes for the <see cref="CsvRecordAttribute"/> rows of reproduce m4.</summary>
internal static class CsvTable
{
    // The separator is fixed: auto-detection could pick ';', which several text columns
    // ("fc1:4;fc2:4", "Loihi;Loihi 2") contain.
    private static readonly CsvReaderOptions ReadOptions = CsvReaderOptions.Default with { Separator = ',' };

    /// <summary>
    /// Writes the whole table to a temporary file beside <paramref name="path"/>, flushes it to disk, then
    /// renames it over <paramref name="path"/>: a crash leaves either the old table or the new one, never a
    /// half-written file.
    /// </summary>
    public static void Write<T>(string path, IEnumerable<T> rows)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            using var csv = CsvWriter.Create(writer);
            csv.WriteHeader<T>();
            foreach (var row in rows) csv.WriteRecord(row);
        });
    }

    /// <summary>
    /// Reads every row of <paramref name="path"/>. Columns are matched by header name, so a table whose columns
    /// are in another order, or that has extra columns, still reads; a missing column is an
    /// <see cref="InvalidDataException"/> naming the file and the column.
    /// </summary>
    public static List<T> Read<T>(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        if (new FileInfo(path).Length == 0) throw new InvalidDataException($"{path}: the file is empty (expected a CSV header).");
        using var reader = CsvReader.FromFile(path, ReadOptions);
        if (!reader.TryValidateHeader<T>(out var missing))
            throw new InvalidDataException(
                $"{path}: the header lacks the column(s) {string.Join(", ", missing)} of {typeof(T).Name}; " +
                "the file was probably written by an older version of spikefit (or is not this table).");
        try
        {
            return reader.GetRecords<T>().ToList();
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
