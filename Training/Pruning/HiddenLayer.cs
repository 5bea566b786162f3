using SpikeFit.Training.Models;

namespace SpikeFit.Training.Pruning;

/// <summary>
/// One prunable hidden stage of a <see cref="ModelZoo"/> network: the weighted layer whose output
/// channels are the neurons (fc_l or conv_l), their spiking layer lif_l, and the next weighted layer
/// that reads them. A "neuron" is a dense unit or a whole conv channel (all its positions).
/// </summary>
public sealed record HiddenLayer(int Index, IWeightedLayer Incoming, LifLayer Lif, IWeightedLayer Outgoing)
{
    /// <summary>Prunable units: dense outputs or conv channels.</summary>
    public int Channels => Lif.OutputShape.C;

    /// <summary>Spatial positions per channel (1 for a dense layer).</summary>
    public int Positions => Lif.OutputShape.H * Lif.OutputShape.W;

    /// <summary>The hidden stages lif1..lifL in order; the spiking output layer (lif.out) is not one.</summary>
    public static IReadOnlyList<HiddenLayer> Of(SpikingNetwork net)
    {
        var result = new List<HiddenLayer>();
        var layers = net.Layers;
        for (int h = 0; h < net.Spec.Hidden.Length; h++)
        {
            int at = -1;
            for (int i = 0; i < layers.Count; i++)
                if (layers[i] is LifLayer && layers[i].Name == $"lif{h + 1}") at = i;
            if (at < 1) throw new InvalidOperationException($"The network has no hidden spiking layer lif{h + 1}.");
            var incoming = layers[at - 1] as IWeightedLayer
                           ?? throw new InvalidOperationException($"lif{h + 1} does not follow a weighted layer.");
            var outgoing = layers.Skip(at + 1).OfType<IWeightedLayer>().FirstOrDefault()
                           ?? throw new InvalidOperationException($"No weighted layer reads lif{h + 1}.");
            result.Add(new HiddenLayer(h, incoming, (LifLayer)layers[at], outgoing));
        }
        return result;
    }
}
