using System.Runtime.CompilerServices;

namespace SpikeFit.Kernels.Encoding;

/// <summary>
/// Counter-based random numbers: a pure function of (seed, sample, pixel, step), so results do
/// not depend on thread layout or backend. Integer-only (ILGPU compiles it for every target);
/// the mixer is a 32-bit xorshift-multiply finaliser applied once per key word.
/// </summary>
public static class CounterRng
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        x ^= x >> 16;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(uint seed, uint sample, uint pixel, uint step)
    {
        uint h = Mix(seed ^ 0x9E3779B9u);
        h = Mix(h ^ (sample * 0x85EBCA6Bu + 0x68E31DA4u));
        h = Mix(h ^ (pixel * 0xC2B2AE35u + 0xB5297A4Du));
        h = Mix(h ^ (step * 0x27D4EB2Fu + 0x1B56C4E9u));
        return h;
    }

    /// <summary>Uniform in [0, 1) with 24 bits of resolution (exact in float32 and float64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(uint seed, uint sample, uint pixel, uint step) =>
        (Hash(seed, sample, pixel, step) >> 8) * (1f / 16777216f);
}
