using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Loss;

/// <summary>The two readouts of DESIGN §3 that feed the cross-entropy.</summary>
public enum Readout
{
    /// <summary>Output spike counts: x ∈ {0, 1}, scale = 1.</summary>
    SpikeCounts,
    /// <summary>Mean membrane of a non-spiking output layer: real x, scale = 1/T.</summary>
    MeanMembrane,
}

/// <summary>Correctness checks of the cross-entropy kernels against <see cref="LossReference"/>.</summary>
public static class LossCheck
{
    public static (int T, int B, int C) ShapeFor(CheckSize size) => size == CheckSize.Small ? (4, 5, 10) : (16, 128, 10);

    public sealed class CrossEntropy : KernelCheck
    {
        private readonly Readout _readout;
        public CrossEntropy(Readout readout) => _readout = readout;

        public override string Name => _readout == Readout.SpikeCounts ? "loss.xent.counts" : "loss.xent.membrane";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var (t, b, c) = ShapeFor(size);
            long n = (long)t * b * c;
            float scale;
            float[] x;
            if (_readout == Readout.SpikeCounts)
            {
                scale = 1f;
                // Spikes with a per-class rate, so the counts (logits) spread over [0, T].
                x = new float[n];
                var rate = TestData.Uniform(rng, b * c, 0.05f, 0.95f);
                for (long i = 0; i < n; i++) x[i] = rng.NextDouble() < rate[i % (b * c)] ? 1f : 0f;
            }
            else
            {
                scale = 1f / t;
                x = TestData.Normal(rng, n, 3f);
            }
            var labels = new int[b];
            for (int i = 0; i < b; i++) labels[i] = rng.Next(c);
            var (refLogits, refLosses, refGrad) = LossReference.SoftmaxCrossEntropy(t, b, c, scale, TestData.ToDouble(x), labels);

            using var dX = backend.Upload<float>(x);
            using var dLabels = backend.Upload<int>(labels);
            using var dLogits = backend.Allocate<float>(b * c);
            using var dLosses = backend.Allocate<float>(b);
            using var dGrad = backend.Allocate<float>(n);
            double ms = Timed(backend, () => { dLogits.Fill(float.NaN); dLosses.Fill(float.NaN); dGrad.Fill(float.NaN); },
                () => backend.Loss.SoftmaxCrossEntropy(t, b, c, scale, dX, dLabels, dLogits, dLosses, dGrad));
            double err = Math.Max(Compare.MaxRelError(dLogits.ToArray(), refLogits),
                Math.Max(Compare.MaxRelError(dLosses.ToArray(), refLosses), Compare.MaxRelError(dGrad.ToArray(), refGrad)));
            // 1e-4: float32 sums over T, exp/log in float32 (approximate on GPUs), and the loss
            // lse − logit loses ~1 ulp of |lse| to cancellation; the 1% floor keeps tiny softmax
            // entries and near-zero losses from dominating. Any indexing/formula bug is O(1).
            return Result(backend, $"T={t} B={b} C={c} scale={scale:G3}", err, 1e-4, ms, "logits, losses, ∂L/∂x");
        }
    }

    public static IEnumerable<KernelCheck> All()
    {
        yield return new CrossEntropy(Readout.SpikeCounts);
        yield return new CrossEntropy(Readout.MeanMembrane);
    }
}
