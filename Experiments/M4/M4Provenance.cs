namespace SpikeFit.Experiments.M4;

/// <summary>Where the numbers of a reproduce m4 report come from: the header line of <c>summary.md</c>.</summary>
/// <param name="Preset">quick or full.</param>
/// <param name="Dataset">Dataset name (e.g. fashion-mnist).</param>
/// <param name="DatasetSha256">SHA-256 over the dataset's decompressed IDX payloads.</param>
/// <param name="Device">Accelerator the models were trained on.</param>
/// <param name="Commit">Git commit of the code.</param>
/// <param name="Date">When the report was made (or its newest row finished), ISO 8601 UTC.</param>
public sealed record M4Provenance(string Preset, string Dataset, string DatasetSha256, string Device, string Commit, string Date)
{
    /// <summary>
    /// The provenance the rows carry: each field is the distinct values of the rows, ";"-joined when a
    /// resumed run mixed several (so a mix is visible, not hidden); the date is the newest row's.
    /// </summary>
    public static M4Provenance FromRows(IReadOnlyList<M4Row> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new M4Provenance(
            SummaryTable.Distinct(rows.Select(r => r.Preset)),
            SummaryTable.Distinct(rows.Select(r => r.Dataset)),
            SummaryTable.Distinct(rows.Select(r => r.DatasetSha256)),
            SummaryTable.Distinct(rows.Select(r => r.Device)),
            SummaryTable.Distinct(rows.Select(r => r.Commit)),
            rows.Select(r => r.Date).Where(d => d.Length > 0).Max(StringComparer.Ordinal) ?? "");
    }
}
