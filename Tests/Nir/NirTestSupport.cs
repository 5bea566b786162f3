using System.Diagnostics;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Deploy;
using SpikeFit.Training.Models;

namespace SpikeFit.Tests.Nir;

/// <summary>Small networks, inputs and the fixture script (scripts/nir_fixtures.py, h5py) for the NIR tests.</summary>
public static class NirTestSupport
{
    public static NetworkSpec SmallMlp => NetworkSpec.Mlp(t: 6, hidden: 24) with { InputHeight = 4, InputWidth = 5, InputChannels = 1, Classes = 5 };

    public static NetworkSpec SmallConv => NetworkSpec.Conv(t: 4) with { InputHeight = 12, InputWidth = 12, InputChannels = 2, Hidden = new[] { 3, 4 }, Classes = 5 };

    /// <summary>Pixel values in [0, 1.5) so that neurons fire within a few steps.</summary>
    public static float[] Images(int count, int features, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count * features).Select(_ => (float)(rng.NextDouble() * 1.5)).ToArray();
    }

    public static (int[] Predictions, float[] Readouts) Run(SpikingNetwork net, float[] images, int count) => FloatReadout.Run(net, images, count);

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "spikefit-nir-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static string Script => RepoFile(Path.Combine("scripts", "nir_fixtures.py"));

    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}.");
    }

    private static readonly Lazy<string?> PythonWithH5py = new(() =>
    {
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var (code, _, _) = Exec(python, "-c \"import h5py, numpy\"");
                if (code == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under this name
            }
        }
        return null;
    });

    /// <summary>Skips the test, saying why, where python3 with h5py is not available.</summary>
    public static void RequireH5py() =>
        Skip.If(PythonWithH5py.Value is null, "python3 with h5py is not available (Debian: apt-get install python3-h5py)");

    /// <summary>Runs the fixture script (skipping the test where python3 with h5py is not available).</summary>
    public static string RunScript(params string[] args)
    {
        RequireH5py();
        var (code, stdout, stderr) = Exec(PythonWithH5py.Value!, string.Join(' ', new[] { Script }.Concat(args).Select(a => $"\"{a}\"")));
        if (code != 0) throw new InvalidOperationException($"nir_fixtures.py {string.Join(' ', args)} failed ({code}): {stderr}");
        return stdout;
    }

    private static (int Code, string Stdout, string Stderr) Exec(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static CpuBackend Backend() => new();
}
