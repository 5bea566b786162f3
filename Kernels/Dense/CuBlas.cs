namespace SpikeFit.Kernels.Dense;

// PLACEHOLDER until the dense branch lands.
public static class CuBlas
{
    public static (string? Path, List<string> Tried) Probe() => (null, new List<string>());
}
