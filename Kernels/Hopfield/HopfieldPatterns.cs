using SpikeFit.Kernels.Encoding;

namespace SpikeFit.Kernels.Hopfield;

/// <summary>
/// Random ±1 patterns from a counter-based hash: ξ^μ_i is a pure function of (seed, μ, i), so every
/// backend, thread layout and run sees the same patterns, and pattern μ does not change when M grows.
/// </summary>
public static class HopfieldPatterns
{
    /// <summary>Key word that separates pattern bits from the other users of <see cref="CounterRng"/>.</summary>
    private const uint Stream = 0x486F7066; // "Hopf"

    public static float Bit(uint seed, int mu, int i) =>
        (CounterRng.Hash(seed, (uint)mu, (uint)i, Stream) & 1u) != 0 ? 1f : -1f;

    /// <summary>Patterns [m, n], row μ = ξ^μ.</summary>
    public static float[] Generate(uint seed, int m, int n)
    {
        var p = new float[(long)m * n];
        Parallel.For(0, m, mu =>
        {
            for (int i = 0; i < n; i++) p[(long)mu * n + i] = Bit(seed, mu, i);
        });
        return p;
    }
}
