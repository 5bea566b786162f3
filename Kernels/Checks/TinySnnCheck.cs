using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;
using SpikeFit.Kernels.Lif;

namespace SpikeFit.Kernels.Checks;

/// <summary>
/// The kernels composed into a two-layer SNN training step (dense → LIF → dense → LIF →
/// cross-entropy on spike counts, then BPTT back to both weight matrices) against the float64
/// analytic surrogate BPTT of <see cref="TinySnnReference"/>. Networks whose reference membrane
/// comes within 1e-3 of θ are redrawn, so float32 and float64 agree on every spike.
/// </summary>
public sealed class TinySnnCheck : KernelCheck
{
    private readonly LifConfig _config;

    public TinySnnCheck(LifConfig config) => _config = config;

    public override string Name => $"snn.bptt.{_config.Reset.ToString().ToLowerInvariant()}.{_config.Surrogate.ToString().ToLowerInvariant()}";

    public static TinySnnReference CleanNetwork(int seed, LifConfig config, CheckSize size)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            var net = size == CheckSize.Small
                ? TinySnnReference.Random(seed + attempt, config)
                : TinySnnReference.Random(seed + attempt, config, t: 6, b: 4, i: 20, h: 16, o: 5);
            var pass = net.Forward(smooth: false);
            if (pass.H1.Concat(pass.H2).All(h => Math.Abs(h - config.Theta) >= 1e-3)) return net;
        }
        throw new InvalidOperationException("Could not draw a network whose membranes stay away from the threshold.");
    }

    public override CheckResult Run(Backend backend, int seed, CheckSize size)
    {
        var net = CleanNetwork(seed, _config, size);
        var expected = net.Gradients(smooth: false);
        double expectedLoss = net.Forward(smooth: false).Loss;
        int rows = net.T * net.B;
        var l1 = new LifShape(net.T, net.B, net.H);
        var l2 = new LifShape(net.T, net.B, net.O);
        float[] F(double[] a) => TestData.ToFloat(a);

        using var x = backend.Upload<float>(F(net.X));
        using var w1 = backend.Upload<float>(F(net.W1));
        using var b1 = backend.Upload<float>(F(net.B1));
        using var w2 = backend.Upload<float>(F(net.W2));
        using var b2 = backend.Upload<float>(F(net.B2));
        using var labels = backend.Upload<int>(net.Labels);
        using var i1 = backend.Allocate<float>(rows * net.H);
        using var h1 = backend.Allocate<float>(rows * net.H);
        using var s1 = backend.Allocate<float>(rows * net.H);
        using var i2 = backend.Allocate<float>(rows * net.O);
        using var h2 = backend.Allocate<float>(rows * net.O);
        using var s2 = backend.Allocate<float>(rows * net.O);
        using var logits = backend.Allocate<float>(net.B * net.O);
        using var losses = backend.Allocate<float>(net.B);
        using var gS2 = backend.Allocate<float>(rows * net.O);
        using var gI2 = backend.Allocate<float>(rows * net.O);
        using var gS1 = backend.Allocate<float>(rows * net.H);
        using var gI1 = backend.Allocate<float>(rows * net.H);
        using var gW1 = backend.Allocate<float>(net.W1.Length);
        using var gB1 = backend.Allocate<float>(net.B1.Length);
        using var gW2 = backend.Allocate<float>(net.W2.Length);
        using var gB2 = backend.Allocate<float>(net.B2.Length);
        var outputs = new[] { gW1, gB1, gW2, gB2, losses };

        double ms = Timed(backend, () => { foreach (var o in outputs) o.Fill(float.NaN); }, () =>
        {
            DenseLayer.Forward(backend.Dense, rows, net.I, net.H, x, w1, b1, i1);
            backend.Lif.Forward(l1, _config, i1, h1, s1);
            DenseLayer.Forward(backend.Dense, rows, net.H, net.O, s1, w2, b2, i2);
            backend.Lif.Forward(l2, _config, i2, h2, s2);
            backend.Loss.SoftmaxCrossEntropy(net.T, net.B, net.O, 1f, s2, labels, logits, losses, gS2);
            backend.Lif.Backward(l2, _config, h2, gS2, gI2);
            DenseLayer.Backward(backend.Dense, rows, net.H, net.O, s1, w2, gI2, gS1, gW2, gB2);
            backend.Lif.Backward(l1, _config, h1, gS1, gI1);
            DenseLayer.Backward(backend.Dense, rows, net.I, net.H, x, w1, gI1, null, gW1, gB1);
        });

        double loss = losses.ToArray().Average(v => (double)v);
        double err = new[]
        {
            Compare.MaxRelError(gW1.ToArray(), expected.W1), Compare.MaxRelError(gB1.ToArray(), expected.B1),
            Compare.MaxRelError(gW2.ToArray(), expected.W2), Compare.MaxRelError(gB2.ToArray(), expected.B2),
            double.IsFinite(loss) ? Math.Abs(loss - expectedLoss) / Math.Max(1e-6, Math.Abs(expectedLoss)) : double.PositiveInfinity,
        }.Max();
        return Result(backend, $"T={net.T} B={net.B} {net.I}-{net.H}-{net.O}", err, 2e-4, ms, "loss and ∂W1, ∂b1, ∂W2, ∂b2");
    }

    public static IEnumerable<KernelCheck> All()
    {
        foreach (var reset in Enum.GetValues<ResetMode>())
            yield return new TinySnnCheck(LifConfig.Default with { Reset = reset });
        yield return new TinySnnCheck(LifConfig.Default with { Surrogate = SurrogateKind.Atan, DetachReset = true });
    }
}
