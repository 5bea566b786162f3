using ILGPU;
using ILGPU.Runtime;
using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Conv;
using SpikeFit.Kernels.Dense;
using SpikeFit.Kernels.Encoding;
using SpikeFit.Kernels.Lif;
using SpikeFit.Kernels.Loss;
using SpikeFit.Kernels.Optim;
using SpikeFit.Kernels.Quantize;

namespace SpikeFit.Kernels.Core;

/// <summary>
/// A backend on one ILGPU accelerator (CUDA, OpenCL or ILGPU's CPU simulator). It owns its
/// context, accelerator and compiled kernels; disposing it frees buffers' accelerator, then the
/// context, in that order.
/// </summary>
public sealed class IlgpuBackend : Backend
{
    private readonly Context _context;
    private readonly bool _ownsContext;
    private DeviceBuffer<float>? _scratch;

    public Accelerator Accelerator { get; }
    public KernelCache Kernels { get; }
    public override BackendKind Kind { get; }
    public override string DeviceName => Accelerator.Name;

    public override ILifKernels Lif { get; }
    public override IDenseKernels Dense { get; }
    public override ICodebookKernels Codebook { get; }
    public override ILossKernels Loss { get; }
    public override IOptimizerKernels Optim { get; }
    public override IEncodingKernels Encoding { get; }
    public override IConvKernels Conv { get; }
    public override ISpikeConvKernels SpikeConv { get; }
    public override IQuantizerKernels Quantizer { get; }

    public IlgpuBackend(BackendKind kind, Context context, Device device, bool ownsContext = true)
    {
        Kind = kind;
        _context = context;
        _ownsContext = ownsContext;
        Accelerator = device.CreateAccelerator(context);
        Kernels = new KernelCache(Accelerator);
        Lif = new LifIlgpu(this);
        Dense = new DenseIlgpu(this);
        Codebook = new CodebookIlgpu(this);
        Loss = new LossIlgpu(this);
        Optim = new OptimizerIlgpu(this);
        Encoding = new EncodingIlgpu(this);
        Conv = new ConvIlgpu(this);
        SpikeConv = new SpikeConvIlgpu(this);
        Quantizer = new QuantizerIlgpu(this);
    }

    /// <summary>A one-element buffer passed where a kernel's optional output is not wanted.</summary>
    internal DeviceBuffer<float> Scratch => _scratch ??= Allocate<float>(1);

    /// <summary>Binds the accelerator to the calling thread (CUDA needs this on every thread that launches).</summary>
    public void Bind() => Accelerator.Bind();

    /// <summary>Zero-filled, like the managed backend's arrays (Adam moments and accumulators rely on it).</summary>
    public override DeviceBuffer<T> Allocate<T>(long length)
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(1, length));
        buffer.MemSetToZero();
        TrackAllocation(buffer.LengthInBytes);
        return new(this, buffer, length);
    }

    public override void Synchronize() => Accelerator.Synchronize();

    public override void Copy(DeviceBuffer<float> source, DeviceBuffer<float> destination)
    {
        Check(source, source.Length, nameof(source));
        Check(destination, source.Length, nameof(destination));
        source.View.SubView(0, source.Length).CopyTo(destination.View.SubView(0, source.Length));
    }

    public override void Dispose()
    {
        _scratch?.Dispose();
        // Family objects may own native handles (cuBLAS) or scratch buffers: free them before the accelerator.
        foreach (var family in new object[] { Lif, Dense, Codebook, Loss, Optim, Encoding, Quantizer })
            (family as IDisposable)?.Dispose();
        Accelerator.Dispose();
        if (_ownsContext) _context.Dispose();
    }
}
