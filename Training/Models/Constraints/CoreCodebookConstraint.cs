using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Hardware;
using CodebookScope = SpikeFit.Training.Hardware.CodebookScope;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// SpikeFit CAT with one M-value codebook per core (DESIGN §4c): the rows a core holds share M values
/// on the layer's b-bit grid (one scale per layer). Cores need not be consecutive rows (a trained
/// partition groups rows by their inputs), so the core codebooks [cores, M] are expanded to one
/// copy per row [rows, M] after every projection (a gather with index core(r)·M + m) and the
/// per-neuron kernels assign and gather against that; the centroid gradient is summed per row, then
/// per core (a second centroid-gradient pass with the same index). Existing kernels only: nothing
/// is copied to the host per step.
/// </summary>
public sealed class CoreCodebookConstraint : WeightConstraint, IDeployableWeights
{
    private readonly CoreLayout _layout;
    private readonly CodebookShape _expandShape;
    private readonly DeviceBuffer<int> _assignments, _expandIndex;
    private readonly DeviceBuffer<float> _quantized, _projectedCores, _projectedRows, _rowGradient, _scale;
    private int _layoutVersion = -1;

    public int M { get; }
    public int Bits { get; }
    /// <summary>Per-row shape (rows groups of fanIn weights) against the expanded codebooks.</summary>
    public CodebookShape Shape { get; }
    public Parameter Codebook { get; }
    public CoreLayout Layout => _layout;
    public override IReadOnlyList<Parameter> Parameters { get; }
    public override WeightStorage Storage => new(Bits, CodebookScope.Core);
    public override string Describe => $"CAT M={M} b={Bits} per core of {_layout.NeuronsPerCore}";
    public override CorePartition? Partition => _layout.Partition;

    public CoreCodebookConstraint(Backend backend, Parameter weight, int rows, int fanIn, CoreLayout layout, int m, int bits,
        float learningRateScale, CodebookInit init, int initSeed) : base(backend, weight, rows, fanIn)
    {
        CodebookMath.ValidateBits(bits);
        if (m < 2 || m > 1 << bits) throw new ArgumentException($"{weight.Name}: M = {m} must be in 2..{1 << bits} for a {bits}-bit grid.");
        if (layout.Rows != rows || layout.FanIn != fanIn) throw new ArgumentException($"{weight.Name}: the core layout is for {layout.Rows}×{layout.FanIn} weights.");
        _layout = layout;
        M = m;
        Bits = bits;
        Shape = new CodebookShape(rows, fanIn, m);
        _expandShape = new CodebookShape(1, rows * m, layout.Cores * m);
        Codebook = new Parameter(backend, ParameterName("codebook"), new[] { layout.Cores, m }, InitialCodebook(weight.Value.ToArray(), init, initSeed), decay: false)
            { LearningRateScale = learningRateScale };
        Parameters = new[] { Codebook };
        _assignments = backend.Allocate<int>(Shape.Weights);
        _quantized = backend.Allocate<float>(Shape.Weights);
        _expandIndex = backend.Allocate<int>(rows * m);
        _projectedCores = backend.Allocate<float>(layout.Cores * m);
        _projectedRows = backend.Allocate<float>(rows * m);
        _rowGradient = backend.Allocate<float>(rows * m);
        _scale = backend.Allocate<float>(1);
        AfterUpdate();
    }

    /// <summary>k-means of each core's weights (the synapses that exist, when a mask is set), M values per core.</summary>
    private float[] InitialCodebook(float[] w, CodebookInit init, int seed)
    {
        var kind = init == CodebookInit.Linear ? KMeansInit.Linear : KMeansInit.PlusPlus;
        var rowsOf = _layout.RowsOfCores();
        var codebook = new float[_layout.Cores * M];
        for (int c = 0; c < _layout.Cores; c++)
        {
            var values = new List<float>();
            foreach (int r in rowsOf[c])
                for (int j = 0; j < FanIn; j++)
                    if (_layout.Mask is null || _layout.Mask[r * FanIn + j]) values.Add(w[r * FanIn + j]);
            if (values.Count == 0) values.Add(0f);
            var centroids = KMeans1D.Fit(values.ToArray(), M, kind, seed).Centroids;
            for (int k = 0; k < M; k++) codebook[c * M + k] = centroids[Math.Min(k, centroids.Length - 1)];
        }
        return codebook;
    }

    public override DeviceBuffer<float> Effective()
    {
        Backend.Codebook.AssignGather(Shape, Weight.Value, _projectedRows, _assignments, _quantized);
        return _quantized;
    }

    public override void Backward()
    {
        Backend.Codebook.CentroidGradient(Shape, Weight.Grad, _assignments, _rowGradient);
        Backend.Codebook.CentroidGradient(_expandShape, _rowGradient, _expandIndex, Codebook.Grad);
    }

    /// <summary>Projects the core codebooks to the grid with distinct levels per core, then expands them to the rows.</summary>
    public override void AfterUpdate()
    {
        if (_layoutVersion != _layout.Version)
        {
            var index = new int[Rows * M];
            for (int r = 0; r < Rows; r++)
                for (int k = 0; k < M; k++) index[r * M + k] = _layout.CoreOfRow[r] * M + k;
            _expandIndex.CopyFrom(index);
            _layoutVersion = _layout.Version;
        }
        Backend.Codebook.ProjectDistinct(_layout.Cores, M, Bits, Codebook.Value, _projectedCores, _scale);
        Backend.Codebook.Gather(_expandShape, _projectedCores, _expandIndex, _projectedRows);
    }

    public DeployableWeights Deployable()
    {
        Effective();
        var codebook = _projectedCores.ToArray();
        float scale = _scale.ToArray()[0];
        var levels = codebook.Select(c => scale > 0 ? (int)MathF.Round(c / scale) : 0).ToArray();
        return new DeployableWeights(M, Bits, scale, levels, CodebookScope.Core, _assignments.ToArray(), (int[])_layout.CoreOfRow.Clone());
    }

    public override void Dispose()
    {
        Codebook.Dispose();
        _assignments.Dispose();
        _quantized.Dispose();
        _expandIndex.Dispose();
        _projectedCores.Dispose();
        _projectedRows.Dispose();
        _rowGradient.Dispose();
        _scale.Dispose();
    }
}
