using System.Buffers.Binary;
using SpikeFit.Training.Models;
using SpikeFit.Training.Hardware;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Deploy;

/// <summary>
/// Turns a trained network whose every weighted layer holds integer values (<see cref="IDeployableWeights"/>:
/// CAT per layer / neuron / core / whole network, TrueNorth axon types, either under a connectivity mask)
/// into a <see cref="DeployedModel"/>: packed indices, integer levels, the scale, integer biases and,
/// in format version 2, core indices and presence masks.
/// </summary>
public static class DeployExporter
{
    /// <summary>Input pixels are quantized to 8 bits: p = round(255·x).</summary>
    public const int InputLevels = 255;

    /// <summary>Fractional bits of the stored biases (units of the accumulator unit / 2^16).</summary>
    public const int BiasFractionBits = 16;

    /// <summary>Exports <paramref name="net"/>; <paramref name="source"/> is recorded in the header (e.g. the checkpoint path).</summary>
    /// <exception cref="InvalidOperationException">when the network cannot be deployed: a weighted layer without a CAT
    /// codebook, Poisson input, an all-zero codebook, or a layer kind the integer engine does not run.</exception>
    public static DeployedModel Export(SpikingNetwork net, string source)
    {
        var spec = net.Spec;
        if (spec.Encoding != InputEncoding.Direct)
            throw new InvalidOperationException($"Only direct-encoded networks can be deployed; this one uses {spec.Encoding} input.");
        var layers = new List<DeployedLayer>();
        var payload = new MemoryStream();
        bool first = true;
        foreach (var layer in net.Layers)
        {
            switch (layer)
            {
                case IWeightedLayer w:
                    layers.Add(Weighted(w, first, payload));
                    first = false;
                    break;
                case LifLayer lif:
                    layers.Add(Neuron(lif.Name, DeployedOp.Lif, lif.OutputShape) with
                        { Beta = lif.Config.Beta, Theta = lif.Config.Theta, Reset = lif.Config.Reset, MembraneBits = lif.Membrane?.MembraneBits ?? 0 });
                    break;
                case IntegratorLayer integrator:
                    layers.Add(Neuron(integrator.Name, DeployedOp.Integrator, integrator.OutputShape) with { Beta = integrator.Beta });
                    break;
                case MaxPool2dLayer pool:
                    layers.Add(new DeployedLayer
                    {
                        Name = pool.Name, Op = DeployedOp.MaxPool2,
                        InH = pool.InputShape.H, InW = pool.InputShape.W, InC = pool.InputShape.C,
                        OutH = pool.OutputShape.H, OutW = pool.OutputShape.W, OutC = pool.OutputShape.C,
                    });
                    break;
                default:
                    throw new InvalidOperationException($"Layer {layer.Name} ({layer.GetType().Name}) has no integer deployment.");
            }
        }
        var header = new DeployedHeader(DeployedModel.VersionFor(layers), spec.Net, spec.T, spec.InputHeight, spec.InputWidth, spec.InputChannels,
            spec.Classes, spec.Readout, InputLevels, BiasFractionBits, layers, payload.Length, source, DateTime.UtcNow.ToString("O"));
        var model = new DeployedModel(header, payload.ToArray());
        model.Validate(source);
        // Plans the integer engine once, so a structure it cannot run is refused at export, not at eval.
        _ = new IntegerInference(model);
        return model;
    }

    private static DeployedLayer Neuron(string name, DeployedOp op, FeatureShape shape) => new()
    {
        Name = name, Op = op, InH = shape.H, InW = shape.W, InC = shape.C, OutH = shape.H, OutW = shape.W, OutC = shape.C,
    };

    private static DeployedLayer Weighted(IWeightedLayer layer, bool pixelInput, MemoryStream payload)
    {
        if (layer.Constraint is not IDeployableWeights deployable)
        {
            string what = layer.Constraint?.Describe ?? "full-precision weights";
            throw new InvalidOperationException(
                $"Layer {layer.Name} has {what}, not a CAT codebook or TrueNorth values: export needs a network whose every weighted layer was trained " +
                "with SpikeFit CAT (train --codebook-m M --codebook-bits b), TrueNorth types (--truenorth) or MINT (the mint constraint), masked or not.");
        }
        DeployableWeights d;
        try { d = deployable.Deployable(); }
        catch (InvalidOperationException e) { throw new InvalidOperationException($"Layer {layer.Name}: {e.Message}", e); }
        if (!(d.Scale > 0f)) throw new InvalidOperationException($"Layer {layer.Name} has an all-zero codebook (Δ = 0); nothing to deploy.");
        bool trueNorth = d.AxonTypes is not null;
        bool perCore = d.Scope == CodebookScope.Core;
        int cores = d.CoreOfRow is { Length: > 0 } c ? c.Max() + 1 : 0;
        int indexBits = IndexPacking.IndexBits(d.M);
        var packed = IndexPacking.Pack(trueNorth ? d.AxonTypes : d.Assignments, indexBits);
        CheckDecodes(layer, d);

        // The accumulator unit: Σ q·p counts Δ/255 for 8-bit pixels, Σ q over spikes counts Δ.
        double unit = pixelInput ? (double)d.Scale / InputLevels : d.Scale;
        var bias = layer.Bias.Value.ToArray();
        var (inShape, outShape, kernel, padding) = layer switch
        {
            Linear dense => (FeatureShape.Flat(dense.Inputs), FeatureShape.Flat(dense.Outputs), 0, 0),
            Conv2dLayer conv => (conv.InputShape, conv.OutputShape, conv.Kernel, conv.Padding),
            _ => throw new InvalidOperationException($"Layer {layer.Name} ({layer.GetType().Name}) has no integer deployment."),
        };

        long indicesOffset = payload.Length;
        payload.Write(packed);
        long levelsOffset = payload.Length;
        Span<byte> buf = stackalloc byte[8];
        foreach (var q in d.Levels)
        {
            BinaryPrimitives.WriteInt16LittleEndian(buf, checked((short)q));
            payload.Write(buf[..2]);
        }
        long biasOffset = payload.Length;
        foreach (var b in bias)
        {
            double units = Math.Round(b / unit * (1L << BiasFractionBits), MidpointRounding.AwayFromZero);
            if (!(Math.Abs(units) < 1L << 62))
                throw new InvalidOperationException($"Layer {layer.Name}: bias {b} is too large for Δ = {d.Scale} ({units:E2} units).");
            BinaryPrimitives.WriteInt64LittleEndian(buf, (long)units);
            payload.Write(buf);
        }
        // Version 2 sections: the core of each row, then the presence mask (1 bit per synapse).
        long coresOffset = 0, maskOffset = 0;
        if (cores > 0)
        {
            coresOffset = payload.Length;
            foreach (int core in d.CoreOfRow!)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buf, core);
                payload.Write(buf[..4]);
            }
        }
        if (d.Mask is { } mask)
        {
            maskOffset = payload.Length;
            payload.Write(IndexPacking.Pack(mask.Select(m => m ? 1 : 0).ToArray(), 1));
        }
        return new DeployedLayer
        {
            Name = layer.Name, Op = layer.Kind == Hardware.LayerKind.Conv ? DeployedOp.Conv : DeployedOp.Dense,
            InH = inShape.H, InW = inShape.W, InC = inShape.C, OutH = outShape.H, OutW = outShape.W, OutC = outShape.C,
            Rows = layer.OutChannels, FanIn = layer.FanIn, Kernel = kernel, Padding = padding,
            M = d.M, Bits = d.Bits, IndexBits = indexBits, PerNeuron = d.Scope == CodebookScope.Neuron, Scale = d.Scale, PixelInput = pixelInput,
            IndicesOffset = indicesOffset, IndicesBytes = packed.Length, LevelsOffset = levelsOffset, BiasOffset = biasOffset,
            Cores = cores, CoresOffset = coresOffset, PerCore = perCore, TrueNorth = trueNorth, HasMask = d.Mask is not null, MaskOffset = maskOffset,
        };
    }

    /// <summary>
    /// Δ·q[a] (0 for an absent synapse) must reproduce the weights the float network computes with,
    /// value for value; a mismatch means the levels or the layout are wrong, and the file would silently differ.
    /// </summary>
    private static void CheckDecodes(IWeightedLayer layer, DeployableWeights d)
    {
        var effective = layer.EffectiveWeights();
        int fanIn = layer.FanIn;
        for (int k = 0; k < effective.Length; k++)
        {
            int r = k / fanIn, j = k % fanIn;
            int g = d.Scope switch
            {
                CodebookScope.Neuron => r,
                CodebookScope.Core => d.CoreOfRow![r],
                _ => 0,
            };
            int a = d.AxonTypes is { } types ? types[d.CoreOfRow![r] * fanIn + j] : d.Assignments[k];
            float decoded = d.Mask is { } mask && !mask[k] ? 0f : d.Scale * d.Levels[g * d.M + a];
            if (decoded != effective[k])
                throw new InvalidOperationException(
                    $"Layer {layer.Name}: weight {k} decodes to {decoded} but the network uses {effective[k]}; the codebook is not on its grid.");
        }
    }
}
