using System.Text;
using SpikeFit.Training.IO;

namespace SpikeFit.Tests.IO;

/// <summary>AtomicFile: the content lands whole, the temporary file never stays, and the target changes only on success.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"spikefit-atomic-{Guid.NewGuid():N}");

    public AtomicFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every file in the folder besides the target: any left is a leaked temporary file.</summary>
    private string[] Others(string target) => Directory.GetFiles(_dir).Where(f => f != target).ToArray();

    [Fact]
    public void Bytes_land_whole_and_no_temporary_file_stays()
    {
        string path = Path.Combine(_dir, "model.bin");
        var bytes = new byte[300_000];
        new Random(5).NextBytes(bytes);
        AtomicFile.WriteAllBytes(path, bytes);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Empty(Others(path));
    }

    [Fact]
    public void Text_is_utf8_without_a_byte_order_mark_and_replaces_the_old_content()
    {
        string path = Path.Combine(_dir, "run.json");
        File.WriteAllText(path, "an older, longer content that must not survive in part");
        AtomicFile.WriteAllText(path, "{\"β\": 1}");
        Assert.Equal(Encoding.UTF8.GetBytes("{\"β\": 1}"), File.ReadAllBytes(path));
        Assert.Empty(Others(path));
    }

    [Fact]
    public void Stream_callback_may_dispose_its_writers_and_the_content_still_lands()
    {
        string path = Path.Combine(_dir, "table.csv");
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream); // closes what it was given: must not close the file
            writer.Write("a,b\n1,2\n");
        });
        AtomicFile.WriteText(Path.Combine(_dir, "text.csv"), w => w.Write("x\n"));
        Assert.Equal("a,b\n1,2\n", File.ReadAllText(path));
        Assert.Equal("x\n", File.ReadAllText(Path.Combine(_dir, "text.csv")));
        Assert.Equal(2, Directory.GetFiles(_dir).Length);
    }

    [Fact]
    public void An_exception_in_the_callback_keeps_the_old_file_and_removes_the_temporary_one()
    {
        string path = Path.Combine(_dir, "checkpoint.sfck");
        File.WriteAllText(path, "old");
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(Encoding.UTF8.GetBytes("half of the new content"));
            stream.Flush();
            throw new InvalidOperationException("disk full (simulated)");
        }));
        Assert.Equal("disk full (simulated)", e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(Others(path));
    }

    [Fact]
    public void A_failed_first_write_creates_no_target()
    {
        string path = Path.Combine(_dir, "never.json");
        Assert.Throws<IOException>(() => AtomicFile.WriteText(path, w => { w.Write("partial"); throw new IOException("boom"); }));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void WriteVia_hands_a_temporary_path_with_the_target_extension_and_renames_it()
    {
        string path = Path.Combine(_dir, "plot.png");
        string? given = null;
        AtomicFile.WriteVia(path, tmp => { given = tmp; File.WriteAllText(tmp, "png bytes"); });
        Assert.Equal("png bytes", File.ReadAllText(path));
        Assert.EndsWith(".png", given);
        Assert.Equal(_dir, Path.GetDirectoryName(given));
        Assert.NotEqual(path, given);
        Assert.Empty(Others(path));

        File.WriteAllText(path, "old plot");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteVia(path, tmp => { File.WriteAllText(tmp, "half"); throw new InvalidOperationException(); }));
        Assert.Equal("old plot", File.ReadAllText(path));
        Assert.Empty(Others(path));
        var missing = Assert.Throws<IOException>(() => AtomicFile.WriteVia(path, _ => { }));
        Assert.Contains("did not create", missing.Message);
        Assert.Equal("old plot", File.ReadAllText(path));
    }

    [Fact]
    public void Missing_folders_are_created_and_a_folder_target_is_refused()
    {
        string path = Path.Combine(_dir, "a", "b", "run.json");
        AtomicFile.WriteAllText(path, "{}");
        Assert.Equal("{}", File.ReadAllText(path));
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(Path.Combine(_dir, "a"), "{}"));
        Assert.Contains("is a folder", e.Message);
    }
}
