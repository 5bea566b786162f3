using SpikeFit.Training.Hardware;

namespace SpikeFit.Tests.Hardware;

/// <summary>Small networks whose mapping is computed by hand in the tests.</summary>
internal static class HardwareNets
{
    /// <summary>Weights [outputs, fanIn] where neuron o uses <paramref name="perNeuron"/> distinct values, shifted by o so the layer has more.</summary>
    public static float[] Weights(int outputs, int fanIn, int perNeuron, int layerValues)
    {
        var w = new float[outputs * fanIn];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < fanIn; i++)
                w[o * fanIn + i] = 1 + (o + i % perNeuron) % layerValues; // never zero
        return w;
    }

    public static LayerSummary Dense(string name, int fanIn, int outputs, int perNeuron, int layerValues, int bits, bool analog,
        double rate = 0.1, CodebookScope scope = CodebookScope.Layer) =>
        ModelSummary.FromWeights(name, Weights(outputs, fanIn, perNeuron, layerValues), outputs, fanIn, bits, scope, analog, rate);

    /// <summary>fanIn → hidden → 10, analog input, every neuron using <paramref name="perNeuron"/> values.</summary>
    public static ModelSummary Mlp(int fanIn, int hidden, int perNeuron = 4, int bits = 8, int layerValues = 4) => new("test", 8,
    [
        Dense("fc1", fanIn, hidden, perNeuron, layerValues, bits, analog: true),
        Dense("fc2", hidden, 10, perNeuron, layerValues, bits, analog: false),
    ]);

    public static ChipProfile Chip(string name) =>
        ChipCatalog.Load().Single(c => c.Name == name);
}
