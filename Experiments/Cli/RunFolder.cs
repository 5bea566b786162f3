using Spectre.Console;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// An output folder claimed by one run: created and checked for writing before any work starts,
/// locked for the run's lifetime (a second run into the same folder is refused, not interleaved; the
/// OS releases the lock when the process dies, even on kill -9), and an earlier run found there is
/// continued (<c>--resume</c>), moved aside (<c>--overwrite</c>: into <c>replaced-&lt;UTC time&gt;/</c>,
/// every time a new folder, so nothing is ever lost) or refused.
/// </summary>
public sealed class RunFolder : IDisposable
{
    /// <summary>The lock file's name (hidden: it only carries the lock).</summary>
    public const string LockName = ".spikefit.lock";

    private readonly FileStream _lock;

    private RunFolder(FileStream lockFile, string? replaced)
    {
        _lock = lockFile;
        Replaced = replaced;
    }

    /// <summary>Where the earlier run's files went (with <c>--overwrite</c>), or null.</summary>
    public string? Replaced { get; }

    /// <summary>Claims <paramref name="dir"/> for a run whose main record is <paramref name="marker"/> (e.g. checkpoint.sfck).</summary>
    /// <exception cref="InvalidOperationException">Another run holds the folder, or it holds an earlier run and neither flag was given.</exception>
    /// <exception cref="ArgumentException">The folder cannot be created or written.</exception>
    public static RunFolder Claim(string dir, string marker, bool resume, bool overwrite)
    {
        FileStream lockFile;
        try
        {
            Directory.CreateDirectory(dir);
            lockFile = new FileStream(Path.Combine(dir, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ArgumentException($"--out {dir} cannot be written ({e.Message}); choose a folder you can write to.", e);
        }
        catch (IOException e) when (Directory.Exists(dir))
        {
            throw new InvalidOperationException($"another spikefit run is writing {dir} (it holds {Path.Combine(dir, LockName)}); wait for it to finish, or use another --out.", e);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"--out {dir} cannot be created ({e.Message}); choose a folder you can write to.", e);
        }
        try
        {
            string? replaced = null;
            var earlier = Directory.EnumerateFileSystemEntries(dir)
                .Where(p => Path.GetFileName(p) is var name && name != LockName && !name.StartsWith("replaced-", StringComparison.Ordinal))
                .ToList();
            bool earlierRun = File.Exists(Path.Combine(dir, marker)) || File.Exists(Path.Combine(dir, "run.json"));
            if (!resume && earlierRun)
            {
                if (!overwrite)
                    throw new InvalidOperationException($"{dir} holds an earlier run ({marker}). Add --resume to continue it, --overwrite to start afresh " +
                                                        "(its files are moved to replaced-<UTC time>/ in the same folder, not deleted), or choose another --out.");
                replaced = Path.Combine(dir, "replaced-" + OutputFile.Stamp());
                Directory.CreateDirectory(replaced);
                foreach (var entry in earlier)
                {
                    string target = Path.Combine(replaced, Path.GetFileName(entry));
                    if (Directory.Exists(entry)) Directory.Move(entry, target);
                    else File.Move(entry, target);
                }
            }
            if (replaced is not null)
                AnsiConsole.MarkupLine($"[yellow]--overwrite:[/] the earlier run's files are kept in {Markup.Escape(replaced)}");
            return new RunFolder(lockFile, replaced);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock (the lock file stays: deleting it could race a run that is just opening it).</summary>
    public void Dispose() => _lock.Dispose();
}
