using SpikeFit.Kernels.Checks;

namespace SpikeFit.Kernels.Dense;

// PLACEHOLDER: to be replaced by the real checks.
public static class DenseCheck
{
    public static IEnumerable<KernelCheck> All() => Array.Empty<KernelCheck>();
}
