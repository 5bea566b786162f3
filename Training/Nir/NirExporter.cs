using System.Text.Json;
using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;

namespace SpikeFit.Training.Nir;

/// <summary>A NIR graph exported from a network, and what NIR cannot say about that network (also in the graph's metadata).</summary>
public sealed record NirExport(NirGraph Graph, IReadOnlyList<string> NotExpressible);

/// <summary>
/// <see cref="SpikingNetwork"/> → NIR graph: Input → [Flatten] → Affine/Conv2d → LIF → [SumPool2d] … →
/// Affine → LI (membrane readout) or LIF (spike-count readout) → Output. Weights are written as the
/// forward pass uses them (a CAT layer's codebook values, in float32); the codebook itself goes into
/// the node's metadata. Neuron parameters follow <see cref="NirLif"/> at the given dt, as float64 arrays
/// of the layer's shape so that β comes back exactly.
/// </summary>
public static class NirExporter
{
    /// <summary>Graph metadata key holding the network's <see cref="NetworkSpec"/> as JSON (the importer restores T, reset, readout from it).</summary>
    public const string SpecKey = "spikefit_spec";
    /// <summary>Node metadata key marking a NIR SumPool2d that stands for our 2×2 max pooling.</summary>
    public const string PoolKey = "spikefit_pool";
    /// <summary>Node metadata key marking a NIR LIF that stands for our soft-reset LIF.</summary>
    public const string ResetKey = "spikefit_reset";

    public static NirExport Export(SpikingNetwork net, double dt = NirLif.DefaultDt)
    {
        var spec = net.Spec;
        var notes = new List<string>();
        var graph = new NirGraph();
        var shape = net.InputShape;
        // An image input is [C, H, W] and an MLP flattens it first, like snnTorch's nn.Flatten; a 1×1×N input is just [N].
        bool spatial = !(shape.H == 1 && shape.W == 1);
        var inputDims = NirLayout.Shape(shape, spatial);
        var chain = new List<(string, NirNode)>
        {
            ("input", new NirNode("Input").With("shape", NirTensor.Of(inputDims.Select(v => (long)v).ToArray(), (ulong)inputDims.Length))),
        };
        bool softNoted = false, maxNoted = false;
        foreach (var layer in net.Layers)
        {
            switch (layer)
            {
                case Linear fc:
                {
                    var w = fc.EffectiveWeights();
                    FeatureShape? permuteFrom = null;
                    if (spatial)
                    {
                        chain.Add(("flatten", new NirNode("Flatten")
                            .With("start_dim", NirTensor.Scalar(0L)).With("end_dim", NirTensor.Scalar(-1L))
                            .With("input_type", NirTensor.Of(NirLayout.Shape(shape, true).Select(v => (long)v).ToArray(), 3))));
                        if (shape.C > 1) permuteFrom = shape;
                        spatial = false;
                    }
                    if (permuteFrom is { } s) w = NirLayout.ColumnsToChw(w, fc.Outputs, s);
                    var node = new NirNode("Affine")
                        .With("weight", NirTensor.Of(w, (ulong)fc.Outputs, (ulong)fc.Inputs))
                        .With("bias", NirTensor.Of(fc.Bias.Value.ToArray(), (ulong)fc.Outputs));
                    AddCodebook(node, fc, notes, permuteFrom is { } p ? v => NirLayout.ColumnsToChw(v, fc.Outputs, p) : null);
                    chain.Add((fc.Name, node));
                    shape = fc.OutputShape;
                    break;
                }
                case Conv2dLayer conv:
                {
                    int o = conv.OutChannels, k = conv.Kernel, c = conv.InputShape.C;
                    var node = new NirNode("Conv2d")
                        .With("weight", NirTensor.Of(NirLayout.KernelToOckk(conv.EffectiveWeights(), o, k, c), (ulong)o, (ulong)c, (ulong)k, (ulong)k))
                        .With("bias", NirTensor.Of(conv.Bias.Value.ToArray(), (ulong)o))
                        .With("stride", NirTensor.Of(new long[] { 1, 1 }, 2))
                        .With("padding", NirTensor.Of(new long[] { conv.Padding, conv.Padding }, 2))
                        .With("dilation", NirTensor.Of(new long[] { 1, 1 }, 2))
                        .With("groups", NirTensor.Scalar(1L))
                        .With("input_shape", NirTensor.Of(new long[] { conv.InputShape.H, conv.InputShape.W }, 2));
                    AddCodebook(node, conv, notes, v => NirLayout.KernelToOckk(v, o, k, c));
                    chain.Add((conv.Name, node));
                    shape = conv.OutputShape;
                    break;
                }
                case LifLayer lif:
                {
                    var node = Lif(lif.Config, shape, spatial, dt);
                    if (lif.Membrane is { } quantized)
                        notes.Add($"{lif.Name}: the {quantized.MembraneBits}-bit integer MINT membrane (threshold ⌈θ/s⌉, saturating) has no NIR form; " +
                                  "the file holds a float LIF, so other tools simulate the unquantized neuron. The exact model: spikefit export --out M.sfdm.");
                    if (lif.Config.Reset == ResetMode.Soft)
                    {
                        node.Metadata[ResetKey] = NirTensor.Text("soft: v = h - theta*s after a spike");
                        if (!softNoted)
                            notes.Add("soft reset (v ← h − θ after a spike) has no NIR form: NIR's LIF resets to v_reset, so the file says v_reset = 0 " +
                                      "(our hard reset). Other tools will simulate a hard-reset network. Exact alternative: train with --reset Hard.");
                        softNoted = true;
                    }
                    chain.Add((lif.Name, node));
                    break;
                }
                case MaxPool2dLayer pool:
                {
                    var node = new NirNode("SumPool2d")
                        .With("kernel_size", NirTensor.Of(new long[] { 2, 2 }, 2))
                        .With("stride", NirTensor.Of(new long[] { 2, 2 }, 2))
                        .With("padding", NirTensor.Of(new long[] { 0, 0 }, 2));
                    node.Metadata[PoolKey] = NirTensor.Text("max");
                    if (!maxNoted)
                        notes.Add("2×2 max pooling has no NIR node (NIR has SumPool2d and AvgPool2d). It is written as SumPool2d, marked " +
                                  $"'{PoolKey} = max' in the node's metadata (this toolkit's importer restores max pooling). On spikes max pooling " +
                                  "is an OR, sum pooling a count of up to 4, so other tools compute a different network; there is no exact NIR alternative.");
                    maxNoted = true;
                    chain.Add((pool.Name, node));
                    shape = pool.OutputShape;
                    break;
                }
                case SumPool2dLayer sum:
                    chain.Add((sum.Name, new NirNode("SumPool2d")
                        .With("kernel_size", NirTensor.Of(new long[] { 2, 2 }, 2))
                        .With("stride", NirTensor.Of(new long[] { 2, 2 }, 2))
                        .With("padding", NirTensor.Of(new long[] { 0, 0 }, 2))));
                    shape = sum.OutputShape;
                    break;
                case IntegratorLayer readout:
                {
                    var (tau, r) = NirLif.FromBeta(readout.Beta, dt);
                    int n = shape.Size;
                    var dims = NirLayout.Shape(shape, spatial);
                    chain.Add((readout.Name, new NirNode("LI")
                        .With("tau", NirTensor.Of(Fill(n, tau), dims))
                        .With("r", NirTensor.Of(Fill(n, r), dims))
                        .With("v_leak", NirTensor.Of(Fill(n, 0), dims))));
                    break;
                }
                default:
                    throw new InvalidOperationException($"layer '{layer.Name}' ({layer.GetType().Name}) has no NIR export.");
            }
        }
        chain.Add(("output", new NirNode("Output").With("shape", NirTensor.Of(new long[] { shape.Size }, 1))));
        graph.Chain(chain.ToArray());

        if (spec.Encoding == InputEncoding.Poisson)
            notes.Add("Poisson input encoding is not part of a NIR graph: the graph's Input takes spike trains, which the other tool must draw itself " +
                      "(each pixel spikes with its intensity as probability per step); metadata 'input_encoding' says so.");
        graph.Metadata["source"] = NirTensor.Text("SpikeFit.Gpu (spikefit export)");
        graph.Metadata["dt"] = NirTensor.Scalar(dt);
        graph.Metadata["time_steps"] = NirTensor.Scalar((long)spec.T);
        graph.Metadata["input_encoding"] = NirTensor.Text(spec.Encoding == InputEncoding.Direct
            ? "direct: the image is the input current at every one of the time_steps steps"
            : "poisson: each pixel spikes with its intensity as probability at each step");
        graph.Metadata["readout"] = NirTensor.Text(spec.Readout == Readout.Membrane
            ? "membrane: class scores are the LI membrane averaged over time_steps"
            : "spike count: class scores are output spikes summed over time_steps");
        graph.Metadata[SpecKey] = NirTensor.Text(JsonSerializer.Serialize(spec, Checkpoint.Json));
        if (notes.Count > 0) graph.Metadata["not_expressible"] = NirTensor.Text(string.Join("\n", notes));
        return new NirExport(graph, notes);
    }

    private static NirNode Lif(LifConfig config, FeatureShape shape, bool spatial, double dt)
    {
        int n = shape.Size;
        var dims = NirLayout.Shape(shape, spatial);
        if (config.Beta >= 1f)
            return new NirNode("IF")
                .With("r", NirTensor.Of(Fill(n, 1), dims))
                .With("v_threshold", NirTensor.Of(Fill(n, config.Theta), dims))
                .With("v_reset", NirTensor.Of(Fill(n, 0), dims));
        var (tau, r) = NirLif.FromBeta(config.Beta, dt);
        return new NirNode("LIF")
            .With("tau", NirTensor.Of(Fill(n, tau), dims))
            .With("r", NirTensor.Of(Fill(n, r), dims))
            .With("v_leak", NirTensor.Of(Fill(n, 0), dims))
            .With("v_threshold", NirTensor.Of(Fill(n, config.Theta), dims))
            .With("v_reset", NirTensor.Of(Fill(n, 0), dims));
    }

    /// <summary>A CAT layer's codebook in the node's metadata: M, bits, scale Δ, integer levels q and values Δ·q per group, and every weight's index (in NIR's weight order).</summary>
    private static void AddCodebook(NirNode node, IWeightedLayer layer, List<string> notes, Func<float[], float[]>? toNirOrder)
    {
        if (layer.Constraint is null) return;
        if (layer.Constraint is not CodebookConstraint cb)
        {
            node.Metadata["weight_constraint"] = NirTensor.Text(layer.Constraint.Describe);
            return;
        }
        var (codebook, levels, scale, assignments) = cb.Deployed();
        int groups = codebook.Length / cb.M;
        var indices = toNirOrder is null ? assignments : NirLayout.Permute(assignments, toNirOrder);
        node.Metadata["codebook_m"] = NirTensor.Scalar((long)cb.M);
        node.Metadata["codebook_bits"] = NirTensor.Scalar((long)cb.Bits);
        node.Metadata["codebook_scope"] = NirTensor.Text(cb.WholeNetwork ? "whole network" : cb.PerNeuron ? "per neuron" : "per layer");
        node.Metadata["codebook_scale"] = NirTensor.Scalar((double)scale);
        node.Metadata["codebook_levels"] = NirTensor.Of(levels.Select(v => (long)v).ToArray(), (ulong)groups, (ulong)cb.M);
        node.Metadata["codebook_values"] = NirTensor.Of(codebook, (ulong)groups, (ulong)cb.M);
        node.Metadata["codebook_indices"] = NirTensor.Of(indices.Select(v => checked((byte)v)).ToArray(), node.Fields["weight"].Shape);
        if (!notes.Any(n => n.StartsWith("codebook", StringComparison.Ordinal)))
            notes.Add($"codebook weights: NIR has no codebook type, so weights are written as their float values (each one of M = {cb.M} values " +
                      "per group); the codebook (codebook_indices, codebook_levels, codebook_scale) is in each weighted node's metadata.");
    }

    private static double[] Fill(int n, double value) => Enumerable.Repeat(value, n).ToArray();
}
