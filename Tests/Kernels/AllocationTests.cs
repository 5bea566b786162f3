using SpikeFit.Kernels.Core;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public sealed class AllocationTests
{
    [SkippableTheory]
    [InlineData(BackendKind.Cpu)]
    [InlineData(BackendKind.IlgpuCpu)]
    public void Fresh_buffers_are_zero(BackendKind kind)
    {
        var (backend, reason) = TestBackends.Get(kind);
        Skip.If(backend is null, reason);
        for (int i = 0; i < 3; i++)
        {
            using var dirty = backend!.Allocate<float>(4096);
            dirty.Fill(float.NaN);
        }
        using var buffer = backend!.Allocate<float>(4096);
        Assert.All(buffer.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Allocated_and_peak_bytes_are_tracked()
    {
        using var backend = new CpuBackend();
        long before = backend.AllocatedBytes;
        var a = backend.Allocate<float>(1000);
        var b = backend.Allocate<int>(500);
        Assert.Equal(before + 6000, backend.AllocatedBytes);
        a.Dispose();
        a.Dispose(); // twice is harmless
        Assert.Equal(before + 2000, backend.AllocatedBytes);
        Assert.Equal(before + 6000, backend.PeakAllocatedBytes);
        b.Dispose();
        backend.ResetPeak();
        Assert.Equal(before, backend.PeakAllocatedBytes);
    }
}
