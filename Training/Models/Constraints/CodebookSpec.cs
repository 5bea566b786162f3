using System.Text.Json.Serialization;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Models.Constraints;

// In SpikeFit.Training.Models (not .Constraints) with NetworkSpec, as before the constraint seam, so code
// that writes `spec with { Codebook = new CodebookSpec(...) }` keeps compiling.
namespace SpikeFit.Training.Models;

/// <summary>How a CAT codebook is initialised from the warm-start weights.</summary>
public enum CodebookInit { KMeans, Linear }

/// <summary>
/// Clusterization-aware training (DESIGN §4): every dense layer keeps an M-value codebook on a b-bit
/// grid, per layer, per output neuron, per core of <see cref="NeuronsPerCore"/> neurons (DESIGN §4c;
/// the cores of an enclosing <see cref="ConnectivitySpec"/>'s partition, else consecutive rows), or
/// one for the whole network (<see cref="WholeNetwork"/>: every layer shares M values and one scale), learnt with the weights at
/// <see cref="LearningRateScale"/> times the weights' learning rate. Registered as "cat".
/// </summary>
public sealed record CodebookSpec(int M = 4, int Bits = 4, bool PerNeuron = false, float LearningRateScale = 0.1f,
    CodebookInit Init = CodebookInit.KMeans, int InitSeed = 0, bool WholeNetwork = false, int NeuronsPerCore = 0)
    : ConstraintSpec, ICoreScopedSpec
{
    /// <summary>"per layer", "per neuron", "per core of P" or "whole network".</summary>
    [JsonIgnore]
    public string ScopeName => WholeNetwork ? "whole network" : PerNeuron ? "per neuron" : NeuronsPerCore > 0 ? $"per core of {NeuronsPerCore}" : "per layer";

    public override (int Bits, int Values)? ValueGrid() => (Bits, M);

    public override string Describe() => $"CAT M={M} b={Bits} {ScopeName}";

    public override void Validate(NetworkSpec network)
    {
        if (M < 2) throw new ArgumentException($"codebook M must be at least 2, got {M}.");
        if (Bits is not (2 or 3 or 4 or 8 or 16)) throw new ArgumentException($"codebook bits must be 2, 3, 4, 8 or 16, got {Bits}.");
        if (M > 1 << Bits) throw new ArgumentException($"codebook M = {M} values do not fit a {Bits}-bit grid (at most {1 << Bits}): raise the bits or lower M.");
        if (!(LearningRateScale >= 0)) throw new ArgumentException($"codebook learning-rate scale must be ≥ 0, got {LearningRateScale}.");
        if (PerNeuron && WholeNetwork) throw new ArgumentException("choose one codebook scope: per neuron or whole network, not both.");
        if (NeuronsPerCore < 0) throw new ArgumentException($"neurons per core must be positive, got {NeuronsPerCore}.");
        if (NeuronsPerCore > 0 && (PerNeuron || WholeNetwork))
            throw new ArgumentException($"choose one codebook scope: per core, or {(PerNeuron ? "per neuron" : "whole network")}, not both.");
        // On a conv layer the rows are channels shared by every position: a per-core codebook of P rows is one codebook
        // per group of P channels, the same in every position's core.
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn)
    {
        if (WholeNetwork)
            throw new InvalidOperationException("A whole-network codebook is shared by every layer: build it through ForNetwork, not per layer.");
        if (NeuronsPerCore > 0) return Create(backend, weight, rows, fanIn, CoreLayout.Contiguous(rows, fanIn, NeuronsPerCore));
        return new CodebookConstraint(backend, weight, rows, fanIn, InitialCodebook(weight.Value.ToArray(), rows, fanIn),
            M, Bits, PerNeuron, LearningRateScale);
    }

    /// <summary>Per-core scope on <paramref name="layout"/>'s cores (kept current by the mask that owns it).</summary>
    public WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn, CoreLayout layout) =>
        new CoreCodebookConstraint(backend, weight, rows, fanIn, layout, M, Bits, LearningRateScale, Init, InitSeed);

    public override NetworkConstraints ForNetwork(Backend backend) =>
        WholeNetwork ? new WholeNetworkBuild(this, backend) : base.ForNetwork(backend);

    /// <summary>
    /// The codebook CAT starts from (DESIGN §4): k-means (k-means++ seeded by <see cref="InitSeed"/>) on the
    /// warm-start weights, per layer or per output neuron, or linear over [min, max]. Linear spreads the
    /// M values over the outliers, so most small weights snap to a much larger value; k-means is the default.
    /// </summary>
    private float[] InitialCodebook(float[] w, int outputs, int inputs)
    {
        var init = Init == CodebookInit.Linear ? KMeansInit.Linear : KMeansInit.PlusPlus;
        if (!PerNeuron) return Pad(KMeans1D.Fit(w, M, init, InitSeed).Centroids, M);
        var rows = KMeans1D.FitPerRow(w, outputs, inputs, M, init, InitSeed);
        return rows.SelectMany(r => Pad(r.Centroids, M)).ToArray();
    }

    /// <summary>k-means returns fewer than M centroids when a group has fewer distinct weights; repeat the last.</summary>
    private static float[] Pad(float[] centroids, int m)
    {
        if (centroids.Length >= m) return centroids;
        var padded = new float[m];
        for (int i = 0; i < m; i++) padded[i] = centroids[Math.Min(i, centroids.Length - 1)];
        return padded;
    }

    /// <summary>Every layer joins one <see cref="NetworkCodebook"/>, initialised from all weights together, in layer order.</summary>
    private sealed class WholeNetworkBuild : NetworkConstraints
    {
        private readonly NetworkCodebook _shared;
        private readonly CodebookSpec _spec;

        public WholeNetworkBuild(CodebookSpec spec, Backend backend) : base(spec, backend)
        {
            _spec = spec;
            _shared = new NetworkCodebook(backend, spec.M, spec.Bits, spec.LearningRateScale);
        }

        public override WeightConstraint Constrain(Parameter weight, int rows, int fanIn) =>
            new CodebookConstraint(Backend, weight, rows, fanIn, _shared);

        public override void Complete(SpikingNetwork network)
        {
            var all = network.Layers.OfType<IWeightedLayer>().SelectMany(l => l.Weight.Value.ToArray()).ToArray();
            _shared.Initialise(_spec.InitialCodebook(all, 1, all.Length));
        }
    }
}
