using System.Globalization;
using System.Text.Json;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Training.Models;

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
/// full is the paper-table setting (5 seeds, whole epochs; a folder of the earlier 3-seed grid
/// resumes into it, its rows carried over).
/// </summary>
/// <param name="ChipSeeds">Seeds of the chip-variant block (<c>cat-chip:&lt;chip&gt;</c>, …), independent of <paramref name="Seeds"/>
/// so that more seeds for the M = 4 table do not multiply the chip points (null: <paramref name="Seeds"/>).</param>
/// <param name="ChipBits">b of the baselines' chip variants (CAT's chip variant takes b and M from the chip's plan). 2: LSQ's
/// M = 4 levels are then its native 2-bit grid, deployed as integers; at larger b every quantize-then-cluster
/// baseline deploys M float centroids, which the mapper refuses on every chip with a weight-bit limit whatever the masks.</param>
/// <param name="ChipMethods">Methods given chip variants (null: every method with <see cref="IM4Method.ChipVariants"/>).</param>
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
    int PruneBits,
    bool Tune = false,
    int[]? ChipSeeds = null,
    int ChipBits = 2,
    string[]? ChipMethods = null)
{
    public const int M = 4;

    public static readonly M4Preset Smoke = new("smoke", new[] { 1, 2 }, new[] { "mlp" }, new[] { 2, 4 },
        new Dictionary<string, NetBudget>
        {
            ["mlp"] = new(1, 2e-3f, 1, 5e-4f, MaxBatches: 12, Hidden: new[] { 64 }, T: 4),
            ["conv"] = new(1, 2e-3f, 1, 5e-4f, MaxBatches: 6, Hidden: new[] { 4, 8 }, T: 2),
        },
        MaxTest: 500, BatchSize: 64, PruneKeep: 0.5, PruneRounds: 2, PruneScoreBatches: 4, PruneBits: 4,
        ChipSeeds: new[] { 1 }, ChipMethods: new[] { "cat", "lsq" });

    public static readonly M4Preset Quick = new("quick", new[] { 1 }, new[] { "mlp", "conv" }, new[] { 2, 4, 8 },
        new Dictionary<string, NetBudget>
        {
            ["mlp"] = new(2, 1e-3f, 1, 3e-4f, MaxBatches: 150),
            ["conv"] = new(2, 2e-3f, 1, 5e-4f, MaxBatches: 60),
        },
        MaxTest: 2000, BatchSize: 128, PruneKeep: 0.5, PruneRounds: 2, PruneScoreBatches: 8, PruneBits: 4,
        ChipSeeds: new[] { 1 }, ChipMethods: new[] { "cat", "lsq" });

    public static readonly M4Preset Full = new("full", new[] { 1, 2, 3, 4, 5 }, new[] { "mlp", "conv" }, new[] { 2, 4, 8 },
        new Dictionary<string, NetBudget>
        {
            ["mlp"] = new(10, 1e-3f, 3, 3e-4f, MaxBatches: null),
            ["conv"] = new(15, 2e-3f, 3, 5e-4f, MaxBatches: null),
        },
        MaxTest: null, BatchSize: 128, PruneKeep: 0.5, PruneRounds: 3, PruneScoreBatches: 20, PruneBits: 4,
        ChipSeeds: new[] { 1, 2, 3 });

    /// <summary>
    /// The preset as a sweep grid (<c>"report": "m4"</c>): per net, a block of the methods without a
    /// bit-width × seeds, a block of the methods with one × <see cref="Bits"/> × seeds, and a block of the
    /// pruning methods at <see cref="PruneBits"/> × seeds, in registry order; every budget key explicit,
    /// so the points do not depend on any default. <c>reproduce m4</c> runs it with the sweep engine and
    /// writes it beside its table, so a cluster can run it as any grid (<c>sweep --shard</c>, <c>merge</c>).
    /// </summary>
    /// <param name="methods">The registry (its order is the run order).</param>
    /// <param name="only">Run only these methods (runs.csv or registry names; the FP32 reference always runs).</param>
    public string ToGridJson(M4Methods methods, IReadOnlyCollection<string>? only = null)
    {
        var chosen = methods.All.Where(m => only is null || only.Count == 0 || m.Family == "reference"
                                            || only.Contains(m.Key) || only.Contains(m.RowName)).ToList();
        static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", $"m4-{Name}{(Tune ? "-tuned" : "")}");
            w.WriteString("description", $"reproduce m4 --preset {Name}: the M = 4 comparison, nets {string.Join(", ", Nets)}, seeds {string.Join(", ", Seeds)}, b in {{{string.Join(", ", Bits)}}}");
            w.WriteString("report", "m4");
            w.WriteStartObject("base");
            w.WriteString("preset", Name);
            w.WriteNumber("batch", BatchSize);
            if (MaxTest is int maxTest) w.WriteNumber("max_test", maxTest); else w.WriteNull("max_test");
            w.WriteNumber("m", M);
            w.WriteNumber("prune_keep", PruneKeep);
            w.WriteNumber("prune_rounds", PruneRounds);
            w.WriteNumber("prune_score_batches", PruneScoreBatches);
            if (Tune)
            {
                // The same stated grid for every method (M4Tuning): lr × {½, 1, 2} per net (below), τ for DKM.
                w.WriteString("tune_tau", M4Tuning.Format(M4Tuning.DefaultTemperatures));
                w.WriteNumber("val_fraction", M4Tuning.DefaultValFraction);
                // Tuned once, on seed 1's warm start, whatever --seeds says, so adding seeds later keeps every point.
                w.WriteNumber("tune_seed", M4Tuning.DefaultSeed);
            }
            w.WriteEndObject();
            w.WriteStartArray("grids");
            // Pass 0: the M = 4 table's blocks, net by net; pass 1: the chip variants, after every plain point so
            // that the plain points keep the indices (and ids) they had before chip variants existed.
            foreach (var (net, chipPass) in Nets.Select(n => (n, false)).Concat(Nets.Select(n => (n, true))))
            {
                var budget = Budgets[net];
                void Block(IReadOnlyList<IM4Method> group, int[]? bits, int? fixedBits, IReadOnlyList<string>? chips = null, int[]? seeds = null)
                {
                    if (group.Count == 0 || chips is { Count: 0 }) return;
                    w.WriteStartObject();
                    w.WriteStartObject("base");
                    w.WriteString("net", net);
                    w.WriteNumber("warm_epochs", budget.WarmEpochs);
                    w.WritePropertyName("warm_lr");
                    w.WriteRawValue(F(budget.WarmLr));
                    w.WriteNumber("epochs", budget.FineTuneEpochs);
                    w.WritePropertyName("lr");
                    w.WriteRawValue(F(budget.FineTuneLr));
                    if (budget.MaxBatches is int mb) w.WriteNumber("max_batches", mb); else w.WriteNull("max_batches");
                    if (budget.Hidden is { } hidden)
                    {
                        w.WriteStartArray("hidden");
                        foreach (var h in hidden) w.WriteNumberValue(h);
                        w.WriteEndArray();
                    }
                    if (budget.T is int t) w.WriteNumber("T", t);
                    if (Tune) w.WriteString("tune_lr", M4Tuning.Format(M4Tuning.LearningRateFactors.Select(f => f * double.Parse(F(budget.FineTuneLr), CultureInfo.InvariantCulture))));
                    if (fixedBits is int fb) w.WriteNumber("bits", fb);
                    w.WriteEndObject();
                    w.WriteStartObject("grid");
                    if (bits is not null)
                    {
                        w.WriteStartArray("bits");
                        foreach (var b in bits) w.WriteNumberValue(b);
                        w.WriteEndArray();
                    }
                    w.WriteStartArray("method");
                    foreach (var m in group) w.WriteStringValue(m.Key);
                    w.WriteEndArray();
                    if (chips is not null)
                    {
                        w.WriteStartArray("chip");
                        foreach (var c in chips) w.WriteStringValue(c);
                        w.WriteEndArray();
                    }
                    w.WriteStartArray("seed");
                    foreach (var seed in seeds ?? Seeds) w.WriteNumberValue(seed);
                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                if (!chipPass)
                {
                    Block(chosen.Where(m => !m.UsesBits).ToList(), null, null);
                    Block(chosen.Where(m => m.UsesBits && !m.Prunes).ToList(), Bits, null);
                    Block(chosen.Where(m => m.Prunes).ToList(), null, PruneBits);
                    continue;
                }
                // Each chosen method with a chip variant, for every chip whose plan changes training for this net
                // (M4ChipTargets.Needed: planned on the preset's architecture), at ChipBits and the chip block's seeds.
                var spec = budget.Hidden is { } hidden ? NetworkSpec.For(net) with { Hidden = hidden } : NetworkSpec.For(net);
                Block(chosen.Where(m => m.ChipVariants && (ChipMethods is null || ChipMethods.Contains(m.Key))).ToList(), null, ChipBits,
                    M4ChipTargets.Needed(spec), ChipSeedsToRun());
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The chip block's seeds: <see cref="ChipSeeds"/> among <see cref="Seeds"/> (a --seeds override keeps the chip
    /// block inside the seeds that are run); when none of them is run, the first <see cref="ChipSeeds"/>.Length of <see cref="Seeds"/>.
    /// </summary>
    public int[] ChipSeedsToRun()
    {
        if (ChipSeeds is null) return Seeds;
        var kept = ChipSeeds.Where(Seeds.Contains).ToArray();
        return kept.Length > 0 ? kept : Seeds.Take(ChipSeeds.Length).ToArray();
    }

    public static M4Preset ByName(string name) => name switch
    {
        "smoke" => Smoke,
        "quick" => Quick,
        "full" => Full,
        _ => throw new ArgumentException($"unknown preset '{name}': use smoke, quick or full."),
    };
}
