using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// CAT with whole-network scope (DESIGN §4): one latent codebook of M values shared by every weighted
/// layer, projected to one b-bit grid with one scale. Each layer's <see cref="CodebookConstraint"/>
/// assigns and gathers against the shared projected codebook; the centroid gradient is the sum over
/// all layers of Σ_(a=m) ∂Ŵ. Layers compute their partial sums in their own backward; the first
/// layer (whose backward runs last) adds them up in layer order on the device (a fixed order, so
/// the sum is deterministic) into the codebook's gradient. Projection also runs on the device;
/// only <see cref="Scale"/> reads back (for export).
/// </summary>
public sealed class NetworkCodebook : IDisposable
{
    /// <summary>The name of the shared codebook tensor in checkpoints and snapshots.</summary>
    public const string ParameterName = "network.codebook";

    private readonly List<CodebookConstraint> _members = new();
    private readonly Backend _backend;
    /// <summary>Δ of the projection, on the device.</summary>
    private readonly DeviceBuffer<float> _scale;

    public int M { get; }
    public int Bits { get; }
    public Parameter Codebook { get; }
    public DeviceBuffer<float> Projected { get; }
    /// <summary>Δ of the projected codebook, read back from the device (export and reports, not the training step).</summary>
    public float Scale => _scale.ToArray()[0];

    public NetworkCodebook(Backend backend, int m, int bits, float learningRateScale)
    {
        CodebookMath.ValidateBits(bits);
        if (m < 2) throw new ArgumentException($"a codebook needs at least M = 2 values, got {m}.");
        if (m > 1 << bits) throw new ArgumentException($"M = {m} values do not fit a {bits}-bit grid (at most {1 << bits}).");
        M = m;
        Bits = bits;
        Codebook = new Parameter(backend, ParameterName, new[] { 1, m }, new float[m], decay: false) { LearningRateScale = learningRateScale };
        Projected = backend.Allocate<float>(m);
        _backend = backend;
        _scale = backend.Allocate<float>(1);
    }

    internal void Join(CodebookConstraint member) => _members.Add(member);

    /// <summary>Whether <paramref name="member"/> owns the shared tensor (lists it, projects it, sums its gradient).</summary>
    internal bool IsOwner(CodebookConstraint member) => _members.Count > 0 && ReferenceEquals(_members[0], member);

    /// <summary>Sets the latent codebook (sorted ascending) and projects it.</summary>
    public void Initialise(float[] codebook)
    {
        if (codebook.Length != M) throw new ArgumentException($"{ParameterName}: {codebook.Length} values given, M = {M}.");
        Codebook.Value.CopyFrom(codebook);
        Project();
    }

    /// <summary>Re-projects the latent codebook to the b-bit grid with distinct levels (as a per-layer codebook does), on the device.</summary>
    public void Project() => _backend.Codebook.ProjectDistinct(1, M, Bits, Codebook.Value, Projected, _scale);

    /// <summary>∂c = Σ over layers (in layer order) of each layer's partial centroid gradient, summed on the device in float32.</summary>
    internal void SumGradients()
    {
        for (int l = 0; l < _members.Count; l++)
        {
            var member = _members[l];
            if (member.PartialSteps != _members[0].PartialSteps)
                throw new InvalidOperationException(
                    $"{ParameterName}: layer backward passes are out of step; the first weighted layer must run its backward last.");
            _backend.Codebook.Accumulate(M, member.PartialGradient!, Codebook.Grad, first: l == 0);
        }
    }

    public void Dispose()
    {
        Codebook.Dispose();
        Projected.Dispose();
        _scale.Dispose();
    }
}
