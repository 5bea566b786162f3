using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Optim;

/// <summary>Correctness checks of the optimizer kernels against <see cref="OptimizerReference"/>.</summary>
public static class OptimizerCheck
{
    public const int Steps = 5;

    public static int CountFor(CheckSize size) => size == CheckSize.Small ? 3001 : 400_000;

    /// <summary>
    /// <see cref="Steps"/> Adam steps in a row, each with a fresh gradient, against the float64
    /// reference run on the same inputs. Fresh: m = v = 0 and steps 1..5 (bias corrections far
    /// from 1). Resume: random m, v ≥ 0 and steps 1000..1004 (a long run).
    /// </summary>
    public sealed class Adam : KernelCheck
    {
        private readonly AdamConfig _config;
        private readonly bool _resume;

        public Adam(float weightDecay, bool resume = false)
        {
            // lr = 1e-2 makes each update ~1% of |p|, far above the tolerance, so a wrong term shows.
            _config = new AdamConfig(LearningRate: 1e-2f, WeightDecay: weightDecay);
            _resume = resume;
        }

        public override string Name => $"optim.adam{(_config.WeightDecay > 0 ? ".decay" : "")}{(_resume ? ".resume" : "")}";

        public override CheckResult Run(Backend backend, int seed, CheckSize size)
        {
            var rng = new Random(seed);
            int n = CountFor(size);
            int firstStep = _resume ? 1000 : 1;
            var p0 = TestData.Normal(rng, n);
            var m0 = _resume ? TestData.Normal(rng, n, 0.1f) : new float[n];
            var v0 = _resume ? TestData.Uniform(rng, n, 0f, 0.02f) : new float[n];
            var grads = new float[Steps][];
            for (int s = 0; s < Steps; s++) grads[s] = TestData.Normal(rng, n, 0.5f);

            var refP = TestData.ToDouble(p0);
            var refM = TestData.ToDouble(m0);
            var refV = TestData.ToDouble(v0);
            for (int s = 0; s < Steps; s++)
                OptimizerReference.Adam(_config, firstStep + s, refP, TestData.ToDouble(grads[s]), refM, refV);

            using var dP = backend.Allocate<float>(n);
            using var dM = backend.Allocate<float>(n);
            using var dV = backend.Allocate<float>(n);
            var dG = new DeviceBuffer<float>[Steps];
            for (int s = 0; s < Steps; s++) dG[s] = backend.Upload<float>(grads[s]);
            try
            {
                // The update is in place: "poisoning" restores the starting state, so an element the
                // kernel skips keeps its old value and differs from the reference by ~lr.
                double ms = Timed(backend, () => { dP.CopyFrom(p0); dM.CopyFrom(m0); dV.CopyFrom(v0); }, () =>
                {
                    for (int s = 0; s < Steps; s++) backend.Optim.Adam(_config, firstStep + s, n, dP, dG[s], dM, dV);
                });
                // m is a decaying sum of ±0.1·g terms: where they cancel, its absolute error is a few
                // ulps of the terms, so it is measured against 10% of max|m| rather than the default 1%.
                double err = Math.Max(Compare.MaxRelError(dP.ToArray(), refP),
                    Math.Max(Compare.MaxRelError(dM.ToArray(), refM, 0.1), Compare.MaxRelError(dV.ToArray(), refV)));
                // 1e-5: a few float32 roundings of p, m, v per step over 5 steps (measured ≤ 2e-6 at
                // 400k parameters) plus float bias corrections; a wrong bias correction or decay term
                // changes p by ≥ 1e-3 relative, a skipped element by ~lr.
                return Result(backend, $"n={n} steps {firstStep}..{firstStep + Steps - 1} lr={_config.LearningRate} wd={_config.WeightDecay}",
                    err, 1e-5, ms, $"p, m, v after {Steps} steps (time for all {Steps})");
            }
            finally
            {
                foreach (var g in dG) g.Dispose();
            }
        }
    }

    public static IEnumerable<KernelCheck> All()
    {
        yield return new Adam(0f);
        yield return new Adam(0.1f);
        yield return new Adam(0.01f, resume: true);
    }
}
