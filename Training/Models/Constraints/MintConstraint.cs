using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Compression;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// MINT (Yin et al., ASP-DAC 2024, arXiv 2305.09850) weights: LSQ's signed b-bit grid with one learned
/// scale s per layer (the forward, the straight-through weight gradient and the step gradient are
/// <see cref="LsqConstraint"/>'s, unchanged; the tensor is "&lt;layer&gt;.mint_scale"). What MINT adds is
/// that the LIF neurons this layer drives keep their membrane as a b_u-bit integer count of the same s
/// (<see cref="MembraneFor"/>, attached by <see cref="MintSpec"/>), so the deployed layer needs no
/// multiplier. The weights export as integers (<see cref="IDeployableWeights"/>: M = 2^b levels
/// −2^(b−1) … 2^(b−1) − 1 times s).
/// </summary>
public sealed class MintConstraint : LsqConstraint, IDeployableWeights
{
    public int MembraneBits { get; }
    public override string Describe => $"MINT {Bits}-bit weights, {MembraneBits}-bit membrane (shared scale)";

    public MintConstraint(Backend backend, Parameter weight, int rows, int fanIn, int bits, int membraneBits, float stepLearningRateScale)
        : base(backend, weight, rows, fanIn, bits, stepLearningRateScale, "mint_scale")
    {
        if (membraneBits is < 2 or > 16) throw new ArgumentException($"{weight.Name}: MINT membrane needs 2..16 bits, got {membraneBits}.");
        MembraneBits = membraneBits;
    }

    /// <summary>The quantized membrane of the LIF layer this layer drives (it reads s at every forward).</summary>
    public IMembraneQuantizer MembraneFor() => new MintMembrane(this);

    /// <summary>Every level of the grid is a codebook entry: index a = q + 2^(b−1), weight = s·q.</summary>
    public DeployableWeights Deployable()
    {
        var (levels, s) = Deployed();
        var (qn, qp) = CodebookMath.GridRange(Bits);
        int lo = (int)qn;
        var grid = Enumerable.Range(lo, (int)qp - lo + 1).ToArray();
        return new DeployableWeights(grid.Length, Bits, s, grid, Hardware.CodebookScope.Layer, levels.Select(q => q - lo).ToArray());
    }
}

/// <summary>
/// MINT's integer membrane as the float network's LIF forward (<see cref="MintNeuron"/> per neuron and
/// step): the current is taken in units of the weight scale s, the state is a saturating b_u-bit
/// integer, the threshold is ⌈θ/s⌉ and the leak a rounded table. It writes h·s (the pre-reset
/// membrane in current units) for the unchanged surrogate backward. A stated host path, as LSQ's
/// quantizer: one download of the current and one upload of membrane and spikes per forward, so it is
/// the same on every backend (cpu, ILGPU simulator, CUDA, OpenCL), not a device kernel.
/// </summary>
public sealed class MintMembrane : IMembraneQuantizer
{
    private readonly MintConstraint _weights;

    public MintMembrane(MintConstraint weights) => _weights = weights;

    public int MembraneBits => _weights.MembraneBits;

    // Host copies reused across forwards (a conv layer's [T, B, N] is tens of MB; fresh arrays each step cost GC time).
    private float[] _current = Array.Empty<float>(), _membrane = Array.Empty<float>(), _spikes = Array.Empty<float>();

    private static float[] Fit(ref float[] array, long length)
    {
        if (array.LongLength != length) array = new float[length];
        return array;
    }

    public void Forward(LifShape shape, LifConfig config, DeviceBuffer<float> input, DeviceBuffer<float> membrane, DeviceBuffer<float> spikes)
    {
        shape.Validate();
        float s = _weights.StepValue;
        var neuron = MintNeuron.Create(s, config.Theta, config.Beta, config.Reset, MembraneBits);
        var current = Fit(ref _current, input.Length);
        input.CopyTo(current);
        var h = Fit(ref _membrane, membrane.Length);
        var spk = Fit(ref _spikes, spikes.Length);
        int n = (int)shape.StepSize;
        const int chunkSize = 4096;
        // Chunks of neurons in parallel; inside a chunk time runs outermost so each step reads and writes contiguously.
        Parallel.For(0, (n + chunkSize - 1) / chunkSize, chunk =>
        {
            int start = chunk * chunkSize, end = Math.Min(n, start + chunkSize);
            var v = new long[end - start];
            for (int t = 0; t < shape.T; t++)
            {
                long step = (long)t * n, read = shape.BroadcastInput ? 0 : step;
                for (int i = start; i < end; i++)
                {
                    long hi = neuron.Step(ref v[i - start], MintNeuron.CurrentUnits((double)current[read + i] / s), out bool fired);
                    h[step + i] = hi * s;
                    spk[step + i] = fired ? 1f : 0f;
                }
            }
        });
        membrane.CopyFrom(h);
        spikes.CopyFrom(spk);
    }
}
