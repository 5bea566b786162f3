using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace SpikeFit.Kernels.Devices;

/// <summary>
/// ILGPU imports the CUDA driver as "cuda", which the .NET loader turns into libcuda.so. Many
/// machines (containers with only the driver's runtime part, as on the GPU machines here) ship
/// only libcuda.so.1, and ILGPU then silently finds no device. This resolver maps the name to
/// the versioned library in the usual driver folders, and remembers what it tried so
/// <c>spikefit devices</c> can say why CUDA is missing.
/// </summary>
public static class CudaLibraryResolver
{
    private static readonly object Gate = new();
    private static bool _installed;

    public static string? LoadedPath { get; private set; }
    public static List<string> Tried { get; } = new();

    private static readonly string[] Folders =
    {
        "", // the loader's own search path (LD_LIBRARY_PATH, ldconfig cache)
        "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64",
        "/usr/local/nvidia/lib", "/usr/local/cuda/lib64", "/usr/local/cuda/compat", "/usr/lib/wsl/lib",
        "/usr/lib/aarch64-linux-gnu",
    };

    /// <summary>Candidate file names for a library, most specific last-resort order.</summary>
    public static IEnumerable<string> Candidates(string baseName, params string[] versions)
    {
        foreach (var folder in Folders)
        {
            foreach (var v in versions)
            {
                var file = v.Length == 0 ? $"{baseName}.so" : $"{baseName}.so.{v}";
                yield return folder.Length == 0 ? file : Path.Combine(folder, file);
            }
        }
    }

    /// <summary>Tries to load a library from the candidates; returns the handle and the path that worked.</summary>
    public static (IntPtr Handle, string? Path) TryLoadFirst(IEnumerable<string> candidates, List<string>? tried = null)
    {
        foreach (var candidate in candidates)
        {
            if (candidate.Contains('/') && !File.Exists(candidate)) continue;
            tried?.Add(candidate);
            if (NativeLibrary.TryLoad(candidate, out var handle)) return (handle, candidate);
        }
        return (IntPtr.Zero, null);
    }

    /// <summary>Installs the resolver once per process (before any ILGPU context is built).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            _installed = true;
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
        }
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        if (!string.Equals(name, "cuda", StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(name, "libcuda", StringComparison.OrdinalIgnoreCase))
            return IntPtr.Zero;
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero;
        lock (Gate)
        {
            var (handle, path) = TryLoadFirst(Candidates("libcuda", "1", ""), Tried);
            LoadedPath = path;
            return handle;
        }
    }

    /// <summary>Where libcuda can be found, without loading ILGPU (for diagnostics).</summary>
    public static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var (handle, path) = TryLoadFirst(Candidates("libcuda", "1", ""));
        if (handle != IntPtr.Zero) NativeLibrary.Free(handle);
        return path;
    }
}
