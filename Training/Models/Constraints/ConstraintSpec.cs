using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// The recipe of one kind of weight constraint, stored as <see cref="NetworkSpec.Constraint"/> (and so
/// in checkpoint headers): its settings are the record's members, and it validates itself, describes
/// itself and builds the <see cref="WeightConstraint"/> of every weighted layer. A new constraint is
/// one subclass plus one <see cref="ConstraintSpecs.Register{TSpec}"/> line; <see cref="ModelZoo"/>,
/// <see cref="NetworkSpec"/> and the metrics only call these members.
/// </summary>
public abstract record ConstraintSpec
{
    /// <summary>Short text for <see cref="NetworkSpec.ToString"/> and logs, e.g. "CAT M=4 b=4 per layer".
    /// A method, not a property, so it is not written to JSON.</summary>
    public abstract string Describe();

    /// <summary>Throws an <see cref="ArgumentException"/> naming the setting and its valid range when
    /// this constraint cannot train <paramref name="network"/>. Called by <see cref="NetworkSpec.Validate"/>.</summary>
    public virtual void Validate(NetworkSpec network) { }

    /// <summary>The weight bits and the number of distinct values per scope this constraint trains to, where it
    /// has such a grid (CAT: b and M; TrueNorth's layout: b and its axon types); null for the others. A method,
    /// not a property, so it is not written to JSON.</summary>
    public virtual (int Bits, int Values)? ValueGrid() => null;

    /// <summary>
    /// The constraint of one weighted layer whose weight is laid out [<paramref name="rows"/> output
    /// channels, <paramref name="fanIn"/>], built when the layer is (its weights already hold their
    /// initial or warm-start values, so a codebook can be fitted to them).
    /// </summary>
    public abstract WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn);

    /// <summary>
    /// Starts building one network. The default gives each weighted layer its own <see cref="Create"/>;
    /// override it when layers share state (CAT's whole-network codebook).
    /// </summary>
    public virtual NetworkConstraints ForNetwork(Backend backend) => new(this, backend);
}

/// <summary>
/// The constraints of one network while <see cref="ModelZoo.Build"/> builds it: <see cref="Constrain"/>
/// is called for every weighted layer in network order, then <see cref="Complete"/> once with the
/// whole network (before any warm-start values are restored).
/// </summary>
public class NetworkConstraints
{
    protected ConstraintSpec Spec { get; }
    protected Backend Backend { get; }

    public NetworkConstraints(ConstraintSpec spec, Backend backend)
    {
        Spec = spec;
        Backend = backend;
    }

    public virtual WeightConstraint Constrain(Parameter weight, int rows, int fanIn) => Spec.Create(Backend, weight, rows, fanIn);

    public virtual void Complete(SpikingNetwork network) { }
}
