using SpikeFit.Kernels.Core;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// The chips of the built-in catalogue as targets of <c>reproduce m4</c>'s chip-targeted points (the grid
/// key <c>chip</c>, issue 12 item 6): finding a chip by name, and which chips a network needs a targeted
/// variant for. A chip needs one when <see cref="ChipTargeting.Plan"/> changes what training does for it
/// (a fan-in or per-core input mask, TrueNorth's layout, or a per-neuron / per-core value scope) and does
/// not refuse the network; on the other chips a method's plain row already answers whether it fits.
/// </summary>
public static class M4ChipTargets
{
    private static readonly Lazy<IReadOnlyList<ChipProfile>> CatalogOnce = new(() => ChipCatalog.Load());

    /// <summary>The built-in chip catalogue (chips.json), in its order: the columns of the coverage table.</summary>
    public static IReadOnlyList<ChipProfile> Catalog => CatalogOnce.Value;

    /// <summary>The catalogue's chip named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such chip, naming the known ones.</exception>
    public static ChipProfile Find(string name) =>
        Catalog.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"chip: unknown chip '{name}'; known: {string.Join(", ", Catalog.Select(c => c.Name))}.");

    /// <summary>Whether training for the chip differs from the plain method: a mask, TrueNorth's layout, or a value scope below the layer.</summary>
    public static bool Changes(ChipPlan plan) =>
        !plan.Refused && (plan.HasMask || plan.Value is TrueNorthSpec || plan.Value is CodebookSpec { PerNeuron: true } or CodebookSpec { NeuronsPerCore: > 0 });

    /// <summary>
    /// The catalogue chips that <paramref name="spec"/> needs a targeted variant for, in catalogue order
    /// (<see cref="Changes"/>). Planned on a host network of the spec's shape (default weights: the plan
    /// reads only the layers' shapes), so the preset's grid is fixed before any data is loaded.
    /// </summary>
    public static IReadOnlyList<string> Needed(NetworkSpec spec)
    {
        using var cpu = new CpuBackend();
        using var probe = ModelZoo.Build(cpu, spec, 1);
        return Catalog.Where(c => Changes(ChipTargeting.Plan(probe, ChipConstraints.From(c)))).Select(c => c.Name).ToList();
    }

    /// <summary>
    /// Why the chip's plan refuses a network of <paramref name="spec"/>'s shape (the spec's own input shape: the
    /// 28 × 28 default before the dataset is known), or null when it can be trained for the chip. Lets a grid
    /// fail when it is parsed, not when the point runs.
    /// </summary>
    public static string? Refusal(NetworkSpec spec, string chip)
    {
        using var cpu = new CpuBackend();
        using var probe = ModelZoo.Build(cpu, spec, 1);
        var plan = ChipTargeting.Plan(probe, ChipConstraints.From(Find(chip)));
        return plan.Refused ? $"the {spec.Net} net cannot be trained for it: {string.Join("; ", plan.Impossible.Concat(plan.Unsupported))}" : null;
    }
}
