using System.Text;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// A small RFC 4180 writer and reader for sweep tables. Hand-written rather than CsvHelper because
/// CsvHelper 34 here is the source-generated API (a <c>[CsvRecord]</c> class per table, columns fixed
/// at compile time), while a sweep table's columns come from the grid file and the runners at run
/// time; and because reading must detect a torn last record (a crash mid-write by some other tool),
/// which needs to see the raw text.
/// </summary>
public static class Csv
{
    /// <summary>One record: fields joined by commas, quoted where needed, ending in CRLF.</summary>
    public static string FormatRecord(IEnumerable<string> fields) => string.Join(",", fields.Select(Escape)) + "\r\n";

    /// <summary>Quotes a field containing a comma, quote, CR or LF, or leading/trailing spaces (quotes doubled).</summary>
    public static string Escape(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 || (field.Length > 0 && (field[0] == ' ' || field[^1] == ' '))
            ? "\"" + field.Replace("\"", "\"\"") + "\""
            : field;

    /// <summary>
    /// Parses CSV text (CRLF or LF line ends). Returns the complete records and, separately, a
    /// trailing record that is torn: text after the last line end, or an unterminated quoted field.
    /// Blank lines are skipped.
    /// </summary>
    public static (List<List<string>> Records, List<string>? Torn) Parse(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false, fieldStarted = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                    inQuotes = false;
                    i++;
                    continue;
                }
                field.Append(c);
                i++;
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0 && !fieldStarted:
                    inQuotes = true;
                    fieldStarted = true;
                    i++;
                    break;
                case ',':
                    record.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                    i++;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                case '\n':
                    record.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                    if (!(record.Count == 1 && record[0].Length == 0)) records.Add(record);
                    record = new List<string>();
                    i += c == '\r' ? 2 : 1;
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    i++;
                    break;
            }
        }
        // Anything after the last line end is a record whose writer never finished it.
        if (inQuotes || field.Length > 0 || fieldStarted || record.Count > 0)
        {
            record.Add(field.ToString());
            return (records, record);
        }
        return (records, null);
    }
}
