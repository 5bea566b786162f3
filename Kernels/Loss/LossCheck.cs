using SpikeFit.Kernels.Checks;

namespace SpikeFit.Kernels.Loss;

// PLACEHOLDER: to be replaced by the real checks.
public static class LossCheck
{
    public static IEnumerable<KernelCheck> All() => Array.Empty<KernelCheck>();
}
