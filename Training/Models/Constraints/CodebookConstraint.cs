using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using CodebookScope = SpikeFit.Training.Hardware.CodebookScope;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// SpikeFit CAT (DESIGN §4): a latent codebook per group (one per layer, or one per output neuron,
/// or one for the whole network through a shared <see cref="NetworkCodebook"/>),
/// projected to a signed b-bit grid with one scale per layer after every update; each forward
/// assigns every weight to its nearest projected centroid and gathers Ŵ = c[a] (fused kernel).
/// Backward is straight-through for W (∂W = ∂Ŵ, already in the weight gradient) and summed per
/// centroid for the codebook (∂c_m = Σ_(a=m) ∂Ŵ), applied to the latent codebook.
/// </summary>
public sealed class CodebookConstraint : WeightConstraint, IDeployableWeights
{
    private readonly DeviceBuffer<int> _assignments;
    private readonly DeviceBuffer<float> _quantized, _projected;
    /// <summary>Δ of the projection, on the device (read back only by <see cref="Deployed"/>); null for whole-network scope.</summary>
    private readonly DeviceBuffer<float>? _scale;
    private readonly NetworkCodebook? _shared;

    public int Bits { get; }
    public int M => Shape.M;
    public bool PerNeuron { get; }
    /// <summary>The codebook is the network's, shared with every weighted layer.</summary>
    public bool WholeNetwork => _shared is not null;
    public CodebookShape Shape { get; }
    public Parameter Codebook { get; }
    public override IReadOnlyList<Parameter> Parameters { get; }
    public override WeightStorage Storage =>
        new(Bits, WholeNetwork ? CodebookScope.Network : PerNeuron ? CodebookScope.Neuron : CodebookScope.Layer);
    /// <summary>A per-neuron codebook has one row of M values per output channel.</summary>
    public override IReadOnlyList<Parameter> RowParameters => PerNeuron && !WholeNetwork ? new[] { Codebook } : Array.Empty<Parameter>();
    public override string Describe => $"CAT M={M} b={Bits} {(WholeNetwork ? "whole network" : PerNeuron ? "per neuron" : "per layer")}";

    /// <summary>Whole-network scope: this layer's Σ_(a=m) ∂Ŵ, summed over layers by the <see cref="NetworkCodebook"/>.</summary>
    internal DeviceBuffer<float>? PartialGradient { get; }
    /// <summary>Backward passes this layer has made (the shared sum checks all layers are in step).</summary>
    internal long PartialSteps { get; private set; }

    /// <param name="codebook">Initial latent codebook [groups, m], each group sorted ascending.</param>
    public CodebookConstraint(Backend backend, Parameter weight, int rows, int fanIn, float[] codebook, int m, int bits,
        bool perNeuron, float learningRateScale) : base(backend, weight, rows, fanIn)
    {
        CodebookMath.ValidateBits(bits);
        if (m < 2) throw new ArgumentException($"{weight.Name}: a codebook needs at least M = 2 values, got {m}.");
        if (m > 1 << bits) throw new ArgumentException($"{weight.Name}: M = {m} values do not fit a {bits}-bit grid (at most {1 << bits}).");
        Bits = bits;
        PerNeuron = perNeuron;
        Shape = perNeuron ? new CodebookShape(rows, fanIn, m) : new CodebookShape(1, rows * fanIn, m);
        Shape.Validate();
        if (codebook.Length != Shape.CodebookLength)
            throw new ArgumentException($"{weight.Name}: codebook has {codebook.Length} values; {Shape} needs {Shape.CodebookLength}.");
        Codebook = new Parameter(backend, ParameterName("codebook"), new[] { Shape.Groups, m }, codebook, decay: false)
            { LearningRateScale = learningRateScale };
        Parameters = new[] { Codebook };
        _assignments = backend.Allocate<int>(Shape.Weights);
        _quantized = backend.Allocate<float>(Shape.Weights);
        _projected = backend.Allocate<float>(Shape.CodebookLength);
        _scale = backend.Allocate<float>(1);
        AfterUpdate();
    }

    /// <summary>Whole-network scope: this layer assigns to <paramref name="shared"/>'s codebook. The
    /// first layer to join owns the tensor (lists it as its parameter and projects it).</summary>
    public CodebookConstraint(Backend backend, Parameter weight, int rows, int fanIn, NetworkCodebook shared)
        : base(backend, weight, rows, fanIn)
    {
        _shared = shared;
        Bits = shared.Bits;
        Shape = new CodebookShape(1, rows * fanIn, shared.M);
        Shape.Validate();
        Codebook = shared.Codebook;
        shared.Join(this);
        Parameters = shared.IsOwner(this) ? new[] { Codebook } : Array.Empty<Parameter>();
        _assignments = backend.Allocate<int>(Shape.Weights);
        _quantized = backend.Allocate<float>(Shape.Weights);
        _projected = shared.Projected;
        PartialGradient = backend.Allocate<float>(shared.M);
    }

    /// <summary>The projected codebook (Δ·q), its integer levels q, the scale Δ and the assignments, on the host.</summary>
    public (float[] Codebook, int[] Levels, float Scale, int[] Assignments) Deployed()
    {
        Effective();
        var codebook = _projected.ToArray();
        float scale = _shared?.Scale ?? _scale!.ToArray()[0];
        var levels = codebook.Select(c => scale > 0 ? (int)MathF.Round(c / scale) : 0).ToArray();
        return (codebook, levels, scale, _assignments.ToArray());
    }

    public DeployableWeights Deployable()
    {
        var (_, levels, scale, assignments) = Deployed();
        return new DeployableWeights(M, Bits, scale, levels, PerNeuron && !WholeNetwork ? CodebookScope.Neuron : CodebookScope.Layer, assignments);
    }

    public override DeviceBuffer<float> Effective()
    {
        Backend.Codebook.AssignGather(Shape, Weight.Value, _projected, _assignments, _quantized);
        return _quantized;
    }

    public override void Backward()
    {
        if (_shared is null)
        {
            Backend.Codebook.CentroidGradient(Shape, Weight.Grad, _assignments, Codebook.Grad);
            return;
        }
        Backend.Codebook.CentroidGradient(Shape, Weight.Grad, _assignments, PartialGradient!);
        PartialSteps++;
        if (_shared.IsOwner(this)) _shared.SumGradients();
    }

    /// <summary>
    /// Re-projects the latent codebook to the b-bit grid with distinct levels per group, on the
    /// device (<c>ICodebookKernels.ProjectDistinct</c>, the same bits as the host reference
    /// <see cref="DistinctLevels.Project"/>): nothing is copied to or from the host.
    /// </summary>
    public override void AfterUpdate()
    {
        if (_shared is not null)
        {
            if (_shared.IsOwner(this)) _shared.Project();
            return;
        }
        Backend.Codebook.ProjectDistinct(Shape.Groups, M, Bits, Codebook.Value, _projected, _scale!);
    }

    public override void Dispose()
    {
        _assignments.Dispose();
        _quantized.Dispose();
        PartialGradient?.Dispose();
        if (_shared is null)
        {
            Codebook.Dispose();
            _projected.Dispose();
            _scale?.Dispose();
        }
        else if (_shared.IsOwner(this)) _shared.Dispose();
    }
}
