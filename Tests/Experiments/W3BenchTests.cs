using SpikeFit.Experiments.Commands;
using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Experiments;

/// <summary>
/// The W3 benchmark computes the right thing: its batched forward (GEMM + bias, fused LIF) and
/// backward (fused LIF backward, ∂W, ∂b, ∂X) against a float64 reference of the per-step network
/// that the PyTorch script runs (matmul per step + <see cref="LifReference"/>), loss = Σ spikes.
/// </summary>
public abstract class W3BenchTests : BackendTestBase
{
    private const int N = 32, B = 2, T = 5;

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_and_backward_match_float64_reference(bool inputGrad)
    {
        var backend = Backend;
        int seed = FreshSeed();
        var rng = new Random(seed);
        int rows = T * B;
        // Twice nn.Linear's init bound and a positive bias, so a 32-input layer fires often enough to exercise both branches.
        float bound = 2f / MathF.Sqrt(N);
        var w = TestData.Uniform(rng, N * N, -bound, bound);
        var bias = TestData.Uniform(rng, N, 0f, 0.3f);
        var x = TestData.Uniform(rng, rows * N, 0f, 1f);
        using var work = new W3Workload(backend, N, B, T, x, w, bias, inputGrad);

        // Reference: I_t = W·x_t + b per step, LIF forward, ∂L/∂s = 1, LIF backward, then the dense gradients.
        var current = new double[rows * N];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < N; o++)
            {
                double acc = bias[o];
                for (int i = 0; i < N; i++) acc += (double)x[r * N + i] * w[o * N + i];
                current[r * N + o] = acc;
            }
        var shape = new LifShape(T, B, N);
        var (h, s) = LifReference.Forward(shape, LifConfig.Default, current);
        var ones = Enumerable.Repeat(1.0, rows * N).ToArray();
        var (gradI, _) = LifReference.Backward(shape, LifConfig.Default, h, ones);
        var gradW = new double[N * N];
        var gradB = new double[N];
        var gradX = new double[rows * N];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < N; o++)
            {
                double g = gradI[r * N + o];
                gradB[o] += g;
                for (int i = 0; i < N; i++)
                {
                    gradW[o * N + i] += g * x[r * N + i];
                    gradX[r * N + i] += g * w[o * N + i];
                }
            }
        double spikes = s.Sum();
        Assert.True(spikes > 0 && spikes < s.Length, $"degenerate firing ({spikes} of {s.Length}); seed {seed}");
        // A float GEMM puts h within ~1e-6 of the float64 value; a spike could flip only that close to θ.
        Skip.If(h.Any(v => Math.Abs(v - 1.0) < 1e-5), $"a membrane lies within 1e-5 of threshold (seed {seed})");

        // Two passes: the second must not accumulate onto the first (gradients are overwritten per pass).
        for (int pass = 0; pass < 2; pass++)
        {
            work.Forward();
            Assert.True(Compare.MaxRelError(work.Membrane(), h) <= 1e-5, $"membrane, pass {pass}, seed {seed}");
            Assert.Equal(0, Compare.Exact(work.Spikes(), s));
            Assert.Equal(spikes, work.Loss(), 3);
            work.Backward();
            // Surrogate slope ≤ 50 per unit h turns 1e-6 membrane error into ≤ 1e-4 relative, over T = 5 steps.
            Assert.True(Compare.MaxRelError(work.GradWeight(), gradW) <= 1e-3, $"∂W, pass {pass}, seed {seed}");
            Assert.True(Compare.MaxRelError(work.GradBias(), gradB) <= 1e-3, $"∂b, pass {pass}, seed {seed}");
            if (inputGrad)
                Assert.True(Compare.MaxRelError(work.GradInput(), gradX) <= 1e-3, $"∂X, pass {pass}, seed {seed}");
        }
    }

    [SkippableFact]
    public void Allocates_only_the_five_activation_tensors_and_two_weight_matrices()
    {
        using var work = W3Workload.Random(Backend, N, B, T, inputGrad: true, seed: FreshSeed());
        // W, ∂W; b, ∂b, loss partial sums; X, Y/∂I, h, s/∂X, ∂L/∂s.
        long expected = (2L * N * N + 3L * N + 5L * T * B * N) * sizeof(float);
        Assert.Equal(expected, work.AllocatedBytes);
    }
}
