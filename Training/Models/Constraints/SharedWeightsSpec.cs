using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Models.Constraints;

// In SpikeFit.Training.Models with NetworkSpec (source compatibility, see CodebookSpec.cs).
namespace SpikeFit.Training.Models;

/// <summary>
/// Deep Compression weight sharing (baseline 6): M float centroids per layer, assignments frozen,
/// centroids fine-tuned. Registered as "shared-weights".
/// </summary>
public sealed record SharedWeightsSpec(int M = 4, CodebookInit Init = CodebookInit.Linear) : ConstraintSpec
{
    public override string Describe() => $"shared weights M={M}";

    public override void Validate(NetworkSpec network)
    {
        if (M < 2) throw new ArgumentException($"shared-weights M must be at least 2, got {M}.");
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        new SharedWeightsConstraint(backend, weight, rows, fanIn, M, Init == CodebookInit.Linear ? KMeansInit.Linear : KMeansInit.PlusPlus);
}
