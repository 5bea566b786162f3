using SpikeFit.Kernels.Hopfield;

namespace SpikeFit.Tests.Kernels;

public sealed class HopfieldPatternTests
{
    [Fact]
    public void Patterns_are_deterministic_balanced_and_independent_of_M()
    {
        var a = HopfieldPatterns.Generate(7, 10, 500);
        var b = HopfieldPatterns.Generate(7, 20, 500);
        Assert.Equal(a, b.AsSpan(0, a.Length).ToArray());
        Assert.All(a, v => Assert.True(v == 1f || v == -1f));
        double mean = a.Average();
        Assert.InRange(mean, -0.05, 0.05);
        Assert.NotEqual(a, HopfieldPatterns.Generate(8, 10, 500));
    }
}
