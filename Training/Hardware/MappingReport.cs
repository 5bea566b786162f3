using System.Text;

namespace SpikeFit.Training.Hardware;

/// <summary>
/// The mapper's verdicts as markdown (<c>mapping.md</c>): per chip whether the model fits one chip,
/// cores and chips needed, every violation and note, the profile's missing or uncertain limits, and
/// each layer's per-core table (neurons, distinct inputs, synapses, memory, distinct values, typing).
/// </summary>
public static class MappingReport
{
    /// <param name="maxRowsPerLayer">Cores listed per layer; the rest are summarised in one line (their largest counts).</param>
    public static string ToMarkdown(string model, IEnumerable<FitResult> results, int maxRowsPerLayer = 64)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Core mapping of {model}").AppendLine();
        sb.AppendLine("Counted from the deployed weights where the model has them (a zero weight is an absent synapse), else by nominal fan-in (see the notes); DESIGN §6.").AppendLine();
        sb.AppendLine("| chip | fits one chip | cores | chips | first violation |").AppendLine("|---|---|---|---|---|");
        var list = results.ToList();
        foreach (var r in list)
            sb.AppendLine($"| {r.Chip} | {(r.Fits ? "yes" : "no")} | {(r.ChipsNeeded > 0 ? r.CoresNeeded.ToString() : "-")} | {(r.ChipsNeeded > 0 ? r.ChipsNeeded.ToString() : "-")} | {Cell(r.FirstViolation ?? "-")} |");
        foreach (var r in list)
        {
            sb.AppendLine().AppendLine($"## {r.Chip}").AppendLine();
            sb.AppendLine(r.Fits ? $"Fits one chip: {r.CoresNeeded} cores." : r.ChipsNeeded > 0
                ? $"Does not fit one chip: {r.CoresNeeded} cores, {r.ChipsNeeded} chips."
                : "Cannot be mapped: a layer cannot be placed on any core.");
            foreach (var v in r.Violations) sb.AppendLine($"- violation: {v}");
            foreach (var n in r.Notes) sb.AppendLine($"- note: {n}");
            foreach (var w in r.Warnings) sb.AppendLine($"- profile: {w}");
            foreach (var l in r.Layers)
            {
                sb.AppendLine().AppendLine($"### {r.Chip} — layer {l.Layer}: {l.Cores} cores ({l.Placement})").AppendLine();
                if (l.CoreTable.Count == 0) continue;
                bool typed = l.CoreTable.Any(c => c.Typing is not null);
                sb.AppendLine("| core | neurons | distinct inputs | synapses | memory bits | distinct values | max values / neuron |" + (typed ? " axon typing |" : ""));
                sb.AppendLine("|---|---|---|---|---|---|---|" + (typed ? "---|" : ""));
                foreach (var c in l.CoreTable.Take(maxRowsPerLayer))
                    sb.AppendLine($"| {c.Core} | {c.Neurons} | {c.DistinctInputs} | {c.Synapses} | {c.MemoryBits} | {c.DistinctValues} | {c.MaxValuesPerNeuron} |" + (typed ? $" {c.Typing} |" : ""));
                if (l.CoreTable.Count > maxRowsPerLayer)
                {
                    var rest = l.CoreTable.Skip(maxRowsPerLayer).ToList();
                    sb.AppendLine($"| {rest.Count} more | ≤ {rest.Max(c => c.Neurons)} | ≤ {rest.Max(c => c.DistinctInputs)} | ≤ {rest.Max(c => c.Synapses)} | ≤ {rest.Max(c => c.MemoryBits)} | ≤ {rest.Max(c => c.DistinctValues)} | ≤ {rest.Max(c => c.MaxValuesPerNeuron)} |"
                        + (typed ? $" {rest.Count(c => c.Typing == "none")} without |" : ""));
                }
            }
        }
        return sb.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|");
}
