using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Lif;

/// <summary>Correctness checks of the fused LIF kernels against <see cref="LifReference"/>.</summary>
public static class LifCheck
{
    public static LifShape ShapeFor(CheckSize size, bool broadcast = false) =>
        size == CheckSize.Small ? new LifShape(6, 3, 37, broadcast) : new LifShape(16, 64, 2100, broadcast); // Large exceeds StreamingStore.MinBytes, so the CPU path streams its stores

    /// <summary>
    /// Random input currents whose reference membrane stays at least <paramref name="margin"/> away
    /// from θ at every step, so float32 and float64 agree on every spike and the comparison can be
    /// exact. Inputs that land too close are nudged and the reference re-run.
    /// </summary>
    public static float[] Currents(Random rng, LifShape shape, LifConfig config, double margin = 2e-3)
    {
        var input = TestData.Uniform(rng, shape.InputLength, -0.4f, 1.2f);
        int step = shape.B * shape.N;
        for (int round = 0; round < 100; round++)
        {
            var (h, _) = LifReference.Forward(shape, config, TestData.ToDouble(input));
            bool clean = true;
            for (int t = 0; t < shape.T && clean; t++)
                for (int i = 0; i < step; i++)
                {
                    if (Math.Abs(h[t * step + i] - config.Theta) >= margin) continue;
                    int at = (shape.BroadcastInput ? 0 : t * step) + i;
                    input[at] += (float)(3 * margin) * (rng.Next(2) == 0 ? -1 : 1);
                    clean = false;
                }
            if (clean) return input;
        }
        throw new InvalidOperationException("Could not generate LIF inputs away from the threshold.");
    }

    public sealed class Forward : KernelCheck
    {
        private readonly LifConfig _config;
        private readonly bool _broadcast;
        public Forward(ResetMode reset, bool broadcast = false)
        {
            _config = LifConfig.Default with { Reset = reset };
            _broadcast = broadcast;
        }

        public override string Name => $"lif.forward.{_config.Reset.ToString().ToLowerInvariant()}{(_broadcast ? ".broadcast" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var shape = ShapeFor(size, _broadcast);
            var input = Currents(rng, shape, _config);
            var (refH, refS) = LifReference.Forward(shape, _config, TestData.ToDouble(input));
            using var dIn = backend.Upload<float>(input);
            using var dH = backend.Allocate<float>(shape.StateLength);
            using var dS = backend.Allocate<float>(shape.StateLength);
            double ms = Timed(backend, () => { dH.Fill(float.NaN); dS.Fill(float.NaN); },
                () => backend.Lif.Forward(shape, _config, dIn, dH, dS));
            double err = Math.Max(Compare.MaxRelError(dH.ToArray(), refH), Compare.Exact(dS.ToArray(), refS));
            return Result(backend, $"T={shape.T} B={shape.B} N={shape.N}", err, 5e-5, ms, "membrane rel err; spikes exact");
        }
    }

    public sealed class Backward : KernelCheck
    {
        private readonly LifConfig _config;
        private readonly bool _broadcast;

        public Backward(ResetMode reset, SurrogateKind surrogate, bool detachReset = false, bool broadcast = false)
        {
            _config = LifConfig.Default with { Reset = reset, Surrogate = surrogate, DetachReset = detachReset };
            _broadcast = broadcast;
        }

        public override string Name =>
            $"lif.backward.{_config.Reset.ToString().ToLowerInvariant()}.{_config.Surrogate.ToString().ToLowerInvariant()}" +
            $"{(_config.DetachReset ? ".detach" : "")}{(_broadcast ? ".broadcast" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var shape = ShapeFor(size, _broadcast);
            var input = Currents(rng, shape, _config);
            var (refH, _) = LifReference.Forward(shape, _config, TestData.ToDouble(input));
            var h = TestData.ToFloat(refH);
            var gradS = TestData.Normal(rng, shape.StateLength);
            var (refGradI, refProduct) = LifReference.Backward(shape, _config, TestData.ToDouble(h), TestData.ToDouble(gradS));
            using var dH = backend.Upload<float>(h);
            using var dG = backend.Upload<float>(gradS);
            using var dGI = backend.Allocate<float>(shape.InputLength);
            using var dP = backend.Allocate<float>(shape.StepSize);
            double ms = Timed(backend, () => { dGI.Fill(float.NaN); dP.Fill(float.NaN); },
                () => backend.Lif.Backward(shape, _config, dH, dG, dGI, dP));
            double err = Math.Max(Compare.MaxRelError(dGI.ToArray(), refGradI), Compare.MaxRelError(dP.ToArray(), refProduct));
            return Result(backend, $"T={shape.T} B={shape.B} N={shape.N}", err, 2e-4, ms, "∂L/∂I and Σ s·∂L/∂s");
        }
    }

    public sealed class Fisher : KernelCheck
    {
        public override string Name => "lif.fisher";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int rows = size == CheckSize.Small ? 5 : 256, n = size == CheckSize.Small ? 37 : 4096;
            var product = TestData.Normal(rng, (long)rows * n);
            var start = TestData.Uniform(rng, n, 0f, 1f);
            var expected = LifReference.Fisher(rows, n, TestData.ToDouble(product));
            for (int j = 0; j < n; j++) expected[j] += start[j];
            using var dP = backend.Upload<float>(product);
            using var dF = backend.Allocate<float>(n);
            double ms = Timed(backend, () => dF.CopyFrom(start), () => backend.Lif.AccumulateFisher(rows, n, dP, dF));
            return Result(backend, $"B={rows} N={n}", Compare.MaxRelError(dF.ToArray(), expected), 1e-5, ms, "fisher += Σ_b c²");
        }
    }

    public sealed class Integrator : KernelCheck
    {
        private readonly bool _broadcast;
        public Integrator(bool broadcast) => _broadcast = broadcast;
        public override string Name => $"lif.integrator{(_broadcast ? ".broadcast" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            var shape = size == CheckSize.Small ? new LifShape(6, 3, 10, _broadcast) : new LifShape(16, 128, 10, _broadcast);
            const float beta = 0.9f;
            var input = TestData.Normal(rng, shape.InputLength);
            var gradH = TestData.Normal(rng, shape.StateLength);
            var refH = LifReference.IntegratorForward(shape, beta, TestData.ToDouble(input));
            var refG = LifReference.IntegratorBackward(shape, beta, TestData.ToDouble(gradH));
            using var dIn = backend.Upload<float>(input);
            using var dH = backend.Allocate<float>(shape.StateLength);
            using var dGH = backend.Upload<float>(gradH);
            using var dGI = backend.Allocate<float>(shape.InputLength);
            double ms = Timed(backend, () => { dH.Fill(float.NaN); dGI.Fill(float.NaN); }, () =>
            {
                backend.Lif.IntegratorForward(shape, beta, dIn, dH);
                backend.Lif.IntegratorBackward(shape, beta, dGH, dGI);
            });
            double err = Math.Max(Compare.MaxRelError(dH.ToArray(), refH), Compare.MaxRelError(dGI.ToArray(), refG));
            // A T-step float32 recursion: each step can add one rounding of the running value, so the
            // error near the comparison floor (1 % of the largest value) reaches ~T·2⁻²⁴·100 ≈ 1e-4 relative.
            return Result(backend, $"T={shape.T} B={shape.B} N={shape.N}", err, 1e-4, ms, "membrane and ∂I");
        }
    }

    public static IEnumerable<KernelCheck> All()
    {
        foreach (var reset in new[] { ResetMode.Soft, ResetMode.Hard })
        {
            yield return new Forward(reset);
            yield return new Forward(reset, broadcast: true);
            foreach (var s in Enum.GetValues<SurrogateKind>()) yield return new Backward(reset, s);
            yield return new Backward(reset, SurrogateKind.FastSigmoid, detachReset: true);
            yield return new Backward(reset, SurrogateKind.Atan, broadcast: true);
        }
        yield return new Fisher();
        yield return new Integrator(broadcast: false);
        yield return new Integrator(broadcast: true);
    }
}
