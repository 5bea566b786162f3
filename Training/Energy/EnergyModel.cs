using SpikeFit.Training.Hardware;

namespace SpikeFit.Training.Energy;

/// <summary>Energy of one layer for one inference (all pJ).</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Macs">Multiply-accumulates (layer with analog input): non-zero synapses, once per inference.</param>
/// <param name="Sops">Synaptic operations (spiking layer): spikes into the layer × fan-out.</param>
/// <param name="ComputePj">Macs × E_MAC + Sops × E_AC.</param>
/// <param name="WeightReadPj">(Macs + Sops) × bits per synapse × E_bit.</param>
/// <param name="NeuronPj">T × neurons × E_update.</param>
public sealed record LayerEnergy(string Layer, double Macs, double Sops, double ComputePj, double WeightReadPj, double NeuronPj)
{
    public double TotalPj => ComputePj + WeightReadPj + NeuronPj;
}

/// <summary>The second estimate: a chip's published energy per SOP times the model's SOPs.</summary>
/// <param name="SopPj">Total SOPs × the chip's pJ per SOP.</param>
/// <param name="HostMacPj">MACs of layers with analog input × E_MAC (a spiking chip does not do them; counted at the Horowitz figure).</param>
public sealed record ChipEnergyEstimate(string Chip, double PjPerSop, string Source, double SopPj, double HostMacPj)
{
    public double TotalPj => SopPj + HostMacPj;
    public double TotalUj => TotalPj * 1e-6;
}

/// <summary>Per-layer breakdown and totals per inference.</summary>
public sealed record EnergyReport(IReadOnlyList<LayerEnergy> Layers, double TotalMacs, double TotalSops,
    IReadOnlyList<ChipEnergyEstimate> Chips, EnergyConstants Constants)
{
    public double TotalPj => Layers.Sum(l => l.TotalPj);
    public double TotalUj => TotalPj * 1e-6;
}

/// <summary>
/// Energy per inference (DESIGN §6). For layer l with T steps:
/// <list type="bullet">
/// <item>analog input (direct encoding): the image is the same current at every step, so W·x is computed once
/// (DESIGN §3): MACs = non-zero synapses; compute = MACs × E_MAC;</item>
/// <item>spiking input: spikes in = rate × inputs × T; SOPs = spikes in × fan-out = rate × T × non-zero synapses; compute = SOPs × E_AC;</item>
/// <item>weight reads: (MACs + SOPs) × bits per synapse × E_bit, E_bit = SRAM 64-bit read / 64 (codebook indices
/// are read; the codebook itself is assumed to sit in registers);</item>
/// <item>neuron updates: T × neurons × (update arithmetic + 2 × state bits × E_bit).</item>
/// </list>
/// Second estimate, per chip with a published figure: total SOPs × pJ/SOP, plus the analog layers' MACs × E_MAC.
/// </summary>
public static class EnergyModel
{
    public static EnergyReport Estimate(ModelSummary model, EnergyConstants k)
    {
        int t = model.TimeSteps;
        var layers = new List<LayerEnergy>();
        foreach (var l in model.Layers)
        {
            double macs = l.AnalogInput ? l.NonZeroSynapses : 0;
            double sops = l.AnalogInput ? 0 : l.InputRate * l.Inputs * t * l.FanOut;
            layers.Add(new LayerEnergy(l.Name, macs, sops,
                macs * k.MacPj + sops * k.AccumulatePj,
                (macs + sops) * l.BitsPerSynapse * k.BitPj,
                (double)t * l.Neurons * k.NeuronUpdatePj));
        }
        double totalMacs = layers.Sum(l => l.Macs), totalSops = layers.Sum(l => l.Sops);
        var chips = k.EnergyPerSop.Select(c => new ChipEnergyEstimate(c.Chip, c.Pj, c.Source, totalSops * c.Pj, totalMacs * k.MacPj)).ToList();
        return new EnergyReport(layers, totalMacs, totalSops, chips, k);
    }
}
