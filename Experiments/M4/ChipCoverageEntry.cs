using System.Text.Json;
using System.Text.Json.Serialization;
using SpikeFit.Training.Hardware;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// The mapper's verdict on one chip for one trained model (<see cref="FitChecker"/>), as a point records it
/// in its <c>chip_coverage</c> cell so that chip_coverage.csv can be rebuilt from points.csv (on --resume,
/// after a merge) without the model. The cell is a compact JSON array, one object per catalogue chip in
/// catalogue order: <c>[{"chip":"TrueNorth","fits":false,"cores":3,"chips":1,"violations":1,"first":"layer fc1: …"}, …]</c>
/// (<c>first</c> is absent when the model fits; <c>chips</c> is 0 when a layer cannot be placed at all).
/// </summary>
/// <param name="Chip">Chip name (chips.json).</param>
/// <param name="Fits">True when the model fits one chip with no violated constraint.</param>
/// <param name="Cores">Cores the mapping needs (layers never share a core).</param>
/// <param name="ChipsNeeded">Chips needed (0: a layer cannot be mapped).</param>
/// <param name="Violations">Number of violated constraints.</param>
/// <param name="FirstViolation">The first violated constraint in words with its numbers; null when it fits.</param>
public sealed record ChipCoverageEntry(
    [property: JsonPropertyName("chip")] string Chip,
    [property: JsonPropertyName("fits")] bool Fits,
    [property: JsonPropertyName("cores")] long Cores,
    [property: JsonPropertyName("chips")] long ChipsNeeded,
    [property: JsonPropertyName("violations")] int Violations,
    [property: JsonPropertyName("first"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FirstViolation)
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>True when the only violation is the chip count (every core fits, but more cores, neurons or synapses than one chip holds).</summary>
    [JsonIgnore] public bool OnlyNeedsMoreChips => !Fits && Violations == 1 && ChipsNeeded > 1;

    /// <summary>The entry of one mapping.</summary>
    public static ChipCoverageEntry Of(FitResult fit) =>
        new(fit.Chip, fit.Fits, fit.CoresNeeded, fit.ChipsNeeded, fit.Violations.Count, fit.FirstViolation);

    /// <summary>The <c>chip_coverage</c> cell of a model's mappings.</summary>
    public static string Encode(IEnumerable<FitResult> fits) => JsonSerializer.Serialize(fits.Select(Of).ToList(), Json);

    /// <summary>The entries of a <c>chip_coverage</c> cell (empty for an empty cell: a row written before the column existed).</summary>
    /// <exception cref="InvalidDataException">The cell is not this encoding.</exception>
    public static IReadOnlyList<ChipCoverageEntry> Decode(string cell)
    {
        if (string.IsNullOrWhiteSpace(cell)) return [];
        try
        {
            return JsonSerializer.Deserialize<List<ChipCoverageEntry>>(cell, Json)
                   ?? throw new InvalidDataException("chip_coverage: the cell is JSON null, expected an array of chip verdicts.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"chip_coverage: the cell is not a JSON array of chip verdicts ({e.Message}).", e);
        }
    }
}
