using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models.Constraints;

// In SpikeFit.Training.Models with NetworkSpec, as the other constraint specs.
namespace SpikeFit.Training.Models;

/// <summary>
/// DKM (Cho et al., ICLR 2022): soft k-means to M centroids inside every forward, differentiated end to
/// end, snapped to hard assignments after training. <see cref="Temperature"/> is τ in units of the
/// standard deviation of each layer's starting weights; <see cref="Iterations"/> fixed-point iterations
/// per forward; the centroids start from k-means++ (seed <see cref="InitSeed"/>). Registered as "dkm".
/// </summary>
public sealed record DkmSpec(int M = 4, float Temperature = 0.1f, int Iterations = 3, int InitSeed = 0) : ConstraintSpec
{
    public override string Describe() => $"DKM M={M} τ={Temperature}·std";

    public override void Validate(NetworkSpec network)
    {
        if (M < 2) throw new ArgumentException($"DKM M must be at least 2, got {M}.");
        if (!(Temperature > 0)) throw new ArgumentException($"DKM temperature must be > 0 (in units of the weights' standard deviation), got {Temperature}.");
        if (Iterations is < 0 or > 100) throw new ArgumentException($"DKM iterations must be 0..100, got {Iterations}.");
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        new DkmConstraint(backend, weight, rows, fanIn, M, Temperature, Iterations, InitSeed);
}
