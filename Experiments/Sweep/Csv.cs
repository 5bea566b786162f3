using CsvHelper;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// Sweep tables through CsvHelper, the one CSV reader and writer of the toolkit (M = 4's typed rows go
/// through it too, in <see cref="M4.CsvTable"/>). A sweep table's columns come from the grid and the
/// runners at run time, so it is written and read field by field rather than as a record type. What
/// CsvHelper does not do for us is find a torn last record (a crash mid-write by some other tool):
/// <see cref="Parse"/> splits the text at the last line end outside quotes and hands CsvHelper only the
/// complete part.
/// </summary>
public static class Csv
{
    private static readonly CsvReaderOptions ReadOptions = CsvReaderOptions.Default with { Separator = ',', HasHeader = false };

    /// <summary>One record: RFC 4180 fields (quoted where needed), ending in CRLF.</summary>
    public static string FormatRecord(IEnumerable<string> fields)
    {
        using var text = new StringWriter();
        using (var csv = CsvWriter.Create(text))
            csv.WriteRecord(fields.ToArray());
        return text.ToString();
    }

    /// <summary>One field as it appears in a record (quoted where needed).</summary>
    public static string Escape(string field) => FormatRecord([field])[..^2];

    /// <summary>
    /// Parses CSV text (CRLF or LF line ends). Returns the complete records and, separately, a
    /// trailing record that is torn: text after the last line end, or an unterminated quoted field.
    /// Blank lines are skipped.
    /// </summary>
    public static (List<List<string>> Records, List<string>? Torn) Parse(string text)
    {
        // The end of the last complete record: the last line end outside a quoted field.
        bool inQuotes = false;
        int end = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '"') inQuotes = !inQuotes; // a doubled quote toggles twice
            else if (text[i] == '\n' && !inQuotes) end = i + 1;
        }
        var records = Records(text[..end]);
        string tail = text[end..];
        if (tail.Length == 0) return (records, null);
        // Close an unterminated quote so the torn record's fields can still be shown.
        var torn = Records(inQuotes ? tail + "\"" : tail);
        return (records, torn.Count > 0 ? torn[0] : [tail]);
    }

    private static List<List<string>> Records(string text)
    {
        var records = new List<List<string>>();
        if (text.Length == 0) return records;
        using var reader = CsvReader.FromText(text, ReadOptions);
        while (reader.Read())
        {
            var fields = new List<string>(reader.FieldCount);
            for (int i = 0; i < reader.FieldCount; i++) fields.Add(reader.GetString(i));
            if (!(fields.Count == 1 && fields[0].Length == 0)) records.Add(fields);
        }
        return records;
    }
}
