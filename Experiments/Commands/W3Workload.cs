using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;
using SpikeFit.Kernels.Lif;

namespace SpikeFit.Experiments.Commands;

/// <summary>
/// DESIGN §9 W3, the Open Neuromorphic framework benchmark: Linear(n, n) + LIF over [T, B, n],
/// loss = Σ spikes. The whole time loop is batched: one GEMM Y[T·B, n] = X·Wᵀ + b, then the fused
/// multi-step LIF. Backward: ∂L/∂s = 1, fused LIF backward, then one GEMM each for ∂W (and ∂X).
/// <para>
/// Buffers are only what the pass needs; two are reused once their contents are dead:
/// ∂L/∂I is written over Y (the LIF backward reads only h), and ∂X over s (spikes are recomputed
/// from h in the backward and the loss has already been summed from them). So the device holds
/// W, ∂W, b, ∂b, the loss partial sums [n] and five [T·B, n] tensors: X, Y/∂I, h, s/∂X, ∂L/∂s.
/// </para>
/// </summary>
public sealed class W3Workload : IDisposable
{
    private readonly Backend _backend;
    private readonly DeviceBuffer<float> _x, _w, _b, _y, _h, _s, _gradS, _gradW, _gradB, _lossSums;
    private readonly DeviceBuffer<float>[] _all;

    public int N { get; }
    public int B { get; }
    public int T { get; }
    public bool InputGrad { get; }
    public LifShape Shape => new(T, B, N);
    public int Rows => T * B;

    /// <summary>
    /// Uploads the given input x [T, B, n] and parameters W [n, n] (row = output neuron) and b [n].
    /// With <paramref name="inputGrad"/> the backward also computes ∂X (as when PyTorch's input requires grad).
    /// </summary>
    public W3Workload(Backend backend, int n, int b, int t, float[] x, float[] weight, float[] bias, bool inputGrad)
    {
        _backend = backend;
        (N, B, T, InputGrad) = (n, b, t, inputGrad);
        Shape.Validate();
        long act = Shape.StateLength;
        _x = backend.Upload<float>(x);
        _w = backend.Upload<float>(weight);
        _b = backend.Upload<float>(bias);
        _y = backend.Allocate<float>(act);
        _h = backend.Allocate<float>(act);
        _s = backend.Allocate<float>(act);
        _gradS = backend.Allocate<float>(act);
        _gradS.Fill(1f); // ∂(Σ s)/∂s: constant, like the expanded ones PyTorch's sum backward produces
        _gradW = backend.Allocate<float>((long)n * n);
        _gradB = backend.Allocate<float>(n);
        _lossSums = backend.Allocate<float>(n);
        _all = new[] { _x, _w, _b, _y, _h, _s, _gradS, _gradW, _gradB, _lossSums };
    }

    /// <summary>Random inputs with PyTorch's defaults: x ~ U[0, 1) dense currents; W, b ~ U(−1/√n, 1/√n) (nn.Linear's init).</summary>
    public static W3Workload Random(Backend backend, int n, int b, int t, bool inputGrad, int seed = 1)
    {
        var rng = new Random(seed);
        float bound = 1f / MathF.Sqrt(n);
        var w = TestData.Uniform(rng, (long)n * n, -bound, bound);
        var bias = TestData.Uniform(rng, n, -bound, bound);
        var x = TestData.Uniform(rng, (long)t * b * n, 0f, 1f);
        return new W3Workload(backend, n, b, t, x, w, bias, inputGrad);
    }

    /// <summary>Bytes of device memory this workload allocated (Σ buffer lengths × 4); GEMM-library workspaces are not included.</summary>
    public long AllocatedBytes => _all.Sum(buffer => buffer.Length * sizeof(float));

    /// <summary>Y = X·Wᵀ + b, fused LIF over all T (h, s), and the loss partial sums Σ_rows s.</summary>
    public void Forward()
    {
        DenseLayer.Forward(_backend.Dense, Rows, N, N, _x, _w, _b, _y);
        _backend.Lif.Forward(Shape, LifConfig.Default, _y, _h, _s);
        _backend.Dense.ColumnSum(Rows, N, _s, _lossSums);
    }

    /// <summary>∂L/∂I (over Y) by the fused LIF backward, then ∂W, ∂b and, with <see cref="InputGrad"/>, ∂X (over s).</summary>
    public void Backward()
    {
        _backend.Lif.Backward(Shape, LifConfig.Default, _h, _gradS, _y);
        DenseLayer.Backward(_backend.Dense, Rows, N, N, _x, _w, _y, InputGrad ? _s : null, _gradW, _gradB);
    }

    /// <summary>The loss Σ spikes (valid after <see cref="Forward"/>).</summary>
    public double Loss() => _lossSums.ToArray().Sum(v => (double)v);

    /// <summary>Pre-reset membrane [T,B,n] (valid after <see cref="Forward"/>).</summary>
    public float[] Membrane() => _h.ToArray();

    /// <summary>Spikes [T,B,n] (valid after <see cref="Forward"/>, before a backward with <see cref="InputGrad"/>).</summary>
    public float[] Spikes() => _s.ToArray();

    public float[] GradWeight() => _gradW.ToArray();
    public float[] GradBias() => _gradB.ToArray();

    /// <summary>∂L/∂X [T,B,n] (valid after <see cref="Backward"/> with <see cref="InputGrad"/>).</summary>
    public float[] GradInput() => InputGrad ? _s.ToArray() : throw new InvalidOperationException("Built without input gradient.");

    public void Dispose()
    {
        foreach (var buffer in _all) buffer.Dispose();
    }
}
