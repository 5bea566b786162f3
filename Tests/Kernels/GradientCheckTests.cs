using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Lif;

namespace SpikeFit.Tests.Kernels;

/// <summary>
/// Finite differences through time on a tiny two-layer SNN. The spike is replaced by the
/// surrogate's antiderivative, so the surrogate *is* the true derivative and the analytic BPTT
/// (the float64 reference the kernels are tested against) must match central differences.
/// </summary>
public sealed class GradientCheckTests
{
    public static TheoryData<ResetMode, SurrogateKind> Cases()
    {
        var data = new TheoryData<ResetMode, SurrogateKind>();
        foreach (var r in Enum.GetValues<ResetMode>())
            foreach (var s in Enum.GetValues<SurrogateKind>()) data.Add(r, s);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analytic_bptt_matches_finite_differences(ResetMode reset, SurrogateKind surrogate)
    {
        // Softer surrogates keep the smooth network well-conditioned for differencing.
        var config = LifConfig.Default with { Reset = reset, Surrogate = surrogate,
            SurrogateParam = surrogate == SurrogateKind.FastSigmoid ? 2f : float.NaN };
        // Fixed seeds, so every run checks the same networks: the first of a short list whose gradients
        // are not all ~0 (a compact surrogate such as triangle is exactly 0 when no neuron nears θ).
        int seed = 0;
        TinySnnReference net = null!;
        (string Name, double[] Value, double[] Grad)[] parameters = [];
        double scale = 0;
        for (int attempt = 0; attempt < 8 && !(scale > 1e-6); attempt++)
        {
            seed = 1000 * (1 + (int)reset) + 100 * (int)surrogate + attempt;
            net = TinySnnReference.Random(seed, config);
            var grads = net.Gradients(smooth: true);
            parameters = [("W1", net.W1, grads.W1), ("b1", net.B1, grads.B1), ("W2", net.W2, grads.W2), ("b2", net.B2, grads.B2)];
            scale = parameters.Max(p => p.Grad.Max(Math.Abs));
        }
        const double eps = 1e-6;
        Assert.True(scale > 1e-6, $"degenerate network: all gradients ~0 (seed {seed}, the last of 8 tried)");
        foreach (var (name, value, grad) in parameters)
        {
            for (int k = 0; k < value.Length; k++)
            {
                double keep = value[k];
                value[k] = keep + eps;
                double up = net.Forward(smooth: true).Loss;
                value[k] = keep - eps;
                double down = net.Forward(smooth: true).Loss;
                value[k] = keep;
                double fd = (up - down) / (2 * eps);
                // Triangle's antiderivative has kinks in its second derivative: allow a bit more there.
                double tol = (surrogate == SurrogateKind.Triangle ? 1e-5 : 1e-6) * Math.Max(1, scale);
                Assert.True(Math.Abs(fd - grad[k]) <= tol + 1e-6 * Math.Abs(fd),
                    $"{name}[{k}]: analytic {grad[k]:G9} vs finite difference {fd:G9} ({reset}, {surrogate}, seed {seed})");
            }
        }
    }

    [Fact]
    public void Detached_reset_drops_only_the_reset_path()
    {
        // With detach_reset the gradient must differ from the full one (the reset path matters)
        // but agree when no neuron is near firing (no reset happens).
        const int seed = 4242; // fixed: the same networks every run
        var full = TinySnnReference.Random(seed, LifConfig.Default with { Surrogate = SurrogateKind.Sigmoid });
        var detached = TinySnnReference.Random(seed, LifConfig.Default with { Surrogate = SurrogateKind.Sigmoid, DetachReset = true });
        var g1 = full.Gradients(smooth: true).W1;
        var g2 = detached.Gradients(smooth: true).W1;
        Assert.True(g1.Zip(g2).Any(p => Math.Abs(p.First - p.Second) > 1e-9), $"detach_reset changed nothing (seed {seed})");
    }
}
