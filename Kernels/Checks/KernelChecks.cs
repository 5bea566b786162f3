using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Conv;
using SpikeFit.Kernels.Dense;
using SpikeFit.Kernels.Encoding;
using SpikeFit.Kernels.Lif;
using SpikeFit.Kernels.Loss;
using SpikeFit.Kernels.Optim;

namespace SpikeFit.Kernels.Checks;

/// <summary>Every kernel check, in the order <c>check-kernels</c> prints them.</summary>
public static class KernelChecks
{
    public static IReadOnlyList<KernelCheck> All() =>
        LifCheck.All()
            .Concat(DenseCheck.All())
            .Concat(CodebookCheck.All())
            .Concat(Quantize.QuantizerCheck.All())
            .Concat(LossCheck.All())
            .Concat(OptimizerCheck.All())
            .Concat(EncodingCheck.All())
            .Concat(ConvCheck.All())
            .Concat(SpikeConvCheck.All())
            .Concat(TinySnnCheck.All())
            .Concat(Hopfield.HopfieldCheck.All())
            .ToList();
}
