namespace SpikeFit.Training.Deploy;

/// <summary>
/// Packs codebook indices into a little-endian bit stream of <see cref="IndexBits"/> bits each:
/// index k occupies bits [k·w, k·w + w) of the stream, where bit i of the stream is bit (i mod 8)
/// of byte i / 8 (least significant bit first), and the index's own least significant bit comes
/// first. Widths that divide 8 (1, 2, 4, 8) never straddle a byte; others (3, 5, …) may. Unused
/// high bits of the last byte are zero.
/// </summary>
public static class IndexPacking
{
    /// <summary>Bits per index for an M-value codebook: ⌈log2 M⌉ (M = 2 → 1, 3 and 4 → 2, 16 → 4).</summary>
    public static int IndexBits(int m)
    {
        if (m < 2 || m > 1 << 16) throw new ArgumentOutOfRangeException(nameof(m), $"M must be 2..65536, got {m}.");
        int bits = 0;
        while (1 << bits < m) bits++;
        return bits;
    }

    /// <summary>Bytes that <paramref name="count"/> indices of <paramref name="bits"/> bits take: ⌈count·bits / 8⌉.</summary>
    public static long PackedLength(long count, int bits) => (count * bits + 7) / 8;

    /// <summary>Packs <paramref name="indices"/> (each in [0, 2^bits)) into a new byte array.</summary>
    public static byte[] Pack(ReadOnlySpan<int> indices, int bits)
    {
        CheckBits(bits);
        var packed = new byte[PackedLength(indices.Length, bits)];
        uint limit = 1u << bits;
        long bit = 0;
        for (int k = 0; k < indices.Length; k++, bit += bits)
        {
            int v = indices[k];
            if ((uint)v >= limit) throw new ArgumentOutOfRangeException(nameof(indices), $"index {v} at {k} does not fit {bits} bits.");
            // Spread the value over at most three bytes (bits ≤ 16, start offset ≤ 7).
            uint shifted = (uint)v << (int)(bit & 7);
            long at = bit >> 3;
            for (int b = 0; shifted != 0; b++, shifted >>= 8) packed[at + b] |= (byte)shifted;
        }
        return packed;
    }

    /// <summary>Unpacks <paramref name="count"/> indices of <paramref name="bits"/> bits from <paramref name="packed"/>.</summary>
    public static int[] Unpack(ReadOnlySpan<byte> packed, int count, int bits)
    {
        CheckBits(bits);
        if (packed.Length < PackedLength(count, bits))
            throw new ArgumentException($"{packed.Length} bytes cannot hold {count} indices of {bits} bits.");
        var indices = new int[count];
        uint mask = (1u << bits) - 1;
        long bit = 0;
        for (int k = 0; k < count; k++, bit += bits)
        {
            long at = bit >> 3;
            uint window = packed[(int)at];
            if (at + 1 < packed.Length) window |= (uint)packed[(int)at + 1] << 8;
            if (at + 2 < packed.Length) window |= (uint)packed[(int)at + 2] << 16;
            indices[k] = (int)((window >> (int)(bit & 7)) & mask);
        }
        return indices;
    }

    private static void CheckBits(int bits)
    {
        if (bits < 1 || bits > 16) throw new ArgumentOutOfRangeException(nameof(bits), $"index width must be 1..16 bits, got {bits}.");
    }
}
