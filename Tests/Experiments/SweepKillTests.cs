using System.CommandLine;
using System.Diagnostics;
using SpikeFit.Experiments.Sweep;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>A real spikefit sweep process, interrupted by SIGINT and SIGKILL, resumes to the uninterrupted rows.</summary>
public sealed class SweepKillTests(ITestOutputHelper output) : SweepTestBase(output)
{
    private static string SpikefitDll()
    {
        // The CLI is a project reference, so the build copies it (with its runtimeconfig) next to the tests.
        string dll = Path.Combine(AppContext.BaseDirectory, "spikefit.dll");
        Skip.IfNot(File.Exists(dll) && File.Exists(Path.Combine(AppContext.BaseDirectory, "spikefit.runtimeconfig.json")), $"{dll} not built");
        return dll;
    }

    private static Process Start(string dll, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        // Drain the pipes so the child never blocks on a full one.
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private const int SigInt = 2;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static int Rows(string table)
    {
        try { return File.Exists(table) ? Math.Max(0, File.ReadAllLines(table).Length - 1) : 0; }
        catch (IOException) { return 0; }
    }

    /// <summary>Waits until the table has at least <paramref name="rows"/> rows (or the process ends).</summary>
    private static void WaitForRows(Process p, string table, int rows)
    {
        var clock = Stopwatch.StartNew();
        while (Rows(table) < rows && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(5);
    }

    [SkippableFact]
    public void KilledCliSweepResumesToTheUninterruptedRows()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs POSIX signals");
        string dll = SpikefitDll();
        // 16 points of a few tens of milliseconds each: long enough to be caught half-way.
        string gridPath = WriteGrid(TinyTrainGrid.Replace("\"max_batches\": 2", "\"max_batches\": 12").Replace("\"seed\": [1, 2]", "\"seed\": [1, 2, 3, 4, 5, 6, 7, 8]"), "kill.json");
        string reference = Path.Combine(_root, "cli-ref"), dir = Path.Combine(_root, "cli-kill");
        string[] common = [gridPath, "--dataset", "synthetic", "--device", "cpu"];
        var grid = SweepGrid.Parse(File.ReadAllText(gridPath), gridPath, SweepMethods.WithTraining());
        string table = Path.Combine(dir, "points.csv");

        using (var whole = Start(dll, ["sweep", .. common, "--out", reference]))
        {
            Assert.True(whole.WaitForExit(120_000));
            Assert.Equal(0, whole.ExitCode);
        }
        Assert.Equal(16, Rows(Path.Combine(reference, "points.csv")));

        // SIGINT (Ctrl-C) once some rows exist: the current point finishes, exit 130, table intact.
        using (var p = Start(dll, ["sweep", .. common, "--out", dir]))
        {
            WaitForRows(p, table, 3);
            if (Rows(table) < 3 && !p.HasExited)
            {
                // A machine so loaded that three tiny points took a minute: the timing this test needs is not there.
                p.Kill();
                p.WaitForExit();
                Skip.If(true, $"only {Rows(table)} rows after 60 s: the machine is too loaded to interrupt the sweep half-way");
            }
            // kill(2) directly: a minimal container may have no /usr/bin/kill (procps).
            Assert.Equal(0, SendSignal(p.Id, SigInt));
            Assert.True(p.WaitForExit(60_000));
            Skip.If(p.ExitCode == 0, "the sweep finished before the signal arrived");
            Assert.Equal(130, p.ExitCode);
        }
        // On a fast machine the signal can land during the last point: 16 rows and exit 130 is right too.
        int afterInt = SweepTable.Open(table, grid.Keys).Rows.Count;
        Assert.InRange(afterInt, 3, 16);
        Skip.If(afterInt > 14, $"the sweep had {afterInt}/16 rows after SIGINT: too few left to kill it half-way");

        // SIGKILL mid-sweep: no chance to clean up; the table is the old one or old + whole rows.
        using (var p = Start(dll, ["sweep", .. common, "--out", dir, "--resume"]))
        {
            WaitForRows(p, table, afterInt + 2);
            Skip.If(p.HasExited, "the sweep finished before it could be killed");
            bool slow = Rows(table) < afterInt + 2;
            p.Kill();
            p.WaitForExit();
            Skip.If(slow, $"only {Rows(table) - afterInt} new rows after 60 s: the machine is too loaded to kill the sweep half-way");
        }
        var killed = SweepTable.Open(table, grid.Keys);
        Assert.Null(killed.RepairWarning);
        Assert.All(killed.Rows, r => Assert.Equal("ok", r["status"]));
        _output.WriteLine($"rows after SIGINT: {afterInt}/16, after SIGKILL: {killed.Rows.Count}/16");
        Assert.InRange(killed.Rows.Count, afterInt + 2, 16);

        using (var p = Start(dll, ["sweep", .. common, "--out", dir, "--resume"]))
        {
            Assert.True(p.WaitForExit(120_000));
            Assert.Equal(0, p.ExitCode);
        }
        AssertSameRows(Stable(Path.Combine(reference, "points.csv"), grid.Keys), Stable(table, grid.Keys));
    }
}
