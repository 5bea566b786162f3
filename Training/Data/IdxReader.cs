using System.Buffers.Binary;
using System.IO.Compression;

namespace SpikeFit.Training.Data;

/// <summary>Images from one IDX file: <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Columns"/>
/// pixels, row-major, each pixel scaled from 0..255 to [0, 1].</summary>
/// <param name="Pixels">[Count, Rows·Columns] float32 pixels in [0, 1].</param>
public sealed record IdxImages(float[] Pixels, int Count, int Rows, int Columns)
{
    /// <summary>Pixels per image (Rows·Columns).</summary>
    public int PixelsPerImage => Rows * Columns;
}

/// <summary>
/// Reads IDX files (the MNIST family's format): a 4-byte big-endian magic <c>00 00 TT DD</c> (TT the
/// element type, DD the number of dimensions), DD big-endian int32 sizes, then the elements.
/// Only unsigned-byte files are read: labels (0x00000801) and images (0x00000803). Gzip is detected
/// from the content (1f 8b), not from the file name, so a raw file named .gz or a gzip file without
/// the suffix both work. Every error names the file and says what was wrong.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic of a label file: unsigned bytes, one dimension.</summary>
    public const int LabelMagic = 0x00000801;

    /// <summary>Magic of an image file: unsigned bytes, three dimensions (count, rows, columns).</summary>
    public const int ImageMagic = 0x00000803;

    static readonly float[] PixelScale = Enumerable.Range(0, 256).Select(b => b / 255f).ToArray();

    /// <summary>Reads a whole IDX file, decompressing it when it is gzip.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The gzip stream is corrupt.</exception>
    public static byte[] ReadPayload(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        byte[] raw = File.ReadAllBytes(path);
        return IsGzip(raw) ? Gunzip(raw, path) : raw;
    }

    /// <summary>True when the bytes start with the gzip signature 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>Decompresses a gzip file's bytes; <paramref name="path"/> is only used in error messages.</summary>
    public static byte[] Gunzip(byte[] compressed, string path)
    {
        // The gzip trailer's ISIZE (length mod 2^32) sizes the output once, so a 47 MB payload is
        // not grown and copied repeatedly; it is only a hint, since a corrupt trailer may lie.
        int hint = compressed.Length >= 18 ? BinaryPrimitives.ReadInt32LittleEndian(compressed.AsSpan(compressed.Length - 4)) : 0;
        if (hint <= 0 || hint > Array.MaxLength) hint = compressed.Length * 4;
        var output = GC.AllocateUninitializedArray<byte>(hint);
        int filled = 0;
        try
        {
            using var gz = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            while (true)
            {
                if (filled == output.Length)
                {
                    // Full: usually the hint was exact, so probe one byte before growing.
                    int b = gz.ReadByte();
                    if (b < 0) break;
                    // The hint was short (corrupt trailer, or concatenated gzip members): grow.
                    if (output.Length >= Array.MaxLength) throw new InvalidDataException("decompressed size exceeds 2 GiB");
                    Array.Resize(ref output, (int)Math.Min(Array.MaxLength, 2L * output.Length));
                    output[filled++] = (byte)b;
                }
                int n = gz.Read(output, filled, output.Length - filled);
                if (n == 0) break;
                filled += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"IDX file '{path}' is a corrupt gzip stream: {e.Message}", e);
        }
        if (filled != output.Length) Array.Resize(ref output, filled);
        return output;
    }

    /// <summary>Reads an image file (gzip or raw) into float32 pixels in [0, 1].</summary>
    public static IdxImages ReadImages(string path) => ParseImages(ReadPayload(path), path);

    /// <summary>Reads a label file (gzip or raw); every label must lie in [0, <paramref name="classes"/>).</summary>
    public static int[] ReadLabels(string path, int classes = 10) => ParseLabels(ReadPayload(path), path, classes);

    /// <summary>Parses a decompressed image payload; <paramref name="path"/> names the file in errors.</summary>
    public static IdxImages ParseImages(ReadOnlySpan<byte> payload, string path)
    {
        var dims = ParseHeader(payload, path, ImageMagic, "images (unsigned bytes, 3 dimensions: count, rows, columns)");
        int count = dims[0], rows = dims[1], cols = dims[2];
        if (rows == 0 || cols == 0) throw new InvalidDataException($"IDX file '{path}' declares images of {rows}×{cols} pixels; both sizes must be positive.");
        long pixels = (long)count * rows * cols;
        if (pixels > Array.MaxLength) throw new InvalidDataException($"IDX file '{path}' declares {count} images of {rows}×{cols} pixels, more than one array can hold.");
        var data = CheckLength(payload, path, headerBytes: 16, elements: pixels, what: $"{count} images of {rows}×{cols}");

        var result = GC.AllocateUninitializedArray<float>((int)pixels);
        // A 256-entry table gives exactly b / 255f (multiplying by 1/255f is off by an ulp for some
        // bytes) and keeps the loop a plain load-load-store: tens of ms for 47 M pixels.
        var table = PixelScale;
        for (int i = 0; i < result.Length; i++) result[i] = table[data[i]];
        return new IdxImages(result, count, rows, cols);
    }

    /// <summary>Parses a decompressed label payload; <paramref name="path"/> names the file in errors.</summary>
    public static int[] ParseLabels(ReadOnlySpan<byte> payload, string path, int classes = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
        var dims = ParseHeader(payload, path, LabelMagic, "labels (unsigned bytes, 1 dimension: count)");
        int count = dims[0];
        var data = CheckLength(payload, path, headerBytes: 8, elements: count, what: $"{count} labels");
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int v = data[i];
            if (v >= classes)
                throw new InvalidDataException($"IDX file '{path}': label {i} is {v}, outside [0, {classes}); the file is corrupt or the dataset has more than {classes} classes.");
            labels[i] = v;
        }
        return labels;
    }

    /// <summary>Checks the magic and reads the dimension sizes.</summary>
    static int[] ParseHeader(ReadOnlySpan<byte> payload, string path, int expectedMagic, string expectedWhat)
    {
        if (payload.Length < 4)
            throw new InvalidDataException($"IDX file '{path}' is truncated: {payload.Length} bytes, too short for the 4-byte magic number.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(payload);
        if (magic != expectedMagic)
            throw new InvalidDataException(
                $"IDX file '{path}' has the wrong magic number 0x{magic:X8} ({DescribeMagic(magic)}); expected 0x{expectedMagic:X8}, {expectedWhat}.");
        int ndims = expectedMagic & 0xFF;
        int headerBytes = 4 + 4 * ndims;
        if (payload.Length < headerBytes)
            throw new InvalidDataException($"IDX file '{path}' is truncated: the header needs {headerBytes} bytes but the file has {payload.Length}.");
        var dims = new int[ndims];
        for (int d = 0; d < ndims; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(payload[(4 + 4 * d)..]);
            if (dims[d] < 0) throw new InvalidDataException($"IDX file '{path}' declares a negative size {dims[d]} for dimension {d}.");
        }
        return dims;
    }

    static ReadOnlySpan<byte> CheckLength(ReadOnlySpan<byte> payload, string path, int headerBytes, long elements, string what)
    {
        long expected = headerBytes + elements;
        if (payload.Length < expected)
            throw new InvalidDataException(
                $"IDX file '{path}' is truncated: its header declares {what}, which needs {expected} bytes, but the (decompressed) file has {payload.Length} bytes.");
        if (payload.Length > expected)
            throw new InvalidDataException(
                $"IDX file '{path}' has {payload.Length - expected} unexpected bytes after the data: its header declares {what} ({expected} bytes) but the (decompressed) file has {payload.Length} bytes.");
        return payload.Slice(headerBytes, (int)elements);
    }

    /// <summary>Says what a magic number looks like, so "wrong magic" errors hint at the mix-up.</summary>
    static string DescribeMagic(int magic)
    {
        if (magic == LabelMagic) return "a label file";
        if (magic == ImageMagic) return "an image file";
        if ((magic >> 16) != 0) return "not an IDX file";
        string type = ((magic >> 8) & 0xFF) switch
        {
            0x08 => "unsigned byte",
            0x09 => "signed byte",
            0x0B => "int16",
            0x0C => "int32",
            0x0D => "float32",
            0x0E => "float64",
            _ => "unknown element type",
        };
        return $"IDX {type} data with {magic & 0xFF} dimensions";
    }
}
