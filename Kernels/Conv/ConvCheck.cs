using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// Correctness checks of the convolution and pooling kernels against <see cref="ConvReference"/>.
/// <para>
/// Tolerances: im2col, max pooling (values and argmax) and both pooling backwards move or scale
/// values by powers of two, so they are exact. Every sum uses the dense family's measure
/// (<see cref="DenseCheck.GemmError"/>: |err| / Σ|terms|) and bound
/// (<see cref="DenseCheck.GemmTolerance"/>(n) = 1e-6·√n for n-term sums): col2im sums ≤ K² terms,
/// the forward K²·C products plus the bias, ∂input O·K² products, ∂W R·Ho·Wo products (plus the
/// accumulated start), ∂b R·Ho·Wo terms, average pooling 4 terms. The backward check reports
/// max(err/tol) over ∂input, ∂W and ∂b, so its tolerance is 1.
/// </para>
/// </summary>
public static class ConvCheck
{
    /// <summary>Which layer of the conv net (16C3-P2-32C3-P2-FC10) a check is shaped like.</summary>
    public enum Layer { First, Second }

    /// <summary>What the convolution input holds.</summary>
    public enum Fill { Analog, Spikes }

    /// <summary>Density of binary spike inputs (a typical hidden-layer firing rate).</summary>
    public const double SpikeDensity = 0.15;

    /// <summary>
    /// Small (ILGPU simulator): R = 3, 9×9×2 → 3 (second) or 9×9×1 → 3 (first), K = 3.
    /// Large: R = 8·32, 13×13×16 → 32 (second) or R = 128, 28×28×1 → 16 (first; direct encoding runs it once per sample).
    /// </summary>
    public static ConvShape ShapeFor(CheckSize size, Layer layer, int padding) => (size, layer) switch
    {
        (CheckSize.Small, Layer.Second) => new ConvShape(3, 9, 9, 2, 3, 3, padding),
        (CheckSize.Small, Layer.First) => new ConvShape(3, 9, 9, 1, 3, 3, padding),
        (_, Layer.Second) => new ConvShape(8 * 32, 13, 13, 16, 32, 3, padding),
        _ => new ConvShape(128, 28, 28, 1, 16, 3, padding),
    };

    /// <summary>Small: R = 3, 9×9×2 (odd) or 8×8×2. Large: R = 8·32, 11×11×32 (odd, the second pool) or 26×26×16 (the first pool).</summary>
    public static PoolShape PoolShapeFor(CheckSize size, bool odd) => (size, odd) switch
    {
        (CheckSize.Small, true) => new PoolShape(3, 9, 9, 2),
        (CheckSize.Small, false) => new PoolShape(3, 8, 8, 2),
        (_, true) => new PoolShape(8 * 32, 11, 11, 32),
        _ => new PoolShape(8 * 32, 26, 26, 16),
    };

    public static float[] Input(Random rng, long n, Fill fill) =>
        fill == Fill.Spikes ? DenseCheck.Binary(rng, n, SpikeDensity) : TestData.Normal(rng, n);

    public sealed class Im2Col(Layer layer, int padding) : KernelCheck
    {
        public override string Name => $"conv.im2col.{layer.ToString().ToLowerInvariant()}{(padding > 0 ? $".pad{padding}" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = ShapeFor(size, layer, padding);
            var x = TestData.Normal(rng, s.InputLength);
            var expected = ConvReference.Im2Col(s, TestData.ToDouble(x));
            using var dx = backend.Upload<float>(x);
            using var dcols = backend.Allocate<float>(s.ColsLength);
            double ms = Timed(backend, () => dcols.Fill(float.NaN), () => backend.Conv.Im2Col(s, dx, dcols));
            return Result(backend, s.ToString(), Compare.Exact(dcols.ToArray(), expected), 0, ms, "exact: a copy with zero padding");
        }
    }

    public sealed class Col2Im(Layer layer, int padding) : KernelCheck
    {
        public override string Name => $"conv.col2im.{layer.ToString().ToLowerInvariant()}{(padding > 0 ? $".pad{padding}" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = ShapeFor(size, layer, padding);
            var g = TestData.Normal(rng, s.ColsLength);
            var (expected, magnitude) = ConvReference.Col2Im(s, TestData.ToDouble(g));
            using var dg = backend.Upload<float>(g);
            using var dx = backend.Allocate<float>(s.InputLength);
            double ms = Timed(backend, () => dx.Fill(float.NaN), () => backend.Conv.Col2Im(s, dg, dx));
            return Result(backend, s.ToString(), DenseCheck.GemmError(dx.ToArray(), expected, magnitude),
                DenseCheck.GemmTolerance(s.K * s.K), ms, "|g−r|/Σ|terms| over ≤ K² terms");
        }
    }

    /// <summary><see cref="ConvLayer.Forward"/> (im2col + GEMM + bias) against the direct convolution.</summary>
    public sealed class Forward(Layer layer, Fill fill, int padding) : KernelCheck
    {
        public override string Name =>
            $"conv.forward.{layer.ToString().ToLowerInvariant()}.{fill.ToString().ToLowerInvariant()}{(padding > 0 ? $".pad{padding}" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = ShapeFor(size, layer, padding);
            var x = Input(rng, s.InputLength, fill);
            var w = TestData.Normal(rng, s.WeightLength, 1f / MathF.Sqrt(s.Patch));
            var b = TestData.Normal(rng, s.O, 0.1f);
            var (expected, magnitude) = ConvReference.Forward(s, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b));
            using var dx = backend.Upload<float>(x);
            using var dw = backend.Upload<float>(w);
            using var db = backend.Upload<float>(b);
            using var dcols = backend.Allocate<float>(s.ColsLength);
            using var dy = backend.Allocate<float>(s.OutputLength);
            double ms = Timed(backend, () => { dcols.Fill(float.NaN); dy.Fill(float.NaN); },
                () => ConvLayer.Forward(backend, s, dx, dw, db, dcols, dy));
            double gflops = 2.0 * s.OutputLength * s.Patch / (ms * 1e6);
            return Result(backend, s.ToString(), DenseCheck.GemmError(dy.ToArray(), expected, magnitude),
                DenseCheck.GemmTolerance(s.Patch + 1), ms, $"|y−r|/(Σ|wx|+|b|); {gflops:F2} GFLOP/s dense-equivalent");
        }
    }

    /// <summary><see cref="ConvLayer.Backward"/> (two GEMMs, column sums, col2im) against direct loops.</summary>
    public sealed class Backward(Layer layer, Fill fill, int padding, bool accumulate, bool inputGradient) : KernelCheck
    {
        public override string Name =>
            $"conv.backward.{layer.ToString().ToLowerInvariant()}.{fill.ToString().ToLowerInvariant()}{(padding > 0 ? $".pad{padding}" : "")}" +
            $"{(accumulate ? ".accumulate" : "")}{(inputGradient ? "" : ".no-dx")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = ShapeFor(size, layer, padding);
            var x = Input(rng, s.InputLength, fill);
            var w = TestData.Normal(rng, s.WeightLength, 1f / MathF.Sqrt(s.Patch));
            var gy = TestData.Normal(rng, s.OutputLength);
            var w0 = TestData.Normal(rng, s.WeightLength);
            var b0 = TestData.Normal(rng, s.O);
            var r = ConvReference.Backward(s, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(gy),
                accumulate ? TestData.ToDouble(w0) : null, accumulate ? TestData.ToDouble(b0) : null);
            using var dx = backend.Upload<float>(x);
            using var dw = backend.Upload<float>(w);
            using var dgy = backend.Upload<float>(gy);
            using var dcols = backend.Allocate<float>(s.ColsLength);
            using var dgcols = backend.Allocate<float>(s.ColsLength);
            using var dgx = backend.Allocate<float>(s.InputLength);
            using var dgw = backend.Allocate<float>(s.WeightLength);
            using var dgb = backend.Allocate<float>(s.O);
            backend.Conv.Im2Col(s, dx, dcols);
            void Poison()
            {
                dgx.Fill(float.NaN);
                dgcols.Fill(float.NaN);
                if (accumulate) { dgw.CopyFrom(w0); dgb.CopyFrom(b0); }
                else { dgw.Fill(float.NaN); dgb.Fill(float.NaN); }
            }
            double ms = Timed(backend, Poison, () => ConvLayer.Backward(backend, s, dcols, dw, dgy,
                inputGradient ? dgx : null, inputGradient ? dgcols : null, dgw, dgb, accumulate));
            double ex = inputGradient ? DenseCheck.GemmError(dgx.ToArray(), r.Input, r.InputMagnitude) / DenseCheck.GemmTolerance(s.O * s.K * s.K) : 0;
            int pixels = s.OutputPixels + (accumulate ? 1 : 0);
            double ew = DenseCheck.GemmError(dgw.ToArray(), r.Weight, r.WeightMagnitude) / DenseCheck.GemmTolerance(pixels);
            double eb = DenseCheck.GemmError(dgb.ToArray(), r.Bias, r.BiasMagnitude) / DenseCheck.GemmTolerance(pixels);
            return Result(backend, s.ToString(), Math.Max(ex, Math.Max(ew, eb)), 1, ms,
                $"max of err/tol: ∂x {ex:E1}, ∂W {ew:E1}, ∂b {eb:E1} (err = |g−r|/Σ|terms|, tol = 1e-6·√terms)");
        }
    }

    /// <summary>Max pooling values and argmax, exact; spike inputs make most windows tied.</summary>
    public sealed class MaxPoolForward(Fill fill, bool odd) : KernelCheck
    {
        public override string Name => $"conv.maxpool.forward.{fill.ToString().ToLowerInvariant()}{(odd ? ".odd" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = PoolShapeFor(size, odd);
            var x = fill == Fill.Spikes ? DenseCheck.Binary(rng, s.InputLength, 0.3) : TestData.Normal(rng, s.InputLength);
            var (expected, argmax) = ConvReference.MaxPool(s, TestData.ToDouble(x));
            using var dx = backend.Upload<float>(x);
            using var dy = backend.Allocate<float>(s.OutputLength);
            using var dam = backend.Allocate<int>(s.OutputLength);
            double ms = Timed(backend, () => { dy.Fill(float.NaN); dam.Fill(-1); }, () => backend.Conv.MaxPool2x2Forward(s, dx, dy, dam));
            double err = Math.Max(Compare.Exact(dy.ToArray(), expected), Compare.Exact(dam.ToArray(), argmax));
            return Result(backend, s.ToString(), err, 0, ms, "exact values and argmax (first maximum in scan order)");
        }
    }

    public sealed class MaxPoolBackward(bool odd) : KernelCheck
    {
        public override string Name => $"conv.maxpool.backward{(odd ? ".odd" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = PoolShapeFor(size, odd);
            var argmax = new int[s.OutputLength];
            for (int i = 0; i < argmax.Length; i++) argmax[i] = rng.Next(4);
            var g = TestData.Normal(rng, s.OutputLength);
            var expected = ConvReference.MaxPoolBackward(s, TestData.ToDouble(g), argmax);
            using var dg = backend.Upload<float>(g);
            using var dam = backend.Upload<int>(argmax);
            using var dgx = backend.Allocate<float>(s.InputLength);
            double ms = Timed(backend, () => dgx.Fill(float.NaN), () => backend.Conv.MaxPool2x2Backward(s, dg, dam, dgx));
            return Result(backend, s.ToString(), Compare.Exact(dgx.ToArray(), expected), 0, ms, "exact: routed copies and zeros");
        }
    }

    public sealed class AvgPoolForward(bool odd) : KernelCheck
    {
        public override string Name => $"conv.avgpool.forward{(odd ? ".odd" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = PoolShapeFor(size, odd);
            var x = TestData.Normal(rng, s.InputLength);
            var (expected, magnitude) = ConvReference.AvgPool(s, TestData.ToDouble(x));
            using var dx = backend.Upload<float>(x);
            using var dy = backend.Allocate<float>(s.OutputLength);
            double ms = Timed(backend, () => dy.Fill(float.NaN), () => backend.Conv.AvgPool2x2Forward(s, dx, dy));
            return Result(backend, s.ToString(), DenseCheck.GemmError(dy.ToArray(), expected, magnitude), DenseCheck.GemmTolerance(4), ms,
                "|y−r|/(Σ|x|/4): two float32 roundings, ×0.25 exact");
        }
    }

    public sealed class AvgPoolBackward(bool odd) : KernelCheck
    {
        public override string Name => $"conv.avgpool.backward{(odd ? ".odd" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = PoolShapeFor(size, odd);
            var g = TestData.Normal(rng, s.OutputLength);
            var expected = ConvReference.AvgPoolBackward(s, TestData.ToDouble(g));
            using var dg = backend.Upload<float>(g);
            using var dgx = backend.Allocate<float>(s.InputLength);
            double ms = Timed(backend, () => dgx.Fill(float.NaN), () => backend.Conv.AvgPool2x2Backward(s, dg, dgx));
            return Result(backend, s.ToString(), Compare.Exact(dgx.ToArray(), expected), 0, ms, "exact: ×0.25 is exact");
        }
    }

    public static IEnumerable<KernelCheck> All()
    {
        yield return new Im2Col(Layer.Second, 0);
        yield return new Im2Col(Layer.First, 1);
        yield return new Col2Im(Layer.Second, 0);
        yield return new Col2Im(Layer.Second, 1);
        yield return new Forward(Layer.Second, Fill.Spikes, 0);
        yield return new Forward(Layer.Second, Fill.Spikes, 1);
        yield return new Forward(Layer.Second, Fill.Analog, 0);
        yield return new Forward(Layer.First, Fill.Analog, 0);
        yield return new Forward(Layer.First, Fill.Analog, 1);
        yield return new Backward(Layer.Second, Fill.Spikes, 0, accumulate: false, inputGradient: true);
        yield return new Backward(Layer.Second, Fill.Spikes, 1, accumulate: true, inputGradient: true);
        yield return new Backward(Layer.First, Fill.Analog, 0, accumulate: false, inputGradient: false);
        yield return new MaxPoolForward(Fill.Spikes, odd: false);
        yield return new MaxPoolForward(Fill.Analog, odd: true);
        yield return new MaxPoolBackward(odd: true);
        yield return new AvgPoolForward(odd: true);
        yield return new AvgPoolBackward(odd: true);
    }
}
