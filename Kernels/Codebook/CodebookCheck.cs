using SpikeFit.Kernels.Checks;

namespace SpikeFit.Kernels.Codebook;

// PLACEHOLDER: to be replaced by the real checks.
public static class CodebookCheck
{
    public static IEnumerable<KernelCheck> All() => Array.Empty<KernelCheck>();
}
