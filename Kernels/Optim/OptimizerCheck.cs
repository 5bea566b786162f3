using SpikeFit.Kernels.Checks;

namespace SpikeFit.Kernels.Optim;

// PLACEHOLDER: to be replaced by the real checks.
public static class OptimizerCheck
{
    public static IEnumerable<KernelCheck> All() => Array.Empty<KernelCheck>();
}
