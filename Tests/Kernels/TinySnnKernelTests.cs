using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Lif;

namespace SpikeFit.Tests.Kernels;

/// <summary>The kernels composed into a full BPTT step on each backend against the float64 reference.</summary>
public abstract class TinySnnKernelTests : SpikeFit.Tests.Infrastructure.BackendTestBase
{
    [SkippableTheory]
    [InlineData(ResetMode.Soft, SurrogateKind.FastSigmoid, false)]
    [InlineData(ResetMode.Hard, SurrogateKind.FastSigmoid, false)]
    [InlineData(ResetMode.Soft, SurrogateKind.Atan, true)]
    public void Training_step_gradients_match_reference(ResetMode reset, SurrogateKind surrogate, bool detach) =>
        RunCheck(new TinySnnCheck(LifConfig.Default with { Reset = reset, Surrogate = surrogate, DetachReset = detach }));
}
