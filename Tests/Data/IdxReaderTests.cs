using System.Buffers.Binary;
using SpikeFit.Training.Data;

namespace SpikeFit.Tests.Data;

public class IdxReaderTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    string Write(string name, byte[] bytes)
    {
        string path = _dir.Sub(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_round_trip_scaled_to_unit_range(bool gzip)
    {
        var payload = IdxFixtures.Images(7, 5, 3, seed: Environment.TickCount);
        string path = Write(gzip ? "img.gz" : "img", gzip ? IdxFixtures.Gzip(payload) : payload);

        var images = IdxReader.ReadImages(path);

        Assert.Equal((7, 5, 3, 15), (images.Count, images.Rows, images.Columns, images.PixelsPerImage));
        Assert.Equal(7 * 15, images.Pixels.Length);
        for (int i = 0; i < images.Pixels.Length; i++) Assert.Equal(payload[16 + i] / 255f, images.Pixels[i]);
        Assert.Equal(0f, images.Pixels[0]);
        Assert.Equal(1f, images.Pixels[1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_round_trip(bool gzip)
    {
        var payload = IdxFixtures.Labels(40, 10, seed: Environment.TickCount);
        string path = Write(gzip ? "lab.gz" : "lab", gzip ? IdxFixtures.Gzip(payload) : payload);

        var labels = IdxReader.ReadLabels(path, 10);

        Assert.Equal(payload.Skip(8).Select(b => (int)b), labels);
    }

    [Fact]
    public void Gzip_is_detected_from_content_not_name()
    {
        var payload = IdxFixtures.Labels(9, 10, 3);
        string rawNamedGz = Write("raw.gz", payload);
        string gzNamedRaw = Write("gz-without-suffix", IdxFixtures.Gzip(payload));
        Assert.Equal(IdxReader.ReadLabels(rawNamedGz), IdxReader.ReadLabels(gzNamedRaw));
    }

    [Fact]
    public void Label_file_read_as_images_names_the_file_and_the_expected_magic()
    {
        string path = Write("labels-not-images", IdxFixtures.Labels(4, 10, 1));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("wrong magic number 0x00000801", e.Message);
        Assert.Contains("a label file", e.Message);
        Assert.Contains("expected 0x00000803", e.Message);
    }

    [Fact]
    public void Image_file_read_as_labels_names_the_file_and_the_expected_magic()
    {
        string path = Write("images-not-labels.gz", IdxFixtures.Gzip(IdxFixtures.Images(2, 2, 2, 1)));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("expected 0x00000801", e.Message);
        Assert.Contains("an image file", e.Message);
    }

    [Fact]
    public void Non_idx_file_is_called_so()
    {
        string path = Write("readme", "hello, this is text"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not an IDX file", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_data_gives_expected_and_actual_sizes(bool gzip)
    {
        var payload = IdxFixtures.Images(6, 4, 4, 2); // 16 + 96 bytes
        var cut = payload[..100];
        string path = Write("cut", gzip ? IdxFixtures.Gzip(cut) : cut);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("needs 112 bytes", e.Message);
        Assert.Contains("has 100 bytes", e.Message);
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        var payload = IdxFixtures.Images(6, 4, 4, 2)[..10];
        string path = Write("short-header", payload);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("the header needs 16 bytes but the file has 10", e.Message);
    }

    [Fact]
    public void Empty_file_is_truncated()
    {
        string path = Write("empty", []);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Extra_bytes_after_the_data_are_reported()
    {
        var payload = IdxFixtures.Labels(5, 10, 2).Concat(new byte[] { 1, 2, 3 }).ToArray();
        string path = Write("long", payload);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("3 unexpected bytes", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_names_the_file()
    {
        var gz = IdxFixtures.Gzip(IdxFixtures.Images(20, 8, 8, 5));
        // Keep the gzip header, scramble the deflate stream.
        var rng = new Random(7);
        for (int i = 10; i < gz.Length - 8; i++) gz[i] = (byte)rng.Next(256);
        string path = Write("corrupt.gz", gz);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains("gzip") || e.Message.Contains("truncated"), e.Message);
    }

    [Fact]
    public void Truncated_gzip_names_the_file()
    {
        var gz = IdxFixtures.Gzip(IdxFixtures.Images(50, 8, 8, 5));
        string path = Write("half.gz", gz[..(gz.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains("gzip") || e.Message.Contains("truncated"), e.Message);
    }

    [Fact]
    public void Label_outside_class_range_names_file_index_and_value()
    {
        var payload = IdxFixtures.Labels(5, 10, 2);
        payload[8 + 3] = 12;
        string path = Write("bad-label", payload);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains(path, e.Message);
        Assert.Contains("label 3 is 12, outside [0, 10)", e.Message);
    }

    [Fact]
    public void Negative_dimension_is_reported()
    {
        var payload = IdxFixtures.Labels(5, 10, 2);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4), -5);
        string path = Write("negative", payload);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("negative size", e.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string path = _dir.Sub("nothing-here.gz");
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
    }
}
