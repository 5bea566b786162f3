using System.Collections.Concurrent;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Devices;

[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace SpikeFit.Tests.Infrastructure;

/// <summary>
/// One backend per kind for the whole test run (ILGPU compiles kernels per accelerator, so
/// sharing keeps the suite fast). A kind that is not present yields the reason it is missing.
/// Tests run serially: ILGPU's CPU accelerator runs one kernel at a time.
/// </summary>
public static class TestBackends
{
    private static readonly ConcurrentDictionary<BackendKind, Lazy<(Backend? Backend, string? Reason)>> Cache = new();

    public static (Backend? Backend, string? Reason) Get(BackendKind kind) =>
        Cache.GetOrAdd(kind, k => new Lazy<(Backend?, string?)>(() =>
        {
            try
            {
                var backend = DeviceDiscovery.TryOpen(k, out var why);
                return (backend, backend is null ? $"{k.CliName()} not available: {why}" : null);
            }
            catch (Exception e)
            {
                return (null, $"{k.CliName()} failed to open: {e.Message}");
            }
        })).Value;
}

/// <summary>
/// Base of every per-backend test class (the ILGPU test-suite pattern: an abstract class per
/// kernel family, a small subclass per backend). Missing backends skip with the reason.
/// The subclasses are not written by hand: for every abstract class deriving from this one,
/// Tests/Generators/PerBackendTestGenerator.cs emits <c>&lt;Class&gt;_&lt;Backend&gt;</c> for each member of
/// <see cref="BackendKind"/> (the one list of backends), e.g. <c>DenseKernelTests_Cpu</c>.
/// </summary>
public abstract class BackendTestBase
{
    protected abstract BackendKind Kind { get; }

    protected Backend Backend
    {
        get
        {
            var (backend, reason) = TestBackends.Get(Kind);
            Skip.If(backend is null, reason);
            return backend!;
        }
    }

    /// <summary>Small sizes on the ILGPU simulator, larger ones elsewhere.</summary>
    protected SpikeFit.Kernels.Checks.CheckSize Size =>
        Kind == BackendKind.IlgpuCpu ? SpikeFit.Kernels.Checks.CheckSize.Small : SpikeFit.Kernels.Checks.CheckSize.Large;

    /// <summary>
    /// The seed of a test's random inputs (printed on failure): fixed, so CI checks the same inputs
    /// every run and a failure reproduces; set <c>SPIKEFIT_TEST_SEED=random</c> (or a number) to explore
    /// other inputs, as <c>spikefit check-kernels --seed N</c> does for the kernel checks.
    /// </summary>
    protected static int FreshSeed() => Environment.GetEnvironmentVariable("SPIKEFIT_TEST_SEED") switch
    {
        "random" => Random.Shared.Next(),
        { } text when int.TryParse(text, out int seed) => seed,
        _ => 20261201,
    };

    protected void RunCheck(SpikeFit.Kernels.Checks.KernelCheck check)
    {
        var backend = Backend;
        int seed = FreshSeed();
        var result = check.Run(backend, seed, Size);
        Assert.True(result.Passed, $"{result} (seed {seed})");
    }
}
