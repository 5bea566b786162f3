namespace SpikeFit.Kernels.Dense;

/// <summary>
/// The input precision of GEMMs (<see cref="IDenseKernels.Precision"/>). Accumulation is always
/// float32. <see cref="Tf32"/> rounds both operands to 10 explicit mantissa bits (NVIDIA's TF32),
/// <see cref="Bf16"/> to 7 (bfloat16), round to nearest even, exponent range unchanged. Spikes (0, 1)
/// are exact in both, so a spiking operand loses nothing; weights and gradients do.
/// </summary>
public enum GemmPrecision { Fp32, Tf32, Bf16 }

/// <summary>The rounding behind <see cref="GemmPrecision"/>, shared by every backend and the references.</summary>
public static class GemmRounding
{
    /// <summary>Explicit mantissa bits kept: 23 (float32, unchanged), 10 (TF32), 7 (bfloat16).</summary>
    public static int MantissaBits(GemmPrecision p) => p switch
    {
        GemmPrecision.Tf32 => 10,
        GemmPrecision.Bf16 => 7,
        _ => 23,
    };

    /// <summary>x rounded to nearest even at <paramref name="mantissaBits"/> explicit bits; ±∞ and NaN pass unchanged
    /// (a value that rounds past the largest float becomes ±∞, as in hardware conversions).</summary>
    public static float Round(float x, int mantissaBits)
    {
        uint u = BitConverter.SingleToUInt32Bits(x);
        return BitConverter.UInt32BitsToSingle(RoundBits(u, mantissaBits));
    }

    public static float Round(float x, GemmPrecision p) => p == GemmPrecision.Fp32 ? x : Round(x, MantissaBits(p));

    /// <summary>The rounding on the bit pattern (also what the ILGPU kernel computes).</summary>
    public static uint RoundBits(uint u, int mantissaBits)
    {
        if (mantissaBits >= 23 || (u & 0x7F800000u) == 0x7F800000u) return u;
        int drop = 23 - mantissaBits;
        uint lsb = (u >> drop) & 1u;
        uint mask = (1u << drop) - 1u;
        return (u + (mask >> 1) + lsb) & ~mask;
    }

    /// <summary>Parses fp32, tf32 or bf16 (the CLI's --precision).</summary>
    public static GemmPrecision Parse(string text) => text.ToLowerInvariant() switch
    {
        "fp32" => GemmPrecision.Fp32,
        "tf32" => GemmPrecision.Tf32,
        "bf16" => GemmPrecision.Bf16,
        _ => throw new ArgumentException($"Unknown precision '{text}': use fp32, tf32 or bf16."),
    };

    public static string CliName(this GemmPrecision p) => p.ToString().ToLowerInvariant();
}
