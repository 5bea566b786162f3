using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Lif;

/// <summary>Scalar arguments of the LIF kernels (one struct keeps the kernel signatures short).</summary>
public struct LifKernelArgs
{
    public int T, B, N;
    /// <summary>Elements between consecutive steps of the input: B·N, or 0 when the input is broadcast.</summary>
    public int InputStepStride;
    public float Beta, Theta;
    /// <summary>1 keeps the ∂v/∂s term of the reset, 0 detaches it (detach_reset).</summary>
    public float KeepReset;
    public int WriteProduct;

    public static LifKernelArgs From(LifShape shape, LifConfig config, bool writeProduct) => new()
    {
        T = shape.T, B = shape.B, N = shape.N,
        InputStepStride = shape.BroadcastInput ? 0 : shape.B * shape.N,
        Beta = config.Beta, Theta = config.Theta,
        KeepReset = config.DetachReset ? 0f : 1f,
        WriteProduct = writeProduct ? 1 : 0,
    };
}

/// <summary>
/// ILGPU implementation (CUDA, OpenCL, ILGPU CPU): one thread per neuron (b, n), the time loop
/// inside the thread. Consecutive threads touch consecutive n, so every [T,B,N] access is coalesced.
/// </summary>
public sealed class LifIlgpu : ILifKernels
{
    private readonly IlgpuBackend _backend;
    private readonly KernelCache _cache;

    public LifIlgpu(IlgpuBackend backend)
    {
        _backend = backend;
        _cache = backend.Kernels;
    }

    internal static void ForwardKernel<TReset>(Index1D i, ArrayView<float> input, ArrayView<float> membrane,
        ArrayView<float> spikes, LifKernelArgs a, TReset reset)
        where TReset : struct, IReset
    {
        int step = a.B * a.N;
        int idx = i;
        int inIdx = i;
        float v = 0f;
        for (int t = 0; t < a.T; t++)
        {
            float h = LifStep.Charge(v, input[inIdx], a.Beta);
            float s = LifStep.Fire(h, a.Theta);
            membrane[idx] = h;
            spikes[idx] = s;
            v = reset.Apply(h, s, a.Theta);
            idx += step;
            inIdx += a.InputStepStride;
        }
    }

    internal static void BackwardKernel<TReset, TSurrogate>(Index1D i, ArrayView<float> membrane,
        ArrayView<float> gradSpikes, ArrayView<float> gradInput, ArrayView<float> product,
        LifKernelArgs a, TReset reset, TSurrogate surrogate)
        where TReset : struct, IReset
        where TSurrogate : struct, ISurrogate
    {
        int step = a.B * a.N;
        int idx = (a.T - 1) * step + i;
        float gradV = 0f, gradSum = 0f, c = 0f;
        bool broadcast = a.InputStepStride == 0;
        for (int t = a.T - 1; t >= 0; t--)
        {
            float h = membrane[idx];
            float g = gradSpikes[idx];
            float gradH = LifStep.Backward(h, g, ref gradV, a.Beta, a.Theta, a.KeepReset, reset, surrogate);
            if (broadcast) gradSum += gradH;
            else gradInput[idx] = gradH;
            c += LifStep.Fire(h, a.Theta) * g;
            idx -= step;
        }
        if (broadcast) gradInput[i] = gradSum;
        if (a.WriteProduct != 0) product[i] = c;
    }

    internal static void IntegratorForwardKernel(Index1D i, ArrayView<float> input, ArrayView<float> membrane, LifKernelArgs a)
    {
        int step = a.B * a.N;
        int idx = i, inIdx = i;
        float h = 0f;
        for (int t = 0; t < a.T; t++)
        {
            h = a.Beta * h + input[inIdx];
            membrane[idx] = h;
            idx += step;
            inIdx += a.InputStepStride;
        }
    }

    internal static void IntegratorBackwardKernel(Index1D i, ArrayView<float> gradMembrane, ArrayView<float> gradInput, LifKernelArgs a)
    {
        int step = a.B * a.N;
        int idx = (a.T - 1) * step + i;
        float carry = 0f, sum = 0f;
        bool broadcast = a.InputStepStride == 0;
        for (int t = a.T - 1; t >= 0; t--)
        {
            carry = gradMembrane[idx] + a.Beta * carry;
            if (broadcast) sum += carry;
            else gradInput[idx] = carry;
            idx -= step;
        }
        if (broadcast) gradInput[i] = sum;
    }

    internal static void FisherKernel(Index1D n, ArrayView<float> product, ArrayView<float> fisher, int rows, int cols)
    {
        float sum = 0f;
        int idx = n;
        for (int r = 0; r < rows; r++)
        {
            float c = product[idx];
            sum += c * c;
            idx += cols;
        }
        fisher[n] += sum;
    }

    public void Forward(LifShape shape, LifConfig config, DeviceBuffer<float> input, DeviceBuffer<float> membrane, DeviceBuffer<float> spikes)
    {
        LifDispatch.CheckForward(_backend, shape, config, input, membrane, spikes);
        var args = LifKernelArgs.From(shape, config, false);
        var n = (int)shape.StepSize;
        if (config.Reset == ResetMode.Soft)
            _cache.Get("lif.fwd.soft", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, LifKernelArgs, SoftReset>(
                ForwardKernel<SoftReset>))(n, input.View, membrane.View, spikes.View, args, default);
        else
            _cache.Get("lif.fwd.hard", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, LifKernelArgs, HardReset>(
                ForwardKernel<HardReset>))(n, input.View, membrane.View, spikes.View, args, default);
    }

    public void Backward(LifShape shape, LifConfig config, DeviceBuffer<float> membrane, DeviceBuffer<float> gradSpikes,
        DeviceBuffer<float> gradInput, DeviceBuffer<float>? spikeGradProduct = null)
    {
        LifDispatch.CheckBackward(_backend, shape, config, membrane, gradSpikes, gradInput, spikeGradProduct);
        var args = LifKernelArgs.From(shape, config, spikeGradProduct is not null);
        var product = spikeGradProduct?.View ?? _backend.Scratch.View;
        LifDispatch.Run(config, new BackwardLaunch(this, (int)shape.StepSize, membrane.View, gradSpikes.View, gradInput.View, product, args));
    }

    /// <summary>Binds the arguments once; <see cref="Run{TReset,TSurrogate}"/> picks the compiled variant.</summary>
    private readonly record struct BackwardLaunch(LifIlgpu Owner, int Threads, ArrayView<float> Membrane,
        ArrayView<float> GradSpikes, ArrayView<float> GradInput, ArrayView<float> Product, LifKernelArgs Args) : ILifVariantAction
    {
        public void Run<TReset, TSurrogate>(TReset reset, TSurrogate surrogate)
            where TReset : struct, IReset where TSurrogate : struct, ISurrogate
        {
            var kernel = Owner._cache.Get($"lif.bwd.{typeof(TReset).Name}.{typeof(TSurrogate).Name}",
                acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LifKernelArgs, TReset, TSurrogate>(
                    BackwardKernel<TReset, TSurrogate>));
            kernel(Threads, Membrane, GradSpikes, GradInput, Product, Args, reset, surrogate);
        }
    }

    public void IntegratorForward(LifShape shape, float beta, DeviceBuffer<float> input, DeviceBuffer<float> membrane)
    {
        LifDispatch.CheckIntegrator(_backend, shape, beta, input, membrane);
        var args = LifKernelArgs.From(shape, LifConfig.Default with { Beta = beta }, false);
        _cache.Get("lif.integrator.fwd", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LifKernelArgs>(
            IntegratorForwardKernel))((int)shape.StepSize, input.View, membrane.View, args);
    }

    public void IntegratorBackward(LifShape shape, float beta, DeviceBuffer<float> gradMembrane, DeviceBuffer<float> gradInput)
    {
        LifDispatch.CheckIntegrator(_backend, shape, beta, gradInput, gradMembrane);
        var args = LifKernelArgs.From(shape, LifConfig.Default with { Beta = beta }, false);
        _cache.Get("lif.integrator.bwd", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LifKernelArgs>(
            IntegratorBackwardKernel))((int)shape.StepSize, gradMembrane.View, gradInput.View, args);
    }

    public void AccumulateFisher(int rows, int n, DeviceBuffer<float> spikeGradProduct, DeviceBuffer<float> fisher)
    {
        LifDispatch.CheckFisher(_backend, rows, n, spikeGradProduct, fisher);
        _cache.Get("lif.fisher", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(FisherKernel))(
            n, spikeGradProduct.View, fisher.View, rows, n);
    }
}
