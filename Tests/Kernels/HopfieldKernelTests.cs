using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Hopfield;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class HopfieldKernelTests : BackendTestBase
{
    public static TheoryData<string> CheckNames()
    {
        var data = new TheoryData<string>();
        foreach (var check in HopfieldCheck.All()) data.Add(check.Name);
        return data;
    }

    /// <summary>Unit tests use the Small sizes on every backend: the float64 reference is O(N²) per sweep.</summary>
    [SkippableTheory]
    [MemberData(nameof(CheckNames))]
    public void Check_passes(string name)
    {
        var backend = Backend;
        int seed = FreshSeed();
        var result = HopfieldCheck.All().Single(c => c.Name == name).Run(backend, seed, CheckSize.Small);
        Assert.True(result.Passed, $"{result} (seed {seed})");
    }

    /// <summary>
    /// J = [[0, 1], [1, 0]] from s = (+1, −1): synchronously h = (−1, +1) flips both spins every step
    /// (a 2-cycle, found at step 2); asynchronously s_0 flips, h_1 becomes −1 and the state (−1, −1) is fixed.
    /// </summary>
    [SkippableFact]
    public void Hand_case_two_neurons_cycle_sync_and_settle_async()
    {
        var backend = Backend;
        var k = HopfieldKernels.For(backend);
        var args = new HopfieldArgs { N = 2, Trials = 1, MaxSweeps = 10 };
        using var j = backend.Upload<float>(new float[] { 0, 1, 1, 0 });
        using var s = backend.Upload<float>(new float[] { 1, -1 });
        using var h = backend.Upload<float>(new float[] { -1, 1 });
        using var sweeps = backend.Allocate<int>(1);
        k.AsyncRetrieve(args, j, s, h, sweeps);
        Assert.Equal(new float[] { -1, -1 }, s.ToArray());
        Assert.Equal(new float[] { -1, -1 }, h.ToArray());
        Assert.Equal(2, sweeps.ToArray()[0]);

        using var s2 = backend.Upload<float>(new float[] { 1, -1 });
        using var prev = backend.Upload<float>(new float[] { 0, 0 });
        using var h2 = backend.Upload<float>(new float[] { -1, 1 });
        using var status = backend.Allocate<int>(1);
        k.SignStep(args, h2, s2, prev, status);
        Assert.Equal(new float[] { -1, 1 }, s2.ToArray());
        Assert.Equal(0, status.ToArray()[0]);
        h2.CopyFrom(new float[] { 1, -1 });
        k.SignStep(args, h2, s2, prev, status);
        Assert.Equal(new float[] { 1, -1 }, s2.ToArray());
        Assert.Equal(2, status.ToArray()[0]);
    }

    /// <summary>A zero field keeps the spin (documented tie rule).</summary>
    [SkippableFact]
    public void Zero_field_keeps_the_spin()
    {
        var backend = Backend;
        var k = HopfieldKernels.For(backend);
        var args = new HopfieldArgs { N = 2, Trials = 2, MaxSweeps = 5 };
        using var j = backend.Upload<float>(new float[] { 0, 0, 0, 0 });
        using var s = backend.Upload<float>(new float[] { 1, -1, -1, 1 });
        using var h = backend.Upload<float>(new float[4]);
        using var sweeps = backend.Allocate<int>(2);
        k.AsyncRetrieve(args, j, s, h, sweeps);
        Assert.Equal(new float[] { 1, -1, -1, 1 }, s.ToArray());
        Assert.Equal(new[] { 1, 1 }, sweeps.ToArray());
    }

    /// <summary>One stored pattern: it is a fixed point, and any start with fewer than N/2 wrong bits returns to it in one sweep.</summary>
    [SkippableTheory]
    [InlineData(HopfieldDynamics.Async)]
    [InlineData(HopfieldDynamics.Sync)]
    public void Single_pattern_is_retrieved_from_a_noisy_start(HopfieldDynamics dynamics)
    {
        var backend = Backend;
        int n = 40;
        var p = HopfieldPatterns.Generate((uint)FreshSeed(), 1, n);
        using var net = new HopfieldNetwork(backend, p, new float[] { 0.7f }, n);
        var exact = net.Retrieve(dynamics, 0, 1, 10);
        Assert.Equal(1f, exact.Overlaps[0]);
        Assert.Equal(1, exact.Steps[0]);
        var start = (float[])p.Clone();
        for (int i = 0; i < 12; i++) start[i * 3] = -start[i * 3];
        var r = net.Retrieve(dynamics, 0, 1, 10, start);
        Assert.Equal(1f, r.Overlaps[0]);
        Assert.Equal(p, r.States);
        Assert.Equal(2, r.Steps[0]);
        Assert.Equal(1, r.Status[0]);
    }

    [SkippableFact]
    public void Couplings_are_symmetric_with_zero_diagonal()
    {
        var backend = Backend;
        int n = 24, m = 5;
        var p = HopfieldPatterns.Generate((uint)FreshSeed(), m, n);
        using var net = new HopfieldNetwork(backend, p, HopfieldCheck.GeometricWeights(m, n, 4), n);
        var j = net.Couplings.ToArray();
        for (int a = 0; a < n; a++)
        {
            Assert.Equal(0f, j[a * n + a]);
            for (int b = 0; b < a; b++) Assert.True(Math.Abs(j[a * n + b] - j[b * n + a]) <= 1e-6f);
        }
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var backend = Backend;
        var k = HopfieldKernels.For(backend);
        var args = new HopfieldArgs { N = 8, Trials = 3, MaxSweeps = 5 };
        using var j = backend.Allocate<float>(64);
        using var s = backend.Allocate<float>(24);
        using var h = backend.Allocate<float>(23);
        using var sweeps = backend.Allocate<int>(3);
        var e = Assert.Throws<ArgumentException>(() => k.AsyncRetrieve(args, j, s, h, sweeps));
        Assert.Contains("'fields'", e.Message);
    }
}
