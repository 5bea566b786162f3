using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models;

/// <summary>Builds the networks of SPEC §3 from a <see cref="NetworkSpec"/>, weights drawn from the seed.</summary>
public static class ModelZoo
{
    public static SpikingNetwork Build(Backend backend, NetworkSpec spec, int seed)
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
                    layers.Add(new Linear(backend, $"fc{i + 1}", inputs, spec.Hidden[i], rng));
                    layers.Add(new LifLayer(backend, $"lif{i + 1}", FeatureShape.Flat(spec.Hidden[i]), lif));
                    inputs = spec.Hidden[i];
                }
                layers.Add(new Linear(backend, $"fc{spec.Hidden.Length + 1}", inputs, spec.Classes, rng));
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
                layers.Add(new Linear(backend, "fc", shape.Size, spec.Classes, rng));
                break;
            }
            default:
                throw new ArgumentException($"Unknown net '{spec.Net}'.");
        }
        var outShape = FeatureShape.Flat(spec.Classes);
        layers.Add(spec.Readout == Readout.Membrane
            ? new IntegratorLayer(backend, "readout", outShape, spec.Beta)
            : new LifLayer(backend, "lif.out", outShape, lif));
        return new SpikingNetwork(backend, spec, layers);
    }
}
