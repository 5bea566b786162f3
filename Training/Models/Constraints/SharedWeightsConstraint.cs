using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using CodebookScope = SpikeFit.Training.Hardware.CodebookScope;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// Deep Compression weight sharing (Han et al. 2016; baseline 6 of DESIGN §5): the layer's weights
/// are clustered once into M float centroids (linear initialisation), the assignments are then
/// frozen, and only the centroids are fine-tuned with the summed gradient of their weights
/// (∂c_m = Σ_(a=m) ∂Ŵ). The latent weights are frozen (learning-rate scale 0).
/// </summary>
public sealed class SharedWeightsConstraint : WeightConstraint
{
    private readonly DeviceBuffer<int> _assignments;
    private readonly DeviceBuffer<float> _shared;
    private readonly int[] _hostAssignments;

    public int M => Shape.M;
    public CodebookShape Shape { get; }
    public Parameter Codebook { get; }
    public override IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>M float32 centroids per layer.</summary>
    public override WeightStorage Storage => new(32, CodebookScope.Layer);
    public override string Describe => $"Deep Compression M={M} (float centroids, frozen assignments)";

    /// <param name="codebook">Initial centroids (M values, e.g. a fine-tuned checkpoint's); null: k-means of the current weights.</param>
    public SharedWeightsConstraint(Backend backend, Parameter weight, int rows, int fanIn, int m, KMeansInit init,
        float[]? codebook = null) : base(backend, weight, rows, fanIn)
    {
        if (m < 2) throw new ArgumentException($"{weight.Name}: weight sharing needs at least M = 2 values, got {m}.");
        Shape = new CodebookShape(1, rows * fanIn, m);
        Shape.Validate();
        var w = weight.Value.ToArray();
        var centroids = codebook ?? KMeans1D.Fit(w, m, init).Centroids;
        if (centroids.Length < m) centroids = centroids.Concat(Enumerable.Repeat(centroids[^1], m - centroids.Length)).ToArray();
        if (centroids.Length != m) throw new ArgumentException($"{weight.Name}: {centroids.Length} centroids given, M = {m}.");
        var sorted = centroids.Order().ToArray();
        _hostAssignments = new int[w.Length];
        // Assignments are the nearest centroid of the weights this layer starts from, then frozen.
        KMeans1D.Assign(w, sorted, _hostAssignments);
        Codebook = new Parameter(backend, ParameterName("codebook"), new[] { 1, m }, sorted, decay: false);
        Parameters = new[] { Codebook };
        weight.LearningRateScale = 0f;
        _assignments = backend.Upload<int>(_hostAssignments);
        _shared = backend.Allocate<float>(w.Length);
    }

    public override DeviceBuffer<float> Effective()
    {
        // Gathered on the device from the frozen assignments: no host round trip per forward.
        Backend.Codebook.Gather(Shape, Codebook.Value, _assignments, _shared);
        return _shared;
    }

    public override void Backward() => Backend.Codebook.CentroidGradient(Shape, Weight.Grad, _assignments, Codebook.Grad);

    public override void Dispose()
    {
        Codebook.Dispose();
        _assignments.Dispose();
        _shared.Dispose();
    }
}
