namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// A layer's deployed weights in integer form, as the exporter writes them (Training/Deploy/DEPLOY.md):
/// weight (r, j) = 0 where <see cref="Mask"/> says the synapse is absent, else
/// Δ·<see cref="Levels"/>[group(r), a(r, j)], with group(r) = <see cref="GroupOfRow"/>[r] and
/// a(r, j) = <see cref="AxonTypes"/>[core(r), j] (TrueNorth layout) or <see cref="Assignments"/>[r, j].
/// </summary>
/// <param name="M">Values per group.</param>
/// <param name="Bits">Grid bits b of the levels.</param>
/// <param name="Scale">Δ.</param>
/// <param name="Levels">Integer levels [Groups, M].</param>
/// <param name="Scope">Which rows share a group of levels: Layer (1 group), Neuron (one per row) or Core (one per core).</param>
/// <param name="Assignments">Index a ∈ [0, M) of every weight [rows, fanIn].</param>
/// <param name="CoreOfRow">Core of each row (per-core scopes, TrueNorth, trained partitions); null: none.</param>
/// <param name="AxonTypes">TrueNorth: the type of every input column of every core [cores, fanIn]; null otherwise.</param>
/// <param name="Mask">Which synapses exist [rows, fanIn]; null: all.</param>
public sealed record DeployableWeights(int M, int Bits, float Scale, int[] Levels, Hardware.CodebookScope Scope, int[] Assignments,
    int[]? CoreOfRow = null, int[]? AxonTypes = null, bool[]? Mask = null);

/// <summary>A weight constraint whose weights can be exported for integer-only inference.</summary>
public interface IDeployableWeights
{
    /// <summary>The weights as integers; the exporter checks they decode to <see cref="WeightConstraint.EffectiveWeights"/> value for value.</summary>
    DeployableWeights Deployable();
}
