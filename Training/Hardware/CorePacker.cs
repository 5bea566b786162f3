namespace SpikeFit.Training.Hardware;

/// <summary>The per-core limits one layer is packed under (null: not limited by the chip profile).</summary>
/// <param name="Neurons">Neurons per core.</param>
/// <param name="Inputs">Distinct inputs all the core's neurons read together (input axons).</param>
/// <param name="Synapses">Non-zero synapses per core.</param>
/// <param name="MemoryBits">Synaptic memory per core: synapses × <paramref name="BitsPerSynapse"/> must fit.</param>
/// <param name="BitsPerSynapse">Bits one stored synapse weight takes.</param>
/// <param name="Values">Distinct non-zero weight values per core (core-scope codebooks, DYNAP-SE's synapse types).</param>
public sealed record CoreLimits(int Neurons, int? Inputs, long? Synapses, long? MemoryBits, int BitsPerSynapse, int? Values)
{
    /// <summary>Why a single neuron with these counts cannot sit on any core, or null when it can.</summary>
    public string? AloneTooBig(int fanIn, int values)
    {
        if (Inputs is int a && fanIn > a) return $"{fanIn} inputs > {a} input axons per core";
        if (Synapses is long s && fanIn > s) return $"{fanIn} synapses > {s} synapses per core";
        if (MemoryBits is long m && (long)fanIn * BitsPerSynapse > m) return $"{fanIn} synapses × {BitsPerSynapse} bits > {m} bits of synaptic memory per core";
        if (Values is int v && values > v) return $"{values} distinct weight values > {v} per core";
        return null;
    }
}

/// <summary>
/// Places the neurons of one layer on cores when training did not choose a partition (DESIGN §6).
/// <para>
/// When the chip limits what a core reads or holds in common (distinct inputs per core, or values per
/// core), the packing is a greedy grouping by overlap: a core is opened with the lowest-numbered
/// unplaced neuron, then filled one neuron at a time with the unplaced neuron that adds the fewest new
/// distinct inputs to the core (then the fewest new distinct values, then the lowest number) among
/// those that keep every per-core limit (neurons, inputs, synapses, synaptic memory, values); the core
/// is closed when no neuron fits. New-input counts are kept up to date through an input → neurons
/// index, so filling a core costs its neurons' synapses plus one scan of the unplaced neurons per
/// placement. Without such limits neurons are packed in order (next fit: a core is closed at the first
/// neuron that would break its neuron, synapse or memory limit).
/// </para>
/// The caller checks first that every neuron fits an empty core (<see cref="CoreLimits.AloneTooBig"/>).
/// </summary>
public static class CorePacker
{
    /// <summary>Core index of each neuron, cores numbered from 0 in the order they were filled.</summary>
    public static int[] Pack(LayerConnectivity layer, CoreLimits limits)
    {
        int n = layer.Neurons;
        var coreOf = new int[n];
        Array.Fill(coreOf, -1);
        if (n == 0) return coreOf;
        var distinctValues = DistinctValueIds(layer);
        if (limits.Inputs is null && limits.Values is null)
        {
            int core = 0, count = 0;
            long syn = 0;
            for (int i = 0; i < n; i++)
            {
                long f = layer.FanIn(i);
                if (count > 0 && !Fits(limits, count + 1, syn + f))
                {
                    core++;
                    count = 0;
                    syn = 0;
                }
                coreOf[i] = core;
                count++;
                syn += f;
            }
            return coreOf;
        }
        return PackByOverlap(layer, limits, coreOf, distinctValues);
    }

    private static bool Fits(CoreLimits l, int neuronsAfter, long synapsesAfter) =>
        neuronsAfter <= l.Neurons
        && (l.Synapses is not long s || synapsesAfter <= s)
        && (l.MemoryBits is not long m || synapsesAfter * l.BitsPerSynapse <= m);

    /// <summary>Each neuron's distinct value ids.</summary>
    internal static int[][] DistinctValueIds(LayerConnectivity layer)
    {
        var result = new int[layer.Neurons][];
        var seen = new HashSet<int>();
        for (int i = 0; i < layer.Neurons; i++)
        {
            seen.Clear();
            foreach (int v in layer.ValueIdsOf(i)) seen.Add(v);
            result[i] = seen.ToArray();
        }
        return result;
    }

    /// <summary>Neurons reading each key, as CSR (keys: inputs or value ids).</summary>
    private static (int[] Start, int[] Neurons) Invert(int keys, int neurons, Func<int, IEnumerable<int>> keysOf)
    {
        var start = new int[keys + 1];
        for (int i = 0; i < neurons; i++) foreach (int k in keysOf(i)) start[k + 1]++;
        for (int k = 0; k < keys; k++) start[k + 1] += start[k];
        var fill = (int[])start.Clone();
        var list = new int[start[keys]];
        for (int i = 0; i < neurons; i++) foreach (int k in keysOf(i)) list[fill[k]++] = i;
        return (start, list);
    }

    private static int[] PackByOverlap(LayerConnectivity layer, CoreLimits limits, int[] coreOf, int[][] values)
    {
        int n = layer.Neurons;
        var (inStart, inNeurons) = Invert(layer.Inputs, n, i => layer.InputsOf(i).ToArray());
        bool trackValues = limits.Values is not null;
        var (valStart, valNeurons) = trackValues ? Invert(layer.Values.Length, n, i => values[i]) : (Array.Empty<int>(), Array.Empty<int>());
        var newInputs = new int[n];
        var newValues = new int[n];
        var inputInCore = new bool[layer.Inputs];
        var valueInCore = new bool[layer.Values.Length];
        var coreInputs = new List<int>();
        var coreValues = new List<int>();
        int next = 0, core = 0;
        while (next < n)
        {
            foreach (int x in coreInputs) inputInCore[x] = false;
            foreach (int v in coreValues) valueInCore[v] = false;
            coreInputs.Clear();
            coreValues.Clear();
            for (int i = next; i < n; i++)
                if (coreOf[i] < 0)
                {
                    newInputs[i] = layer.FanIn(i);
                    newValues[i] = trackValues ? values[i].Length : 0;
                }
            int count = 0;
            long syn = 0;

            void Add(int i)
            {
                coreOf[i] = core;
                count++;
                syn += layer.FanIn(i);
                foreach (int x in layer.InputsOf(i))
                {
                    if (inputInCore[x]) continue;
                    inputInCore[x] = true;
                    coreInputs.Add(x);
                    for (int k = inStart[x]; k < inStart[x + 1]; k++) newInputs[inNeurons[k]]--;
                }
                if (!trackValues) return;
                foreach (int v in values[i])
                {
                    if (valueInCore[v]) continue;
                    valueInCore[v] = true;
                    coreValues.Add(v);
                    for (int k = valStart[v]; k < valStart[v + 1]; k++) newValues[valNeurons[k]]--;
                }
            }

            Add(next);
            while (count < limits.Neurons)
            {
                int best = -1;
                for (int i = next + 1; i < n; i++)
                {
                    if (coreOf[i] >= 0) continue;
                    if (limits.Inputs is int a && coreInputs.Count + newInputs[i] > a) continue;
                    if (limits.Values is int mv && coreValues.Count + newValues[i] > mv) continue;
                    if (!Fits(limits, count + 1, syn + layer.FanIn(i))) continue;
                    if (best < 0 || newInputs[i] < newInputs[best] || (newInputs[i] == newInputs[best] && newValues[i] < newValues[best]))
                    {
                        best = i;
                        if (newInputs[i] == 0 && newValues[i] == 0) break; // nothing beats adding nothing; lowest number wins
                    }
                }
                if (best < 0) break;
                Add(best);
            }
            core++;
            while (next < n && coreOf[next] >= 0) next++;
        }
        return coreOf;
    }
}
