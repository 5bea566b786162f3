using System.Security.Cryptography;
using System.Text;
using SpikeFit.Experiments.M4;
using SpikeFit.Experiments.M4.Methods;
using SpikeFit.Kernels.Codebook;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// Runs one M = 4 method (<see cref="IM4Method"/>) as a sweep point through <see cref="M4Runner"/>:
/// the FP32 warm start (<c>warm_epochs</c>, <c>warm_lr</c>), then the method with the fine-tune budget
/// (<c>epochs</c>, <c>lr</c>), then the metrics of a runs.csv row (<see cref="M4Columns"/>). Warm starts
/// and the CAT models pruning starts from are cached under
/// <c>OUT/m4/&lt;hash of the settings that shape them&gt;/models/</c>, so the points of one sweep that share
/// them train them once, and a rerun or another shard reuses them.
/// </summary>
public sealed class M4PointRunner(IM4Method method) : ISweepPointRunner
{
    /// <summary>The method this runner runs.</summary>
    public IM4Method Method => method;

    /// <summary>Registers every method of <paramref name="m4"/> (default: <see cref="M4Methods.Default"/>) as a sweep method, with the M = 4 keys.</summary>
    public static void RegisterAll(SweepMethods methods, M4Methods? m4 = null)
    {
        foreach (var m in (m4 ?? M4Methods.Default).All)
            methods.Register(m.Key, new M4PointRunner(m), M4Point.Keys);
    }

    /// <inheritdoc/>
    public void Validate(SweepPoint point)
    {
        if (point.GetNullableInt("codebook_m", null) is not null)
            throw new ArgumentException($"codebook_m applies to method fp32; method '{method.Key}' takes its codebook size from 'm' and its precision from 'bits'.");
        var p = M4Point.From(method, point);
        if (method.UsesBits) CodebookMath.ValidateBits(p.Bits);
        if (method.UsesM && (p.M < 2 || (method.UsesBits && p.M > 1 << p.Bits)))
            throw new ArgumentException(method.UsesBits
                ? $"m must be in 2..{1 << p.Bits} for bits = {p.Bits}, got {p.M}."
                : $"m must be at least 2, got {p.M}.");
        if (p.Chip is not null && !method.ChipVariants)
            throw new ArgumentException($"chip {p.Chip}: method '{method.Key}' has no chip variant; the methods with one are those with IM4Method.ChipVariants " +
                                        "(" + string.Join(", ", M4Methods.Default.All.Where(m => m.ChipVariants).Select(m => m.Key)) + "). Leave out chip for it: its plain row is mapped onto every chip anyway.");
        if (p.Chip is not null && M4ChipTargets.Refusal(p.Spec, p.Chip) is { } refused)
            throw new ArgumentException($"chip {p.Chip}: {refused}");
        if (p.Warm.Epochs < 1) throw new ArgumentException("warm_epochs must be at least 1.");
        if (!(p.Warm.LearningRate > 0)) throw new ArgumentException("warm_lr must be positive.");
        if (method.Prunes)
        {
            if (!(p.Prune.Keep > 0 && p.Prune.Keep < 1)) throw new ArgumentException($"prune_keep must be in (0, 1), got {p.Prune.Keep}.");
            if (p.Prune.Rounds < 1) throw new ArgumentException("prune_rounds must be at least 1.");
            if (p.Prune.ScoreBatches < 1) throw new ArgumentException("prune_score_batches must be at least 1.");
        }
        // The network and training keys, epochs and lr included (only their defaults differ here, and both are valid).
        new TrainPointRunner().Validate(point);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Run(SweepPoint point, SweepContext context, CancellationToken cancel)
    {
        var p = M4Point.From(method, point);
        var runner = new M4Runner(context.Backend, context.Dataset, context.Splits, ModelsDir(context, point, p.Net, p.Seed),
            (fraction, detail) => context.ReportProgress(fraction, detail), cancel, seed => ModelsDir(context, point, p.Net, seed));
        return M4Columns.ToSweep(runner.Run(p));
    }

    /// <summary>
    /// OUT/m4/&lt;12 hex digits&gt;/models: one folder per combination of the settings that shape the
    /// warm start (network, training keys, warm-start budget, dataset), so points that differ only in
    /// the method, bits, M, fine-tune budget or pruning keys share it. A cached model is reused only
    /// when its checkpoint header matches the spec and options exactly; otherwise it is retrained.
    /// </summary>
    /// <param name="seed">The point's seed, or another one (the same settings for that seed: where a tuning seed's models are).</param>
    private static string ModelsDir(SweepContext context, SweepPoint point, string net, int seed)
    {
        var shaping = point.Values
            .Where(kv => !M4Point.MethodOnlyKeys.Contains(kv.Key))
            .Select(kv => $"{kv.Key}={(kv.Key == "seed" ? SweepKey.Format(seed) : SweepKey.Format(kv.Value))}");
        string text = string.Join("\n", shaping) + $"\nnet={net}\nseed={seed}\ndataset={context.DatasetSha256}";
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        return Path.Combine(context.OutDir, "m4", hash, "models");
    }
}
