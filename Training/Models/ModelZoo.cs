using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Models;

/// <summary>Builds the networks of DESIGN §3 from a <see cref="NetworkSpec"/>, weights drawn from the seed.</summary>
public static class ModelZoo
{
    /// <summary>Kernel side of every conv layer of the conv net (DESIGN §3: 3×3, no padding).</summary>
    public const int ConvKernel = 3;

    /// <summary>Name, output channels and inputs per neuron (kernel² × input channels) of each conv layer <paramref name="spec"/> builds; empty for the mlp.</summary>
    public static IReadOnlyList<(string Name, int Channels, int FanIn)> ConvFanIns(NetworkSpec spec)
    {
        if (spec.Net != "conv") return [];
        var result = new List<(string, int, int)>();
        int inC = spec.InputChannels;
        for (int i = 0; i < spec.Hidden.Length; i++)
        {
            result.Add(($"conv{i + 1}", spec.Hidden[i], ConvKernel * ConvKernel * inC));
            inC = spec.Hidden[i];
        }
        return result;
    }

    /// <param name="warmStart">Parameter values to start from (e.g. a full-precision run's
    /// <see cref="SpikingNetwork.Snapshot"/>, or a pruned one); missing names, or tensors of another
    /// size, are drawn from the seed. Weight constraints (codebooks) are initialised from the
    /// warm-start weights, and a warm-start codebook of the right size replaces that initialisation.</param>
    public static SpikingNetwork Build(Backend backend, NetworkSpec spec, int seed, IReadOnlyDictionary<string, float[]>? warmStart = null)
    {
        spec.Validate();
        var rng = new Random(seed);
        var layers = new List<ILayer>();
        var lif = spec.Lif;
        // The spec's constraint builds every weighted layer's WeightConstraint (the seam: nothing here knows the kinds).
        var constraints = spec.Constraint?.ForNetwork(backend);
        Func<Parameter, int, int, WeightConstraint>? constrain = constraints is null ? null : constraints.Constrain;
        switch (spec.Net)
        {
            case "mlp":
            {
                int inputs = spec.InputHeight * spec.InputWidth * spec.InputChannels;
                for (int i = 0; i < spec.Hidden.Length; i++)
                {
                    layers.Add(Dense(backend, $"fc{i + 1}", inputs, spec.Hidden[i], rng, warmStart, constrain));
                    layers.Add(new LifLayer(backend, $"lif{i + 1}", FeatureShape.Flat(spec.Hidden[i]), lif));
                    inputs = spec.Hidden[i];
                }
                layers.Add(Dense(backend, $"fc{spec.Hidden.Length + 1}", inputs, spec.Classes, rng, warmStart, constrain));
                break;
            }
            case "conv":
            {
                // 16C3-P2-32C3-P2-FC10 (DESIGN §3): conv → LIF → 2×2 max pool per hidden stage.
                var shape = new FeatureShape(spec.InputHeight, spec.InputWidth, spec.InputChannels);
                for (int i = 0; i < spec.Hidden.Length; i++)
                {
                    // Behind a LIF layer and a max pool (an OR of spikes) the input is spikes: it may run spike-indexed.
                    var conv = new Conv2dLayer(backend, $"conv{i + 1}", shape, spec.Hidden[i], kernel: ConvKernel, padding: 0, rng, warmStart, constrain,
                        spikingInput: i > 0 && spec.Pool == PoolKind.Max);
                    layers.Add(conv);
                    layers.Add(new LifLayer(backend, $"lif{i + 1}", conv.OutputShape, lif));
                    ILayer pool = spec.Pool == PoolKind.Sum
                        ? new SumPool2dLayer(backend, $"pool{i + 1}", conv.OutputShape)
                        : new MaxPool2dLayer(backend, $"pool{i + 1}", conv.OutputShape);
                    layers.Add(pool);
                    shape = pool.OutputShape;
                }
                layers.Add(Dense(backend, "fc", shape.Size, spec.Classes, rng, warmStart, constrain));
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
        constraints?.Complete(network);
        if (warmStart is not null)
        {
            // Weights and biases were used at construction; this also restores codebooks (e.g. a pruned CAT model).
            foreach (var p in network.Parameters)
                if (warmStart.TryGetValue(p.Name, out var values) && values.Length == p.Length)
                    p.Value.CopyFrom(values);
            foreach (var layer in network.Layers.OfType<IPostUpdateLayer>()) layer.AfterUpdate();
        }
        return network;
    }

    private static Linear Dense(Backend backend, string name, int inputs, int outputs, Random rng,
        IReadOnlyDictionary<string, float[]>? warmStart, Func<Parameter, int, int, WeightConstraint>? constrain)
    {
        // Draw from the seed either way so the random stream (and later layers) do not depend on the warm start.
        var w = Parameter.OrWarmStart(Parameter.UniformFanIn(rng, outputs * inputs, inputs), warmStart, name + ".weight");
        var b = Parameter.OrWarmStart(Parameter.UniformFanIn(rng, outputs, inputs), warmStart, name + ".bias");
        return new Linear(backend, name, inputs, outputs, w, b, constrain);
    }
}
