namespace SpikeFit.Training.Pruning;

/// <summary>How hidden neurons are ranked for removal (DESIGN §4): SpikeFit's FSC and the baselines it is compared with.</summary>
public enum PruneCriterion
{
    /// <summary>Fisher spike contribution: FSC_i = (1/2N) Σ_n (Σ_t Σ_pos s·∂L_n/∂s)².</summary>
    Fsc,
    /// <summary>First-order Taylor (Molchanov et al. 2017): |(1/N) Σ_n Σ_t Σ_pos s·∂L_n/∂s|.</summary>
    Taylor,
    /// <summary>L1 norm of the neuron's incoming weights Ŵ (as the forward pass uses them).</summary>
    Magnitude,
    /// <summary>Mean spikes per step (a conv channel averages over its positions).</summary>
    FiringRate,
    /// <summary>Uniform random scores from a seed.</summary>
    Random,
}

/// <summary>Whether every layer loses the same fraction, or neurons compete across layers.</summary>
public enum PruneScope
{
    /// <summary>Each hidden layer keeps the same fraction of its own neurons.</summary>
    Layer,
    /// <summary>
    /// One ranking over all hidden layers, each layer's scores divided by that layer's mean score
    /// first, so layers whose scores live on different scales (wide vs narrow layers, conv vs dense)
    /// compete on importance relative to their neighbours; every layer keeps at least one neuron.
    /// </summary>
    Global,
}

/// <summary>How the neuron budget is approached over the rounds.</summary>
public enum PruneScheduleKind
{
    /// <summary>The kept fraction after round r of R is keep^(r/R): every round removes the same share of what is left.</summary>
    Geometric,
    /// <summary>The kept fraction falls linearly, 1 − (1 − keep)·r/R: every round removes the same number of neurons.</summary>
    Linear,
}

/// <summary>Command-line names of the criteria (fsc, taylor, magnitude, firing-rate, random).</summary>
public static class PruneCriteria
{
    public static readonly IReadOnlyList<string> Names = new[] { "fsc", "taylor", "magnitude", "firing-rate", "random" };

    public static string CliName(this PruneCriterion c) => c switch
    {
        PruneCriterion.FiringRate => "firing-rate",
        _ => c.ToString().ToLowerInvariant(),
    };

    public static PruneCriterion Parse(string name) => name.ToLowerInvariant() switch
    {
        "fsc" => PruneCriterion.Fsc,
        "taylor" => PruneCriterion.Taylor,
        "magnitude" => PruneCriterion.Magnitude,
        "firing-rate" or "firingrate" or "rate" => PruneCriterion.FiringRate,
        "random" => PruneCriterion.Random,
        _ => throw new ArgumentException($"Unknown pruning criterion '{name}': use {string.Join(", ", Names)}."),
    };
}
