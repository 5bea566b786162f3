using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

/// <summary>
/// Codebook layout: the weights are split into <see cref="Groups"/> consecutive runs of
/// <see cref="GroupLength"/> elements, each with its own M-entry codebook (codebooks [Groups, M]).
/// Per layer: Groups = 1; per output neuron (TrueNorth-style): Groups = outputs, GroupLength = inputs.
/// A whole-network codebook is one buffer passed to every layer.
/// </summary>
public readonly record struct CodebookShape(int Groups, int GroupLength, int M)
{
    public long Weights => (long)Groups * GroupLength;
    public int CodebookLength => Groups * M;

    public void Validate()
    {
        if (Groups <= 0 || GroupLength <= 0) throw new ArgumentException($"Codebook groups must be positive, got {Groups} x {GroupLength}.");
        if (M < 2) throw new ArgumentException($"A codebook needs M >= 2 values, got M={M}.");
        if (Weights > int.MaxValue) throw new ArgumentException("Weight tensor exceeds the 2^31 element limit.");
    }

    public override string ToString() => $"G={Groups} L={GroupLength} M={M}";
}

/// <summary>Clusterization-aware training kernels (DESIGN §4, CAT).</summary>
public interface ICodebookKernels
{
    /// <summary>
    /// a_i = argmin_m |W_i − c_(g,m)| (ties go to the lower index) and Ŵ_i = c_(g, a_i), fused.
    /// Codebooks need not be sorted (a linear scan over M). Distances are float32 |W − c|, so every
    /// backend picks the same index; a NaN weight gets index 0. The straight-through weight gradient
    /// is the identity (∂L/∂W = ∂L/∂Ŵ), so the trainer uses the ∂Ŵ buffer as ∂W directly: no copy, no kernel.
    /// </summary>
    void AssignGather(CodebookShape shape, DeviceBuffer<float> weights, DeviceBuffer<float> codebooks,
        DeviceBuffer<int> assignments, DeviceBuffer<float> quantized);

    /// <summary>∂L/∂c_(g,m) = Σ_(i in g, a_i = m) ∂L/∂Ŵ_i, written (not accumulated) to gradCodebooks [Groups, M];
    /// assignments outside [0, M) are ignored. Chunk partial sums then a fixed-order combine per
    /// centroid: bitwise reproducible on cpu (float64 partials) and on ILGPU for M ≤ 64; for larger M
    /// ILGPU sums with atomics (order, hence the last bits, may vary). Error ≤ 1e-5·Σ|∂Ŵ| of the members.</summary>
    void CentroidGradient(CodebookShape shape, DeviceBuffer<float> gradQuantized, DeviceBuffer<int> assignments,
        DeviceBuffer<float> gradCodebooks);

    /// <summary>
    /// b-bit projection of the latent codebooks (all groups of one layer share one scale):
    /// Δ = max|c| / (2^(b−1) − 1), q = clamp(round(c/Δ), −2^(b−1), 2^(b−1) − 1), projected = Δ·q.
    /// Writes Δ to scale[0]. Rounding is half away from zero. An all-zero codebook gives Δ = 0 and
    /// projected = 0. <paramref name="latent"/> and <paramref name="projected"/> may be the same buffer.
    /// Throws <see cref="ArgumentException"/> unless 2 ≤ bits ≤ 16. Sized for codebooks (count = Groups·M,
    /// up to a few thousand): the ILGPU version runs as one thread group.
    /// </summary>
    void Project(int count, int bits, DeviceBuffer<float> latent, DeviceBuffer<float> projected, DeviceBuffer<float> scale);

    /// <summary>
    /// CAT's projection with distinct levels (the device form of <c>DistinctLevels.Project</c>): the latent
    /// codebooks [groups, m] share one scale Δ = max|c| / d, d = 2^(b−1) when m = 2^b (every level is
    /// needed, −2^(b−1) included) else 2^(b−1) − 1; each value goes to Δ·clamp(round-half-away(c/Δ)),
    /// then, per group in ascending order of level (ties by index), a level not above its predecessor
    /// moves up one and, if that overflows the top, levels move down from the top, so each group keeps
    /// m distinct in-range levels. Δ (0 for an all-zero or non-finite codebook, which projects to 0) goes to
    /// scale[0]. max|c| is exact in any order, and the per-group fix is sequential, so every backend
    /// gives the same bits as the host function. <paramref name="latent"/> and <paramref name="projected"/>
    /// may be the same buffer. Throws unless 2 ≤ bits ≤ 16 and 1 ≤ m ≤ 2^b. Sized for codebooks: the
    /// ILGPU version runs as one thread group, one thread per group of m values.
    /// </summary>
    void ProjectDistinct(int groups, int m, int bits, DeviceBuffer<float> latent, DeviceBuffer<float> projected,
        DeviceBuffer<float> scale);

    /// <summary>Ŵ_i = c_(g, a_i) with given (frozen) assignments: Deep Compression's forward. Assignments must lie in [0, M).</summary>
    void Gather(CodebookShape shape, DeviceBuffer<float> codebooks, DeviceBuffer<int> assignments, DeviceBuffer<float> quantized);

    /// <summary>
    /// total[i] = partial[i] (when <paramref name="first"/>) or total[i] + partial[i], float32, for i &lt; count.
    /// Called once per layer in layer order, it sums a whole-network codebook's partial centroid
    /// gradients in a fixed order on the device (each call is one rounding per element).
    /// </summary>
    void Accumulate(int count, DeviceBuffer<float> partial, DeviceBuffer<float> total, bool first);
}
