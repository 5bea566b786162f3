using System.Collections.Concurrent;
using System.Globalization;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// A file a command will write (<c>--json</c>, <c>export --out</c>, <c>import --out</c>), claimed before
/// any work starts: its folder is created and probed for writing (so a bad path fails in the first
/// second, not after an epoch), and an earlier file there is refused unless <c>--overwrite</c> was
/// given. With <c>--overwrite</c> the earlier file is kept beside the new one as
/// <c>&lt;name&gt;.replaced-&lt;UTC time&gt;&lt;ext&gt;</c> at the moment the new one is written, a new name
/// every time, so no earlier record is ever lost.
/// </summary>
public static class OutputFile
{
    // Paths claimed by this process whose earlier file is still to be moved aside on the first write.
    private static readonly ConcurrentDictionary<string, bool> PendingKeep = new();

    /// <summary>Checks <paramref name="path"/> can be written and is not an earlier record (see the class remarks).</summary>
    /// <param name="option">The option that named the path, for the message (e.g. "--json").</param>
    /// <exception cref="ArgumentException">The path is a folder or cannot be written.</exception>
    /// <exception cref="InvalidOperationException">An earlier file is there and <paramref name="overwrite"/> is false.</exception>
    public static void Claim(string path, bool overwrite, string option)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new ArgumentException($"{option} {path} is a folder; give a file name, e.g. {Path.Combine(path, "out.json")}.");
        string dir = Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".{Path.GetFileName(full)}.probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option} {path} cannot be written ({e.Message}); choose a path in a folder you can write to.", e);
        }
        if (File.Exists(full))
        {
            if (!overwrite)
                throw new InvalidOperationException($"{option} {path} already exists (an earlier run's output). Add --overwrite to replace it " +
                                                    $"(the earlier file is kept as {Path.GetFileName(AsideName(full, "<UTC time>"))}), or choose another path.");
            PendingKeep[full] = true;
        }
    }

    /// <summary>Call just before writing <paramref name="path"/>: moves an earlier file claimed with --overwrite aside (once per process and path).</summary>
    /// <returns>Where the earlier file went, or null.</returns>
    public static string? BeforeWrite(string path)
    {
        string full = Path.GetFullPath(path);
        if (!PendingKeep.TryRemove(full, out _) || !File.Exists(full)) return null;
        return MoveAside(full);
    }

    /// <summary>The UTC time that names what an --overwrite keeps (<c>replaced-&lt;stamp&gt;</c>): sortable, to the millisecond.</summary>
    public static string Stamp() => DateTime.UtcNow.ToString("yyyyMMddTHHmmssfffZ", CultureInfo.InvariantCulture);

    /// <summary>Renames <paramref name="path"/> to <c>&lt;name&gt;.replaced-&lt;UTC time&gt;&lt;ext&gt;</c> beside it; returns the new path.</summary>
    public static string MoveAside(string path)
    {
        string full = Path.GetFullPath(path);
        string aside = AsideName(full, Stamp());
        File.Move(full, aside);
        return aside;
    }

    private static string AsideName(string full, string stamp) =>
        Path.Combine(Path.GetDirectoryName(full)!, $"{Path.GetFileNameWithoutExtension(full)}.replaced-{stamp}{Path.GetExtension(full)}");
}
