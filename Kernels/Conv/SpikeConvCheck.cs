using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Kernels.Conv;

/// <summary>
/// The spike-indexed convolution (<see cref="SpikeConvLayer"/>) against <see cref="ConvReference"/>'s
/// float64 direct convolution, on spike inputs (0/1, density <see cref="ConvCheck.SpikeDensity"/>), with
/// <see cref="ConvCheck"/>'s shapes, measure and tolerances (|err| / Σ|terms| ≤ 1e-6·√terms).
/// </summary>
public static class SpikeConvCheck
{
    public sealed class Forward(int padding) : KernelCheck
    {
        public override string Name => $"spikeconv.forward{(padding > 0 ? $".pad{padding}" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = ConvCheck.ShapeFor(size, ConvCheck.Layer.Second, padding);
            var x = ConvCheck.Input(rng, s.InputLength, ConvCheck.Fill.Spikes);
            var w = TestData.Normal(rng, s.WeightLength, 1f / MathF.Sqrt(s.Patch));
            var b = TestData.Normal(rng, s.O, 0.1f);
            var (expected, magnitude) = ConvReference.Forward(s, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b));
            using var dx = backend.Upload<float>(x);
            using var dw = backend.Upload<float>(w);
            using var db = backend.Upload<float>(b);
            using var masks = backend.Allocate<uint>(SpikeConvLayer.MaskLength(s));
            using var dy = backend.Allocate<float>(s.OutputLength);
            double ms = Timed(backend, () => dy.Fill(float.NaN), () => SpikeConvLayer.Forward(backend, s, dx, dw, db, masks, dy));
            return Result(backend, s.ToString(), DenseCheck.GemmError(dy.ToArray(), expected, magnitude),
                DenseCheck.GemmTolerance(s.Patch + 1), ms, "|y−r|/(Σ|wx|+|b|); spikes as bits, zeros skipped");
        }
    }

    public sealed class Backward(int padding, bool accumulate) : KernelCheck
    {
        public override string Name => $"spikeconv.backward{(padding > 0 ? $".pad{padding}" : "")}{(accumulate ? ".accumulate" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var s = ConvCheck.ShapeFor(size, ConvCheck.Layer.Second, padding);
            var x = ConvCheck.Input(rng, s.InputLength, ConvCheck.Fill.Spikes);
            var w = TestData.Normal(rng, s.WeightLength, 1f / MathF.Sqrt(s.Patch));
            var gy = TestData.Normal(rng, s.OutputLength);
            var w0 = TestData.Normal(rng, s.WeightLength);
            var b0 = TestData.Normal(rng, s.O);
            var r = ConvReference.Backward(s, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(gy),
                accumulate ? TestData.ToDouble(w0) : null, accumulate ? TestData.ToDouble(b0) : null);
            using var dx = backend.Upload<float>(x);
            using var dw = backend.Upload<float>(w);
            using var dgy = backend.Upload<float>(gy);
            using var masks = backend.Allocate<uint>(SpikeConvLayer.MaskLength(s));
            using var dgx = backend.Allocate<float>(s.InputLength);
            using var dgw = backend.Allocate<float>(s.WeightLength);
            using var dgb = backend.Allocate<float>(s.O);
            backend.SpikeConv.Pack(s, dx, masks);
            void Poison()
            {
                dgx.Fill(float.NaN);
                if (accumulate) { dgw.CopyFrom(w0); dgb.CopyFrom(b0); }
                else { dgw.Fill(float.NaN); dgb.Fill(float.NaN); }
            }
            double ms = Timed(backend, Poison, () => SpikeConvLayer.Backward(backend, s, masks, dw, dgy, dgx, dgw, dgb, accumulate));
            double ex = DenseCheck.GemmError(dgx.ToArray(), r.Input, r.InputMagnitude) / DenseCheck.GemmTolerance(s.O * s.K * s.K);
            int pixels = s.OutputPixels + (accumulate ? 1 : 0);
            double ew = DenseCheck.GemmError(dgw.ToArray(), r.Weight, r.WeightMagnitude) / DenseCheck.GemmTolerance(pixels);
            double eb = DenseCheck.GemmError(dgb.ToArray(), r.Bias, r.BiasMagnitude) / DenseCheck.GemmTolerance(pixels);
            return Result(backend, s.ToString(), Math.Max(ex, Math.Max(ew, eb)), 1, ms,
                $"max of err/tol: ∂x {ex:E1}, ∂W {ew:E1}, ∂b {eb:E1} (err = |g−r|/Σ|terms|, tol = 1e-6·√terms)");
        }
    }

    public static IEnumerable<KernelCheck> All()
    {
        yield return new Forward(0);
        yield return new Forward(1);
        yield return new Backward(0, accumulate: false);
        yield return new Backward(1, accumulate: true);
    }
}
