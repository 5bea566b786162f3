using System.Text;
using System.Text.Json;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// <c>DIR/grid.json</c>: the grid a sweep folder belongs to — its hash, canonical content, key
/// columns and every point id. <c>sweep</c> writes it on the first run and refuses to add rows of a
/// different grid to the folder; <c>merge</c> reads it to check that shards belong together and to
/// know which points are missing, without re-parsing the original grid file.
/// </summary>
public sealed record SweepSidecar(string Name, string Description, string GridHash, string Source,
    IReadOnlyList<string> Keys, IReadOnlyList<string> AxisKeys, IReadOnlyList<string> PointIds, string CanonicalGrid)
{
    /// <summary>The report the grid asks for when every point is done (<c>m4</c>), or null.</summary>
    public string? Report { get; init; }

    /// <summary>The sidecar's file name in a sweep folder.</summary>
    public const string FileName = "grid.json";

    private const string Format = "spikefit-sweep-grid/1";

    /// <summary>The sidecar of a parsed grid.</summary>
    public static SweepSidecar Of(SweepGrid grid) => new(grid.Name, grid.Description, grid.Hash,
        File.Exists(grid.Source) ? Path.GetFullPath(grid.Source) : grid.Source,
        grid.Keys, grid.AxisKeys, grid.Points.Select(p => p.Id).ToList(), grid.CanonicalJson) { Report = grid.Report };

    /// <summary>Reads <c>DIR/grid.json</c>, or null when the folder has none.</summary>
    /// <exception cref="InvalidDataException">The file is not a sweep sidecar.</exception>
    public static SweepSidecar? TryRead(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            if (r.GetProperty("format").GetString() != Format) throw new InvalidDataException("unknown format");
            static List<string> Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToList();
            return new SweepSidecar(r.GetProperty("name").GetString()!, r.GetProperty("description").GetString()!,
                r.GetProperty("grid_hash").GetString()!, r.GetProperty("source").GetString()!,
                Strings(r.GetProperty("keys")), Strings(r.GetProperty("axes")), Strings(r.GetProperty("point_ids")),
                r.GetProperty("grid").GetRawText())
            {
                Report = r.TryGetProperty("report", out var report) && report.ValueKind == JsonValueKind.String ? report.GetString() : null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a sweep grid record ({e.Message}); it is written by spikefit sweep. Choose another folder.");
        }
    }

    /// <summary>Writes the sidecar into <paramref name="dir"/> atomically.</summary>
    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, FileName);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("name", Name);
            w.WriteString("description", Description);
            w.WriteString("grid_hash", GridHash);
            w.WriteString("source", Source);
            w.WriteNumber("points", PointIds.Count);
            if (Report is not null) w.WriteString("report", Report);
            w.WriteStartArray("keys");
            foreach (var k in Keys) w.WriteStringValue(k);
            w.WriteEndArray();
            w.WriteStartArray("axes");
            foreach (var k in AxisKeys) w.WriteStringValue(k);
            w.WriteEndArray();
            w.WritePropertyName("grid");
            w.WriteRawValue(CanonicalGrid);
            w.WriteStartArray("point_ids");
            foreach (var id in PointIds) w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        // Shards of one job array may start together and all write this file: each writes its own
        // temporary file and renames it, and the contents are identical, so whichever rename wins is right.
        Training.IO.AtomicFile.WriteAllBytes(path, stream.ToArray());
    }
}
