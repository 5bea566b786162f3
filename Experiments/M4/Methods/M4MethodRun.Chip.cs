using SpikeFit.Experiments.Cli;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// The chip-targeted half of a method's run (grid key <c>chip</c>, issue 12 item 6). Without a chip every
/// helper here is the identity, so a plain point trains exactly as before. With one, the chip's plan
/// (<see cref="ChipTargeting.Plan"/> on the warm start) gives the masks every chip variant shares — the
/// fan-in mask k and the per-core input budget A on cores of P, chosen from the warm start and revised on
/// the same schedule as <c>spikefit deploy</c> — and CAT also takes the plan's bits, M, value scope and
/// TrueNorth layout (<see cref="ChipConstraint"/>).
/// </summary>
public sealed partial class M4MethodRun
{
    private ChipPlan? _plan;

    /// <summary>The chip the point targets, or null for a plain point.</summary>
    public ChipConstraints? Chip => Point.Chip is { } name ? _chip ??= ChipConstraints.From(M4ChipTargets.Find(name)) : null;
    private ChipConstraints? _chip;

    /// <summary>The chip's plan for this network, made on the warm start; null for a plain point.</summary>
    /// <exception cref="ArgumentException">The plan refuses the network, with its numbers.</exception>
    public ChipPlan? Plan
    {
        get
        {
            if (Chip is not { } chip) return null;
            if (_plan is not null) return _plan;
            using var probe = Build(Spec);
            var plan = ChipTargeting.Plan(probe, chip);
            if (plan.Refused)
                throw new ArgumentException($"chip {chip.Chip}: the {Spec.Net} net cannot be trained for it: {string.Join("; ", plan.Impossible.Concat(plan.Unsupported))}");
            // The grid's variants compare methods on the warm start's own units; a chip that needs neurons pruned is deploy's job.
            if (plan.Prune is { } budget)
                throw new ArgumentException($"chip {chip.Chip}: the {Spec.Net} net is over its neuron budget ({budget.Describe(Spec.Hidden)}); " +
                                            "the m4 chip variants do not prune neurons; use spikefit deploy, which prunes to the budget first, or a smaller --hidden.");
            return _plan = plan;
        }
    }

    /// <summary>
    /// <paramref name="inner"/> (a method's own constraint, or null for float weights) wrapped in the chip's
    /// connectivity mask (<see cref="ConnectivitySpec"/>) exactly as <c>deploy</c> wraps CAT; unchanged for a
    /// plain point or a chip that needs no mask.
    /// </summary>
    public ConstraintSpec? Masked(ConstraintSpec? inner)
    {
        if (Plan is not { } plan) return inner;
        int batches = Math.Max(1, Math.Min(TrainSplit.Count / FineTune.BatchSize, FineTune.MaxBatchesPerEpoch ?? int.MaxValue));
        return ChipTrainingOptions.ForPlan(plan).Constraint(inner, FineTune, batches);
    }

    /// <summary>SpikeFit for the chip: the plan's value constraint (CAT with the chip's bits, M and scope, or TrueNorth's layout) under its masks.</summary>
    public ConstraintSpec ChipConstraint()
    {
        var value = Plan?.Value ?? throw new InvalidOperationException("internal: ChipConstraint() on a point without a chip");
        // The row records the plan's b and M, not the grid's (the plan decides them for the chip).
        PlannedValues = value.ValueGrid();
        return Masked(value)!;
    }

    /// <summary>The (b, M) the chip's plan trained with, once <see cref="ChipConstraint"/> was asked for; null: the point's own.</summary>
    public (int Bits, int M)? PlannedValues { get; private set; }

    /// <summary>
    /// The model to measure from snapped weights (post-training and cluster-after-training methods): plain, or
    /// for a chip under its mask (fixed, no inner constraint), so the masked-out synapses stay absent and the
    /// mapper places the neurons by the mask's core partition, as it does for CAT.
    /// </summary>
    public SpikingNetwork Deployed(IReadOnlyDictionary<string, float[]> weights) =>
        Build(Chip is null ? Spec : Spec with { Constraint = Masked(null) is ConnectivitySpec c ? c with { ReviseEvery = 0, FreezeAfter = 0 } : null }, weights);

    /// <summary>
    /// The warm start as a chip variant of a post-training method sees it: the chip's mask applied (chosen from
    /// the warm start, as a training variant's first mask is); the plain warm start without a chip.
    /// </summary>
    public IReadOnlyDictionary<string, float[]> MaskedWarm()
    {
        if (Chip is null || Masked(null) is null) return Warm;
        using var masked = Build(Spec with { Constraint = Masked(null) });
        var copy = new Dictionary<string, float[]>(Warm);
        foreach (var layer in masked.Layers.OfType<IWeightedLayer>())
            copy[layer.Weight.Name] = layer.EffectiveWeights();
        return copy;
    }

    /// <summary>
    /// <paramref name="snap"/> (a clustering or quantizer of one weight tensor) as a chip variant applies it:
    /// to the non-zero weights only, so an absent synapse is not pulled to a centroid and stays absent. For a
    /// plain point it is <paramref name="snap"/> itself (the plain rows are unchanged).
    /// </summary>
    public Func<float[], float[]> KeepingAbsent(Func<float[], float[]> snap) => Chip is null ? snap : w =>
    {
        var present = Enumerable.Range(0, w.Length).Where(i => w[i] != 0f).ToArray();
        var result = new float[w.Length];
        if (present.Length == 0) return result;
        var snapped = snap(present.Select(i => w[i]).ToArray());
        for (int j = 0; j < present.Length; j++) result[present[j]] = snapped[j];
        return result;
    };
}
