using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Hardware;
using CodebookScope = SpikeFit.Training.Hardware.CodebookScope;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// One layer under TrueNorth's rule (see <see cref="TrueNorthSpec"/>). On the device: the values
/// [rows, types] are projected to the b-bit grid (<c>ICodebookKernels.Project</c>, one scale per layer,
/// no reordering, so type t stays slot t), and Ŵ[i, j] = ĉ_i[a(i, j)] is a per-neuron gather with the
/// fixed index a(i, j) = type_core(i)(j); ∂c_i[t] = Σ_(j: a = t) ∂Ŵ[i, j] (per-neuron centroid
/// gradient). The latent weights get ∂Ŵ straight through and are what the types are reassigned to.
/// Types are kept on the host and in the "&lt;layer&gt;.axon_types" parameter [cores, fanIn]
/// (learning-rate scale 0) so checkpoints hold them.
/// </summary>
public sealed class TrueNorthConstraint : WeightConstraint, IDeployableWeights
{
    private readonly TrueNorthSpec _spec;
    private readonly CoreLayout _layout;
    private readonly DeviceBuffer<int> _assignments;
    private readonly DeviceBuffer<float> _projected, _quantized, _scale;
    private int[] _types;
    private int _layoutVersion;
    private long _steps;
    private bool _backwardSinceUpdate;

    public CodebookShape Shape { get; }
    /// <summary>Latent per-neuron values [rows, types].</summary>
    public Parameter Values { get; }
    /// <summary>Axon types [cores, fanIn] as floats (checkpoint copy of the host types).</summary>
    public Parameter TypesParameter { get; }
    public CoreLayout Layout => _layout;
    /// <summary>Host copy of the axon types [cores, fanIn].</summary>
    public IReadOnlyList<int> AxonTypes => _types;
    public int Reassignments { get; private set; }
    public override IReadOnlyList<Parameter> Parameters { get; }
    public override IReadOnlyList<Parameter> RowParameters => new[] { Values };
    public override WeightStorage Storage => new(_spec.Bits, CodebookScope.Neuron);
    public override string Describe => _spec.Describe();
    public override CorePartition? Partition => _layout.Partition;

    public TrueNorthConstraint(Backend backend, Parameter weight, int rows, int fanIn, CoreLayout layout, TrueNorthSpec spec)
        : base(backend, weight, rows, fanIn)
    {
        if (layout.Rows != rows || layout.FanIn != fanIn) throw new ArgumentException($"{weight.Name}: the core layout is for {layout.Rows}×{layout.FanIn} weights.");
        _spec = spec;
        _layout = layout;
        Shape = new CodebookShape(rows, fanIn, spec.Types);
        var (types, values) = Constraints.AxonTypes.Fit(weight.Value.ToArray(), layout, spec.Types, spec.InitIterations);
        _types = types;
        Values = new Parameter(backend, ParameterName("axon_values"), new[] { rows, spec.Types }, values, decay: false)
            { LearningRateScale = spec.LearningRateScale };
        TypesParameter = new Parameter(backend, ParameterName("axon_types"), new[] { layout.Cores, fanIn }, new float[layout.Cores * fanIn], decay: false)
            { LearningRateScale = 0f };
        Parameters = new[] { Values, TypesParameter };
        _assignments = backend.Allocate<int>(Shape.Weights);
        _projected = backend.Allocate<float>(rows * spec.Types);
        _quantized = backend.Allocate<float>(Shape.Weights);
        _scale = backend.Allocate<float>(1);
        UploadTypes();
        Backend.Codebook.Project(rows * spec.Types, spec.Bits, Values.Value, _projected, _scale);
    }

    public override DeviceBuffer<float> Effective()
    {
        Backend.Codebook.Gather(Shape, _projected, _assignments, _quantized);
        return _quantized;
    }

    public override void Backward()
    {
        _steps++;
        _backwardSinceUpdate = true;
        Backend.Codebook.CentroidGradient(Shape, Weight.Grad, _assignments, Values.Grad);
    }

    public override void AfterUpdate()
    {
        if (!_backwardSinceUpdate)
        {
            // Values were loaded (warm start or checkpoint): take the types they were trained with, if any.
            var stored = TypesParameter.Value.ToArray();
            if (stored.Any(v => v != 0f) || _layout.Version != _layoutVersion)
            {
                _types = stored.Select(v => (int)v).ToArray();
                UploadTypes();
            }
        }
        else if (_layout.Version != _layoutVersion)
        {
            // The mask was revised: newly connected axons still carry the type fitted while they were
            // absent (arbitrary), so every column takes the type nearest its latent weights first.
            Constraints.AxonTypes.Reassign(Weight.Value.ToArray(), _layout, _projected.ToArray(), _spec.Types, _types);
            UploadTypes();
        }
        _backwardSinceUpdate = false;
        Backend.Codebook.Project(Rows * _spec.Types, _spec.Bits, Values.Value, _projected, _scale);
        if (_spec.ReassignEvery > 0 && _steps > 0 && _steps % _spec.ReassignEvery == 0 && (_spec.ReassignUntil == 0 || _steps <= _spec.ReassignUntil)) Reassign();
    }

    /// <summary>Each column of each core takes the type whose projected values are nearest the latent weights.</summary>
    private void Reassign()
    {
        if (Constraints.AxonTypes.Reassign(Weight.Value.ToArray(), _layout, _projected.ToArray(), _spec.Types, _types)) UploadTypes();
        Reassignments++;
    }

    private void UploadTypes()
    {
        var index = new int[Rows * FanIn];
        for (int r = 0; r < Rows; r++)
        {
            int c = _layout.CoreOfRow[r];
            for (int j = 0; j < FanIn; j++) index[r * FanIn + j] = _types[c * FanIn + j];
        }
        _assignments.CopyFrom(index);
        TypesParameter.Value.CopyFrom(_types.Select(t => (float)t).ToArray());
        _layoutVersion = _layout.Version;
    }

    public DeployableWeights Deployable()
    {
        var projected = _projected.ToArray();
        float scale = _scale.ToArray()[0];
        var levels = projected.Select(c => scale > 0 ? (int)MathF.Round(c / scale) : 0).ToArray();
        var index = new int[Rows * FanIn];
        for (int r = 0; r < Rows; r++)
            for (int j = 0; j < FanIn; j++) index[r * FanIn + j] = _types[_layout.CoreOfRow[r] * FanIn + j];
        return new DeployableWeights(_spec.Types, _spec.Bits, scale, levels, CodebookScope.Neuron, index,
            (int[])_layout.CoreOfRow.Clone(), (int[])_types.Clone());
    }

    public override void Dispose()
    {
        Values.Dispose();
        TypesParameter.Dispose();
        _assignments.Dispose();
        _projected.Dispose();
        _quantized.Dispose();
        _scale.Dispose();
    }
}
