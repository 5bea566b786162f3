using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;

namespace SpikeFit.Training.Models;

/// <summary>Builds the networks of SPEC §3 from a <see cref="NetworkSpec"/>, weights drawn from the seed.</summary>
public static class ModelZoo
{
    /// <param name="warmStart">Parameter values to start from (e.g. a full-precision run's
    /// <see cref="SpikingNetwork.Snapshot"/>); missing names are drawn from the seed.</param>
    public static SpikingNetwork Build(Backend backend, NetworkSpec spec, int seed, IReadOnlyDictionary<string, float[]>? warmStart = null)
    {
        spec.Validate();
        var rng = new Random(seed);
        var layers = new List<ILayer>();
        var lif = spec.Lif;
        switch (spec.Net)
        {
            case "mlp":
            {
                int inputs = spec.InputHeight * spec.InputWidth * spec.InputChannels;
                for (int i = 0; i < spec.Hidden.Length; i++)
                {
                    layers.Add(Dense(backend, spec, $"fc{i + 1}", inputs, spec.Hidden[i], rng, warmStart));
                    layers.Add(new LifLayer(backend, $"lif{i + 1}", FeatureShape.Flat(spec.Hidden[i]), lif));
                    inputs = spec.Hidden[i];
                }
                layers.Add(Dense(backend, spec, $"fc{spec.Hidden.Length + 1}", inputs, spec.Classes, rng, warmStart));
                break;
            }
            case "conv":
            {
                // 16C3-P2-32C3-P2-FC10 (SPEC §3): conv → LIF → 2×2 max pool per hidden stage.
                var shape = new FeatureShape(spec.InputHeight, spec.InputWidth, spec.InputChannels);
                for (int i = 0; i < spec.Hidden.Length; i++)
                {
                    var conv = new Conv2dLayer(backend, $"conv{i + 1}", shape, spec.Hidden[i], kernel: 3, padding: 0, rng);
                    layers.Add(conv);
                    layers.Add(new LifLayer(backend, $"lif{i + 1}", conv.OutputShape, lif));
                    var pool = new MaxPool2dLayer(backend, $"pool{i + 1}", conv.OutputShape);
                    layers.Add(pool);
                    shape = pool.OutputShape;
                }
                layers.Add(Dense(backend, spec, "fc", shape.Size, spec.Classes, rng, warmStart));
                break;
            }
            default:
                throw new ArgumentException($"Unknown net '{spec.Net}'.");
        }
        var outShape = FeatureShape.Flat(spec.Classes);
        layers.Add(spec.Readout == Readout.Membrane
            ? new IntegratorLayer(backend, "readout", outShape, spec.Beta)
            : new LifLayer(backend, "lif.out", outShape, lif));
        var network = new SpikingNetwork(backend, spec, layers);
        if (warmStart is not null)
            foreach (var p in network.Parameters)
                if (spec.Codebook is null && warmStart.TryGetValue(p.Name, out var values) && values.Length == p.Length)
                    p.Value.CopyFrom(values);
        return network;
    }

    /// <summary>A full-precision <see cref="Linear"/>, or a <see cref="CodebookLinear"/> when the spec asks for CAT.</summary>
    private static ILayer Dense(Backend backend, NetworkSpec spec, string name, int inputs, int outputs, Random rng,
        IReadOnlyDictionary<string, float[]>? warmStart)
    {
        // Draw from the seed either way so the random stream (and later layers) do not depend on the warm start.
        var w = Parameter.UniformFanIn(rng, outputs * inputs, inputs);
        var b = Parameter.UniformFanIn(rng, outputs, inputs);
        if (spec.Codebook is not { } cb)
        {
            var linear = new Linear(backend, name, inputs, outputs, w, b);
            return linear;
        }
        if (warmStart is not null && warmStart.TryGetValue(name + ".weight", out var ws) && ws.Length == w.Length) w = ws;
        if (warmStart is not null && warmStart.TryGetValue(name + ".bias", out var bs) && bs.Length == b.Length) b = bs;
        return new CodebookLinear(backend, name, inputs, outputs, w, b, InitialCodebook(w, outputs, inputs, cb),
            cb.M, cb.Bits, cb.PerNeuron, cb.LearningRateScale);
    }

    /// <summary>
    /// The codebook CAT starts from (SPEC §4): k-means (k-means++ seeded by <see cref="CodebookSpec.InitSeed"/>) on the
    /// warm-start weights, per layer or per output neuron, or linear over [min, max]. Linear spreads the
    /// M values over the outliers, so most small weights snap to a much larger value; k-means is the default.
    /// </summary>
    private static float[] InitialCodebook(float[] w, int outputs, int inputs, CodebookSpec cb)
    {
        var init = cb.Init == CodebookInit.Linear ? KMeansInit.Linear : KMeansInit.PlusPlus;
        if (!cb.PerNeuron) return Pad(KMeans1D.Fit(w, cb.M, init, cb.InitSeed).Centroids, cb.M);
        var rows = KMeans1D.FitPerRow(w, outputs, inputs, cb.M, init, cb.InitSeed);
        return rows.SelectMany(r => Pad(r.Centroids, cb.M)).ToArray();
    }

    /// <summary>k-means returns fewer than M centroids when a group has fewer distinct weights; repeat the last.</summary>
    private static float[] Pad(float[] centroids, int m)
    {
        if (centroids.Length >= m) return centroids;
        var padded = new float[m];
        for (int i = 0; i < m; i++) padded[i] = centroids[Math.Min(i, centroids.Length - 1)];
        return padded;
    }
}
