using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// CAT with whole-network scope (DESIGN §4): one latent codebook of M values shared by every weighted
/// layer, projected to one b-bit grid with one scale. Each layer's <see cref="CodebookConstraint"/>
/// assigns and gathers against the shared projected codebook; the centroid gradient is the sum over
/// all layers of Σ_(a=m) ∂Ŵ. Layers compute their partial sums in their own backward; the first
/// layer (whose backward runs last) adds them up in layer order on the host (M values per layer,
/// so the sum is cheap and deterministic) and writes the codebook's gradient.
/// </summary>
public sealed class NetworkCodebook : IDisposable
{
    /// <summary>The name of the shared codebook tensor in checkpoints and snapshots.</summary>
    public const string ParameterName = "network.codebook";

    private readonly List<CodebookConstraint> _members = new();
    private readonly float[] _hostLatent, _hostProjected;

    public int M { get; }
    public int Bits { get; }
    public Parameter Codebook { get; }
    public DeviceBuffer<float> Projected { get; }
    public float Scale { get; private set; }

    public NetworkCodebook(Backend backend, int m, int bits, float learningRateScale)
    {
        CodebookMath.ValidateBits(bits);
        if (m < 2) throw new ArgumentException($"a codebook needs at least M = 2 values, got {m}.");
        if (m > 1 << bits) throw new ArgumentException($"M = {m} values do not fit a {bits}-bit grid (at most {1 << bits}).");
        M = m;
        Bits = bits;
        Codebook = new Parameter(backend, ParameterName, new[] { 1, m }, new float[m], decay: false) { LearningRateScale = learningRateScale };
        Projected = backend.Allocate<float>(m);
        _hostLatent = new float[m];
        _hostProjected = new float[m];
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

    /// <summary>Re-projects the latent codebook to the b-bit grid with distinct levels (as a per-layer codebook does).</summary>
    public void Project()
    {
        Codebook.Value.CopyTo(_hostLatent);
        Scale = DistinctLevels.Project(_hostLatent, _hostProjected, 1, M, Bits);
        Projected.CopyFrom(_hostProjected);
    }

    /// <summary>∂c = Σ over layers (in layer order) of each layer's partial centroid gradient.</summary>
    internal void SumGradients()
    {
        var total = new double[M];
        var partial = new float[M];
        foreach (var member in _members)
        {
            if (member.PartialSteps != _members[0].PartialSteps)
                throw new InvalidOperationException(
                    $"{ParameterName}: layer backward passes are out of step; the first weighted layer must run its backward last.");
            member.PartialGradient!.CopyTo(partial);
            for (int i = 0; i < M; i++) total[i] += partial[i];
        }
        Codebook.Grad.CopyFrom(total.Select(v => (float)v).ToArray());
    }

    public void Dispose()
    {
        Codebook.Dispose();
        Projected.Dispose();
    }
}
