using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class LifKernelTests : BackendTestBase
{
    [SkippableTheory]
    [InlineData(ResetMode.Soft, false)]
    [InlineData(ResetMode.Hard, false)]
    [InlineData(ResetMode.Soft, true)]
    [InlineData(ResetMode.Hard, true)]
    public void Forward_matches_reference(ResetMode reset, bool broadcast) =>
        RunCheck(new LifCheck.Forward(reset, broadcast));

    [SkippableTheory]
    [InlineData(ResetMode.Soft, SurrogateKind.FastSigmoid)]
    [InlineData(ResetMode.Soft, SurrogateKind.Atan)]
    [InlineData(ResetMode.Soft, SurrogateKind.Sigmoid)]
    [InlineData(ResetMode.Soft, SurrogateKind.Triangle)]
    [InlineData(ResetMode.Hard, SurrogateKind.FastSigmoid)]
    [InlineData(ResetMode.Hard, SurrogateKind.Atan)]
    [InlineData(ResetMode.Hard, SurrogateKind.Sigmoid)]
    [InlineData(ResetMode.Hard, SurrogateKind.Triangle)]
    public void Backward_matches_reference(ResetMode reset, SurrogateKind surrogate) =>
        RunCheck(new LifCheck.Backward(reset, surrogate));

    [SkippableTheory]
    [InlineData(ResetMode.Soft)]
    [InlineData(ResetMode.Hard)]
    public void Backward_with_detached_reset_matches_reference(ResetMode reset) =>
        RunCheck(new LifCheck.Backward(reset, SurrogateKind.FastSigmoid, detachReset: true));

    [SkippableFact]
    public void Backward_with_broadcast_input_sums_gradient_over_time() =>
        RunCheck(new LifCheck.Backward(ResetMode.Soft, SurrogateKind.Sigmoid, broadcast: true));

    [SkippableFact]
    public void Fisher_accumulates_squared_products() => RunCheck(new LifCheck.Fisher());

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Integrator_matches_reference(bool broadcast) => RunCheck(new LifCheck.Integrator(broadcast));

    [SkippableFact]
    public void Forward_is_deterministic()
    {
        var backend = Backend;
        var shape = new LifShape(5, 4, 33);
        var rng = new Random(FreshSeed());
        using var input = backend.Upload<float>(SpikeFit.Kernels.Checks.TestData.Uniform(rng, shape.StateLength, -1, 2));
        using var h1 = backend.Allocate<float>(shape.StateLength);
        using var s1 = backend.Allocate<float>(shape.StateLength);
        using var h2 = backend.Allocate<float>(shape.StateLength);
        using var s2 = backend.Allocate<float>(shape.StateLength);
        backend.Lif.Forward(shape, LifConfig.Default, input, h1, s1);
        backend.Lif.Forward(shape, LifConfig.Default, input, h2, s2);
        Assert.Equal(h1.ToArray(), h2.ToArray());
        Assert.Equal(s1.ToArray(), s2.ToArray());
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var backend = Backend;
        var shape = new LifShape(4, 2, 8);
        using var input = backend.Allocate<float>(shape.StateLength - 1);
        using var h = backend.Allocate<float>(shape.StateLength);
        using var s = backend.Allocate<float>(shape.StateLength);
        var e = Assert.Throws<ArgumentException>(() => backend.Lif.Forward(shape, LifConfig.Default, input, h, s));
        Assert.Contains("input", e.Message);
    }
}
