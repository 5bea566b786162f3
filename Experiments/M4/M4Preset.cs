namespace SpikeFit.Experiments.M4;

/// <summary>Training budget of one network in a preset.</summary>
/// <param name="WarmEpochs">Epochs of the shared full-precision warm start.</param>
/// <param name="WarmLr">Adam learning rate of the warm start.</param>
/// <param name="FineTuneEpochs">Epochs of every compression method's training from the warm start (the same for all methods).</param>
/// <param name="FineTuneLr">Learning rate of those fine-tunes.</param>
/// <param name="MaxBatches">Batches per epoch (null: the whole training set).</param>
/// <param name="Hidden">Hidden sizes (null: the DESIGN §3 network).</param>
/// <param name="T">Time steps (null: the DESIGN §3 default).</param>
public sealed record NetBudget(int WarmEpochs, float WarmLr, int FineTuneEpochs, float FineTuneLr, int? MaxBatches,
    int[]? Hidden = null, int? T = null);

/// <summary>
/// What a <c>reproduce m4</c> preset runs (DESIGN §7): networks, bit-widths, seeds, training budgets
/// and the pruning schedule. smoke is for CI (a tiny grid), quick fits a 2-core CPU in minutes,
/// full is the paper-table setting (≥ 3 seeds, whole epochs).
/// </summary>
public sealed record M4Preset(
    string Name,
    int[] Seeds,
    string[] Nets,
    int[] Bits,
    IReadOnlyDictionary<string, NetBudget> Budgets,
    int? MaxTest,
    int BatchSize,
    double PruneKeep,
    int PruneRounds,
    int PruneScoreBatches,
    int PruneBits)
{
    public const int M = 4;

    public static readonly M4Preset Smoke = new("smoke", new[] { 1, 2 }, new[] { "mlp" }, new[] { 2, 4 },
        new Dictionary<string, NetBudget>
        {
            ["mlp"] = new(1, 2e-3f, 1, 5e-4f, MaxBatches: 12, Hidden: new[] { 64 }, T: 4),
            ["conv"] = new(1, 2e-3f, 1, 5e-4f, MaxBatches: 6, Hidden: new[] { 4, 8 }, T: 2),
        },
        MaxTest: 500, BatchSize: 64, PruneKeep: 0.5, PruneRounds: 2, PruneScoreBatches: 4, PruneBits: 4);

    public static readonly M4Preset Quick = new("quick", new[] { 1 }, new[] { "mlp", "conv" }, new[] { 2, 4, 8 },
        new Dictionary<string, NetBudget>
        {
            ["mlp"] = new(2, 1e-3f, 1, 3e-4f, MaxBatches: 150),
            ["conv"] = new(2, 2e-3f, 1, 5e-4f, MaxBatches: 60),
        },
        MaxTest: 2000, BatchSize: 128, PruneKeep: 0.5, PruneRounds: 2, PruneScoreBatches: 8, PruneBits: 4);

    public static readonly M4Preset Full = new("full", new[] { 1, 2, 3 }, new[] { "mlp", "conv" }, new[] { 2, 4, 8 },
        new Dictionary<string, NetBudget>
        {
            ["mlp"] = new(10, 1e-3f, 3, 3e-4f, MaxBatches: null),
            ["conv"] = new(15, 2e-3f, 3, 5e-4f, MaxBatches: null),
        },
        MaxTest: null, BatchSize: 128, PruneKeep: 0.5, PruneRounds: 3, PruneScoreBatches: 20, PruneBits: 4);

    public static M4Preset ByName(string name) => name switch
    {
        "smoke" => Smoke,
        "quick" => Quick,
        "full" => Full,
        _ => throw new ArgumentException($"unknown preset '{name}': use smoke, quick or full."),
    };
}
