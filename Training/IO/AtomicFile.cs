using System.Text;

namespace SpikeFit.Training.IO;

/// <summary>
/// Writes a file so that a reader (or the next run) sees either the old content or the whole new
/// content, never a half-written file: the content goes to a temporary file in the target's folder,
/// is flushed to disk (fsync), and is renamed over the target. A failure (an exception in the
/// callback, a full disk, Ctrl-C before the rename) leaves the target as it was and deletes the
/// temporary file. Every writer of checkpoints, deployed models, run records, tables and plots goes
/// through here, so they all behave the same way.
/// </summary>
/// <remarks>
/// The temporary file is <c>&lt;name&gt;.&lt;pid&gt;-&lt;random&gt;.tmp</c> next to the target: the same
/// folder keeps the rename on one file system (so it is atomic), and the process id plus a random
/// part keep concurrent writers of the same target (sweep shards, parallel tests) from sharing a
/// temporary file. The folder is created when missing. The rename itself is not followed by an
/// fsync of the folder (.NET cannot open folders), so after a power cut the old file may come back;
/// it is never a torn one.
/// </remarks>
public static class AtomicFile
{
    private static readonly Encoding Utf8NoBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        // A span cannot be captured by the callback; copy once (files written this way are small).
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> as UTF-8 without a byte-order mark (as <see cref="File.WriteAllText(string, string)"/> writes).</summary>
    public static void WriteAllText(string path, string text) => WriteText(path, writer => writer.Write(text));

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> writes to the given
    /// <see cref="TextWriter"/> (UTF-8 without a byte-order mark). The writer is flushed and closed
    /// here; the callback must not keep it.
    /// </summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, bufferSize: 1 << 16, leaveOpen: true);
            write(writer);
        });
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> writes to the given stream.
    /// The callback may wrap the stream in writers and dispose them: disposing does not close the
    /// underlying file, which is flushed to disk and renamed only after the callback returns.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Prepare(path);
        string tmp = TempPath(target, "");
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using (var guarded = new KeepOpenStream(file)) write(guarded);
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, target, overwrite: true);
        }
        finally
        {
            DeleteQuietly(tmp);
        }
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with the file <paramref name="writeTo"/> writes at the path it
    /// is given, for libraries that only write to a path (plot images). That temporary path ends in
    /// the target's extension, since such libraries pick the format from it.
    /// </summary>
    public static void WriteVia(string path, Action<string> writeTo)
    {
        ArgumentNullException.ThrowIfNull(writeTo);
        string target = Prepare(path);
        string tmp = TempPath(target, Path.GetExtension(target));
        try
        {
            writeTo(tmp);
            if (!File.Exists(tmp))
                throw new IOException($"Writing {target}: the writer did not create its temporary file {tmp}.");
            // The library closed its own handle; reopen to push the content to disk before the rename.
            using (var file = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                file.Flush(flushToDisk: true);
            File.Move(tmp, target, overwrite: true);
        }
        finally
        {
            DeleteQuietly(tmp);
        }
    }

    private static string Prepare(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string target = Path.GetFullPath(path);
        if (Directory.Exists(target))
            throw new IOException($"Cannot write {target}: it is a folder; give a file name.");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return target;
    }

    private static string TempPath(string target, string extension) =>
        $"{target}.{Environment.ProcessId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 4)}.tmp{extension}";

    private static void DeleteQuietly(string tmp)
    {
        // After a successful rename the temporary name no longer exists; after a failure it holds
        // an incomplete file. A failure to delete must not hide the exception that brought us here.
        try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Passes writes through to the file but ignores Dispose, so the callback's writers can be disposed safely.</summary>
    private sealed class KeepOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        public override void WriteByte(byte value) => inner.WriteByte(value);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            // Flush what writers buffered through us, but leave the file open for the fsync.
            if (disposing) inner.Flush();
            base.Dispose(disposing);
        }
    }
}
