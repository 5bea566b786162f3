using System.Numerics;
using System.Runtime.CompilerServices;

namespace SpikeFit.Kernels.Encoding;

/// <summary>
/// <see cref="CounterRng"/> split by key word and vectorised over pixels for the managed path.
/// Hash(seed, sample, pixel, step) = Mix(Row(seed, sample) ^ pixel term) then Mix(· ^ step term),
/// so the first two mixes are per sample and the third per pixel, leaving one mix per element.
/// The constants mirror <see cref="CounterRng.Hash"/>; the exact Poisson check on the cpu backend
/// compares every output with the scalar hash, so any drift fails.
/// </summary>
internal static class CounterRngVector
{
    private static readonly Vector<uint> Lanes = CreateLanes();

    private static Vector<uint> CreateLanes()
    {
        Span<uint> lanes = stackalloc uint[Vector<uint>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = (uint)i;
        return new Vector<uint>(lanes);
    }

    /// <summary>State after the seed and sample words.</summary>
    public static uint Row(uint seed, uint sample)
    {
        uint h = CounterRng.Mix(seed ^ 0x9E3779B9u);
        return CounterRng.Mix(h ^ (sample * 0x85EBCA6Bu + 0x68E31DA4u));
    }

    /// <summary>States after the pixel word for pixels p0 .. p0 + Count − 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<uint> Pixels(uint row, uint p0) =>
        Mix(new Vector<uint>(row) ^ ((new Vector<uint>(p0) + Lanes) * new Vector<uint>(0xC2B2AE35u) + new Vector<uint>(0xB5297A4Du)));

    /// <summary>The step word's term, XORed into the pixel state before the last mix.</summary>
    public static uint StepTerm(uint step) => step * 0x27D4EB2Fu + 0x1B56C4E9u;

    /// <summary>Uniform [0, 1) values of <see cref="CounterRng.Uniform"/> for a vector of pixel states at one step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Uniform(Vector<uint> pixelState, uint stepTerm)
    {
        var h = Mix(pixelState ^ new Vector<uint>(stepTerm));
        // h >> 8 < 2^24 is exact as int and as float, and the scale is a power of two.
        return Vector.ConvertToSingle(Vector.AsVectorInt32(Vector.ShiftRightLogical(h, 8))) * new Vector<float>(1f / 16777216f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<uint> Mix(Vector<uint> x)
    {
        x ^= Vector.ShiftRightLogical(x, 16);
        x *= new Vector<uint>(0x7FEB352Du);
        x ^= Vector.ShiftRightLogical(x, 15);
        x *= new Vector<uint>(0x846CA68Bu);
        x ^= Vector.ShiftRightLogical(x, 16);
        return x;
    }
}
