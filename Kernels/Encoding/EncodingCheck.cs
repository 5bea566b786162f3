using SpikeFit.Kernels.Checks;

namespace SpikeFit.Kernels.Encoding;

// PLACEHOLDER: to be replaced by the real checks.
public static class EncodingCheck
{
    public static IEnumerable<KernelCheck> All() => Array.Empty<KernelCheck>();
}
