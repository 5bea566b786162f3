using SpikeFit.Training.Pruning.Criteria;

namespace SpikeFit.Training.Pruning;

/// <summary>
/// How hidden neurons are ranked for removal (DESIGN §4): SpikeFit's FSC and the baselines it is
/// compared with. One subclass per criterion, registered once in <see cref="PruneCriteria"/> (whose
/// names are the CLI's <c>--criterion</c> values and the experiment engine's <c>cat-prune-&lt;name&gt;</c>
/// methods); <see cref="NeuronScores.Compute"/> measures the activity statistics a data-driven one reads.
/// </summary>
public abstract class PruneCriterion
{
    /// <summary>The registered name: lower case, no spaces (e.g. "firing-rate").</summary>
    public abstract string Name { get; }

    /// <summary>Other names <see cref="PruneCriteria.Parse"/> accepts (e.g. "rate").</summary>
    public virtual IReadOnlyList<string> Aliases => Array.Empty<string>();

    /// <summary>Whether <see cref="Score"/> reads <see cref="PruneScoringContext.Activity"/>, measured by a
    /// forward and backward pass over scoring batches; false: the data is never touched.</summary>
    public abstract bool NeedsData { get; }

    /// <summary>One score per prunable unit (dense neuron or conv channel) of every hidden layer of
    /// <see cref="PruneScoringContext.Hidden"/>, in order; higher is more important.</summary>
    public abstract IReadOnlyList<double[]> Score(PruneScoringContext context);

    public override string ToString() => Name;

    /// <summary>Fisher spike contribution: FSC_i = (1/2N) Σ_n (Σ_t Σ_pos s·∂L_n/∂s)².</summary>
    public static PruneCriterion Fsc { get; } = new FscCriterion();
    /// <summary>First-order Taylor (Molchanov et al. 2017): |(1/N) Σ_n Σ_t Σ_pos s·∂L_n/∂s|.</summary>
    public static PruneCriterion Taylor { get; } = new TaylorCriterion();
    /// <summary>L1 norm of the neuron's incoming weights Ŵ (as the forward pass uses them).</summary>
    public static PruneCriterion Magnitude { get; } = new MagnitudeCriterion();
    /// <summary>Mean spikes per step (a conv channel averages over its positions).</summary>
    public static PruneCriterion FiringRate { get; } = new FiringRateCriterion();
    /// <summary>Uniform random scores from a seed.</summary>
    public static PruneCriterion Random { get; } = new RandomCriterion();
}

/// <summary>What a <see cref="PruneCriterion"/> scores: the network, its hidden layers, the seed of the
/// round, and (for a criterion that <see cref="PruneCriterion.NeedsData"/>) the measured activity.</summary>
public sealed class PruneScoringContext
{
    private readonly ActivityStatistics? _activity;

    public PruneScoringContext(Models.SpikingNetwork network, IReadOnlyList<HiddenLayer> hidden, int seed, ActivityStatistics? activity)
    {
        Network = network;
        Hidden = hidden;
        Seed = seed;
        _activity = activity;
    }

    public Models.SpikingNetwork Network { get; }
    /// <summary>The hidden stages lif1..lifL, in network order (<see cref="HiddenLayer.Of"/>).</summary>
    public IReadOnlyList<HiddenLayer> Hidden { get; }
    /// <summary>Seeds a random criterion: the same seed gives the same ranking.</summary>
    public int Seed { get; }
    /// <summary>FSC, Taylor and firing rate of one measuring pass (<see cref="NeuronScores.Measure"/>).</summary>
    public ActivityStatistics Activity => _activity
        ?? throw new InvalidOperationException("This criterion reads activity statistics: declare NeedsData = true so they are measured.");
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
