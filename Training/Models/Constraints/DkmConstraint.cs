using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using CodebookScope = SpikeFit.Training.Hardware.CodebookScope;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// DKM, differentiable k-means (Cho et al., ICLR 2022): every forward runs a few soft k-means
/// iterations of the layer's weights from the carried centroids c⁰ and computes with the soft
/// weights Ŵ_i = Σ_m a_im c_m (<see cref="DkmMath"/>). Backward differentiates Ŵ through every soft
/// assignment and centroid update into the weights; the gradient with respect to c⁰ is written to the
/// centroid tensor's gradient (it is what the finite-difference test checks) but c⁰ is not stepped by
/// the optimiser (learning-rate scale 0): as in the paper, each step starts from the previous step's
/// final centroids, copied in <see cref="AfterUpdate"/>. The absolute temperature τ·std(W₀) is fixed when
/// the layer is built and kept with c⁰ in checkpoints ("&lt;layer&gt;.dkm_centroids", "&lt;layer&gt;.dkm_tau").
/// <see cref="HardWeights"/> snaps to M float values for deployment. Host path (float64), one
/// download and upload per forward and backward, correct on every backend.
/// </summary>
public sealed class DkmConstraint : WeightConstraint
{
    private readonly DeviceBuffer<float> _soft;
    private DkmMath _math;
    private float _mathTau;
    /// <summary>A backward ran since the last update: the last forward was a training step.</summary>
    private bool _stepped;

    public int M { get; }
    public int Iterations { get; }
    /// <summary>c⁰, [1, M] (state, learning-rate scale 0).</summary>
    public Parameter Centroids { get; }
    /// <summary>The absolute temperature τ, [1, 1] (constant, learning-rate scale 0).</summary>
    public Parameter Temperature { get; }
    public override IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>M float32 centroids per layer once snapped.</summary>
    public override WeightStorage Storage => new(32, CodebookScope.Layer);
    public override string Describe => $"DKM M={M} (soft k-means, {Iterations} iterations)";

    /// <param name="relativeTemperature">τ in units of the standard deviation of the weights the layer starts from.</param>
    public DkmConstraint(Backend backend, Parameter weight, int rows, int fanIn, int m, float relativeTemperature, int iterations, int initSeed)
        : base(backend, weight, rows, fanIn)
    {
        if (m < 2) throw new ArgumentException($"{weight.Name}: DKM needs at least M = 2 centroids, got {m}.");
        if (!(relativeTemperature > 0)) throw new ArgumentException($"{weight.Name}: DKM temperature must be > 0, got {relativeTemperature}.");
        M = m;
        Iterations = iterations;
        var w = weight.Value.ToArray();
        var c = KMeans1D.Fit(w, m, KMeansInit.PlusPlus, initSeed).Centroids.Order().ToList();
        while (c.Count < m) c.Add(c[^1]);
        double mean = w.Length > 0 ? w.Average(v => (double)v) : 0;
        double std = w.Length > 1 ? Math.Sqrt(w.Sum(v => (v - mean) * (v - mean)) / w.Length) : 0;
        float tau = (float)(relativeTemperature * (std > 0 ? std : 1));
        Centroids = new Parameter(backend, ParameterName("dkm_centroids"), new[] { 1, m }, c.ToArray(), decay: false) { LearningRateScale = 0f };
        Temperature = new Parameter(backend, ParameterName("dkm_tau"), new[] { 1, 1 }, new[] { tau }, decay: false) { LearningRateScale = 0f };
        Parameters = new[] { Centroids, Temperature };
        _soft = backend.Allocate<float>(weight.Length);
        _math = new DkmMath(m, tau, iterations);
        _mathTau = tau;
    }

    /// <summary>The iteration state for the stored τ (rebuilt when a checkpoint load changed it).</summary>
    private DkmMath Math0()
    {
        float tau = Temperature.Value.ToArray()[0];
        if (tau != _mathTau)
        {
            _math = new DkmMath(M, tau, Iterations);
            _mathTau = tau;
        }
        return _math;
    }

    public override DeviceBuffer<float> Effective()
    {
        var w = Weight.Value.ToArray();
        var soft = new float[w.Length];
        Math0().Forward(w, Centroids.Value.ToArray(), soft);
        _soft.CopyFrom(soft);
        return _soft;
    }

    public override void Backward()
    {
        var w = Weight.Value.ToArray();
        var grad = Weight.Grad.ToArray();
        var gc = _math.Backward(w, grad);
        Weight.Grad.CopyFrom(grad);
        Centroids.Grad.CopyFrom(gc.Select(v => (float)v).ToArray());
        _stepped = true;
    }

    /// <summary>After a training step the next forward starts from this step's final centroids (DKM's warm restart).</summary>
    public override void AfterUpdate()
    {
        if (!_stepped) return;
        _stepped = false;
        Centroids.Value.CopyFrom(_math.LastCentroids);
    }

    /// <summary>The final centroids c^T from the current weights and state, sorted ascending.</summary>
    public float[] FinalCentroids()
    {
        Effective();
        return _math.LastCentroids.Order().ToArray();
    }

    /// <summary>Every weight snapped to its nearest final centroid: at most M distinct values (what is deployed).</summary>
    public float[] HardWeights() => DkmMath.Snap(Weight.Value.ToArray(), FinalCentroids());

    public override void Dispose()
    {
        Centroids.Dispose();
        Temperature.Dispose();
        _soft.Dispose();
    }
}
