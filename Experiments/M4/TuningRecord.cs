using System.Globalization;
using System.Text.Json;
using SpikeFit.Training.IO;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// A cached tuning choice (<c>tuning-&lt;net&gt;-&lt;method&gt;-b&lt;bits&gt;-&lt;hash&gt;.json</c> in the models folder): the
/// chosen learning rate, τ and validation accuracy, with the full description of what was tuned, so a
/// file whose description differs (a hash collision or a hand edit) is recomputed rather than trusted.
/// </summary>
internal static class TuningRecord
{
    private const string Format = "spikefit-m4-tuning/1";

    /// <summary>The record, or null when the file is unreadable or describes another tuning.</summary>
    public static (double Lr, double? Tau, double ValAccuracy)? TryRead(string path, string described)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            if (r.GetProperty("format").GetString() != Format || r.GetProperty("tuned").GetString() != described) return null;
            double lr = r.GetProperty("lr").GetDouble(), val = r.GetProperty("val_accuracy_pct").GetDouble();
            double? tau = r.GetProperty("tau").ValueKind == JsonValueKind.Number ? r.GetProperty("tau").GetDouble() : null;
            return lr > 0 && double.IsFinite(lr) && val is >= 0 and <= 100 ? (lr, tau, val) : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    /// <summary>Writes the record atomically (concurrent shards computing the same choice write the same content).</summary>
    public static void Write(string path, string described, (double Lr, double? Tau, double ValAccuracy) choice)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("lr", choice.Lr);
            if (choice.Tau is double tau) w.WriteNumber("tau", tau); else w.WriteNull("tau");
            w.WriteNumber("val_accuracy_pct", choice.ValAccuracy);
            w.WriteString("date", DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture));
            w.WriteString("tuned", described);
            w.WriteEndObject();
        }
        AtomicFile.WriteAllText(path, System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
