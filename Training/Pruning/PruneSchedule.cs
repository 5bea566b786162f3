namespace SpikeFit.Training.Pruning;

/// <summary>
/// The neuron budget per round. With R rounds and a final kept fraction k, the fraction kept after
/// round r is k^(r/R) (geometric: each round removes the same share of what is left, so late rounds,
/// when the network is already small, cut fewer neurons) or 1 − (1 − k)·r/R (linear: the same
/// number each round). The last round always lands on the budget exactly: round(k · original),
/// per layer or in total, and never below one unit per layer.
/// </summary>
public sealed record PruneSchedule(double Keep, int Rounds, PruneScheduleKind Kind = PruneScheduleKind.Geometric)
{
    public void Validate()
    {
        if (!(Keep > 0 && Keep <= 1)) throw new ArgumentException($"keep must be in (0, 1], got {Keep}.");
        if (Rounds < 1) throw new ArgumentException($"rounds must be at least 1, got {Rounds}.");
    }

    /// <summary>Fraction of the original units kept after round <paramref name="round"/> (1-based; 0 = before pruning).</summary>
    public double FractionAfter(int round)
    {
        if (round <= 0) return 1;
        if (round >= Rounds) return Keep;
        double x = (double)round / Rounds;
        return Kind == PruneScheduleKind.Geometric ? Math.Pow(Keep, x) : 1 - (1 - Keep) * x;
    }

    /// <summary>Units a layer of <paramref name="original"/> units keeps after <paramref name="round"/> (layer scope).</summary>
    public int LayerTarget(int original, int round) => Math.Max(1, (int)Math.Round(original * FractionAfter(round), MidpointRounding.AwayFromZero));

    /// <summary>Units all hidden layers keep together after <paramref name="round"/> (global scope).</summary>
    public int TotalTarget(IReadOnlyList<int> original, int round) =>
        Math.Max(original.Count, (int)Math.Round(original.Sum() * FractionAfter(round), MidpointRounding.AwayFromZero));
}
