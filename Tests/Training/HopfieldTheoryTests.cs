using MathNet.Numerics;
using SpikeFit.Training.Hopfield;

namespace SpikeFit.Tests.Training;

public sealed class HopfieldTheoryTests
{
    /// <summary>With equal weights the equation is the classic one: α_c ≈ 0.138 (Amit–Gutfreund–Sompolinsky), m_c ≈ 0.967.</summary>
    [Fact]
    public void Equal_weights_give_the_classic_critical_load()
    {
        var (alphaC, mC) = HopfieldTheory.CriticalLoadEqualWeights();
        Assert.Equal(0.138, Math.Round(alphaC, 3));
        Assert.InRange(alphaC, 0.1378, 0.1381);
        Assert.InRange(mC, 0.96, 0.975);
    }

    /// <summary>The same through the per-pattern path: M equal weights retrieve all patterns below α_c and none above.</summary>
    [Fact]
    public void Equal_weights_retrieve_all_below_alpha_c_and_none_above()
    {
        int n = 1000;
        var below = HopfieldTheory.PredictAll(WeightDistribution.Equal.Weights(130, n, 0), n);
        var above = HopfieldTheory.PredictAll(WeightDistribution.Equal.Weights(146, n, 0), n);
        Assert.All(below, p => Assert.True(p.Retrieved));
        Assert.All(above, p => Assert.False(p.Retrieved));
        // r_c is 1 exactly at the critical load: below it a lighter pattern still fits, above it only a heavier one.
        Assert.True(HopfieldTheory.CriticalWeight(WeightDistribution.Equal.Weights(130, n, 0), n) < 1);
        Assert.True(HopfieldTheory.CriticalWeight(WeightDistribution.Equal.Weights(146, n, 0), n) > 1);
    }

    /// <summary>Geometric weights: retrieval is monotone in weight rank (a prefix of the heaviest patterns) and the
    /// cut-off agrees with r_c; predicted overlaps decrease with rank among the retrieved.</summary>
    [Theory]
    [InlineData(4.0)]
    [InlineData(8.45)]
    [InlineData(15.0)]
    public void Geometric_weights_retrieve_a_prefix_matching_r_c(double lambda)
    {
        int n = 400, m = 400;
        var r = WeightDistribution.Geometric(lambda).Weights(m, n, 0);
        var p = HopfieldTheory.PredictAll(r, n);
        int count = p.TakeWhile(x => x.Retrieved).Count();
        Assert.InRange(count, 1, m - 1);
        Assert.All(p.Skip(count), x => Assert.False(x.Retrieved));
        for (int k = 1; k < count; k++) Assert.True(p[k].Overlap <= p[k - 1].Overlap + 1e-12);
        double rc = HopfieldTheory.CriticalWeight(r, n);
        Assert.True(r[count - 1] >= rc && r[count] <= rc, $"r_c={rc}, last retrieved {r[count - 1]}, first lost {r[count]}");
    }

    /// <summary>Hand case: one other pattern of equal weight at N = 10 (α = 0.1): the returned y is a root,
    /// G &lt; 0 beyond it, and m = erf(y).</summary>
    [Fact]
    public void Hand_case_root_is_the_largest()
    {
        var pred = HopfieldTheory.PredictWeight(new[] { 1.0 }, 10, 1.0);
        Assert.True(pred.Retrieved);
        double G(double y) => HopfieldTheory.Lhs(y) - 0.1 / Math.Pow(1 - HopfieldTheory.Phi(y), 2);
        Assert.True(Math.Abs(G(pred.Y)) < 1e-10);
        for (double y = pred.Y * 1.001; y < 50; y *= 1.05) Assert.True(G(y) < 0);
        Assert.Equal(SpecialFunctions.Erf(pred.Y), pred.Overlap, 12);
        // α = 0.1: the AGS overlap is ≈ 0.99 (erf of y ≈ 1.8).
        Assert.InRange(pred.Overlap, 0.98, 0.999);
    }

    /// <summary>A heavier competitor (x = 2) restricts the domain to φ(y) &lt; 1/2; a lone pattern has m = 1.</summary>
    [Fact]
    public void Domain_restriction_and_no_noise()
    {
        double yLo = HopfieldTheory.PhiInverse(0.5);
        Assert.Equal(0.5, HopfieldTheory.Phi(yLo), 9);
        var p = HopfieldTheory.PredictWeight(new[] { 2.0 }, 100, 1.0);
        Assert.True(p.Retrieved);
        Assert.True(p.Y > yLo);
        Assert.False(HopfieldTheory.PredictWeight(new[] { 50.0 }, 100, 1.0).Retrieved);
        var alone = HopfieldTheory.PredictWeight(Array.Empty<double>(), 100, 1.0);
        Assert.True(alone.Retrieved);
        Assert.Equal(1.0, alone.Overlap);
    }

    [Fact]
    public void Weight_distributions()
    {
        var g = WeightDistribution.Geometric(8.45).Weights(5, 100, 0);
        Assert.Equal(1.0, g[0]);
        Assert.Equal(Math.Exp(-8.45 / 100), g[1] / g[0], 12);
        var u = WeightDistribution.Uniform.Weights(1000, 100, 3);
        Assert.All(u, v => Assert.InRange(v, 1e-9, 1.0));
        Assert.Equal(u, WeightDistribution.Uniform.Weights(1000, 100, 3));
        Assert.NotEqual(u, WeightDistribution.Uniform.Weights(1000, 100, 4));
        Assert.InRange(u.Average(), 0.45, 0.55);
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "# weights\n1.0, 0.5\n0.25 # last\n");
        Assert.Equal(new[] { 1.0, 0.5, 0.25 }, WeightDistribution.Parse("file:" + path).Weights(3, 10, 0));
        File.WriteAllText(path, "1.0 -2\n");
        Assert.Throws<ArgumentException>(() => WeightDistribution.FromFile(path));
        File.Delete(path);
        Assert.Equal(WeightKind.Geometric, WeightDistribution.Parse("geometric:4").Kind);
        Assert.Throws<ArgumentException>(() => WeightDistribution.Parse("poisson"));
    }
}
