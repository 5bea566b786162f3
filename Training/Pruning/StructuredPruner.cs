using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;

namespace SpikeFit.Training.Pruning;

/// <summary>A smaller network's description: the spec with fewer hidden units and its parameter values by name.</summary>
public sealed record PrunedModel(NetworkSpec Spec, Dictionary<string, float[]> Parameters);

/// <summary>
/// Structured pruning: whole neurons (dense units, conv channels) leave the network, which is rebuilt
/// smaller. fc_l / conv_l lose the rows of the removed units (weights, biases, per-neuron codebook
/// rows); the next weighted layer loses the matching inputs: dense columns, conv input-channel slices
/// of its [O, K, K, C] kernel, or the final fc's features of the flattened NHWC pooled map. A
/// per-layer codebook (CAT, shared weights) is kept as is. Adam moments are not carried over: the
/// rebuilt network starts fine-tuning with fresh optimiser state.
/// </summary>
public static class StructuredPruner
{
    /// <summary>
    /// The units each hidden layer keeps, ascending: the <paramref name="keepCounts"/>[l] highest
    /// scores of layer l (ties keep the lower index, so the result is deterministic).
    /// </summary>
    public static int[][] SelectKept(NeuronScores scores, IReadOnlyList<int> keepCounts)
    {
        if (keepCounts.Count != scores.Layers.Count)
            throw new ArgumentException($"One keep count per hidden layer ({scores.Layers.Count}), got {keepCounts.Count}.");
        return scores.Layers.Select((s, l) =>
        {
            int keep = keepCounts[l];
            if (keep < 1 || keep > s.Length)
                throw new ArgumentException($"{scores.LayerNames[l]}: cannot keep {keep} of {s.Length} units (at least 1).");
            return Enumerable.Range(0, s.Length).OrderByDescending(i => s[i]).ThenBy(i => i).Take(keep).Order().ToArray();
        }).ToArray();
    }

    /// <summary>
    /// Keep counts for a target of <paramref name="totalKeep"/> hidden units in all. Layer scope cannot
    /// meet an arbitrary total, so this is global scope only: the scores of each layer are divided by
    /// their mean (a layer whose scores are all 0 stays 0), then the lowest normalised scores across all
    /// layers are removed, never a layer's last unit.
    /// </summary>
    public static int[] GlobalKeepCounts(NeuronScores scores, int totalKeep)
    {
        int layers = scores.Layers.Count, total = scores.Layers.Sum(s => s.Length);
        if (totalKeep < layers || totalKeep > total)
            throw new ArgumentException($"A global budget must keep between {layers} (one per layer) and {total} units, got {totalKeep}.");
        var counts = scores.Layers.Select(s => s.Length).ToArray();
        int toRemove = total - totalKeep;
        foreach (int l in RemovalOrder(scores))
        {
            if (toRemove == 0) break;
            if (counts[l] == 1) continue;
            counts[l]--;
            toRemove--;
        }
        return counts;
    }

    /// <summary>
    /// Keep counts meeting a budget that is not a number of units (<see cref="NeuronBudget"/>: neurons and
    /// cores): starting from every unit of <paramref name="scores"/>, units leave in the order of
    /// <see cref="GlobalKeepCounts"/> (scores divided by their layer's mean, lowest first, never a layer's
    /// last unit) until <paramref name="fits"/> holds. Refused when even one unit per layer does not fit.
    /// </summary>
    public static int[] BudgetKeepCounts(NeuronScores scores, Func<int[], bool> fits)
    {
        var counts = scores.Layers.Select(s => s.Length).ToArray();
        if (fits(counts)) return counts;
        foreach (int l in RemovalOrder(scores))
        {
            if (counts[l] == 1) continue;
            counts[l]--;
            if (fits(counts)) return counts;
        }
        throw new ArgumentException($"Even one unit per hidden layer ({string.Join(", ", scores.LayerNames)}) does not meet the neuron budget.");
    }

    /// <summary>The layer of each unit in removal order: scores divided by their layer's mean (a layer whose scores are all 0 stays 0), lowest first; ties by layer, then index.</summary>
    private static IEnumerable<int> RemovalOrder(NeuronScores scores)
    {
        var ranked = new List<(double Score, int Layer, int Index)>();
        for (int l = 0; l < scores.Layers.Count; l++)
        {
            double mean = scores.Layers[l].Average();
            for (int i = 0; i < scores.Layers[l].Length; i++)
                ranked.Add((mean > 0 ? scores.Layers[l][i] / mean : 0, l, i));
        }
        return ranked.OrderBy(r => r.Score).ThenBy(r => r.Layer).ThenBy(r => r.Index).Select(r => r.Layer);
    }

    /// <summary>
    /// Slices <paramref name="net"/>'s parameters down to the <paramref name="kept"/> units of every
    /// hidden layer (indices into the current layer, one array per hidden layer; all kept = unchanged).
    /// </summary>
    public static PrunedModel Slice(SpikingNetwork net, IReadOnlyList<int[]> kept)
    {
        var hidden = HiddenLayer.Of(net);
        if (kept.Count != hidden.Count)
            throw new ArgumentException($"One kept-unit list per hidden layer ({hidden.Count}), got {kept.Count}.");
        for (int l = 0; l < hidden.Count; l++)
        {
            var k = kept[l];
            if (k.Length == 0) throw new ArgumentException($"{hidden[l].Lif.Name}: every hidden layer must keep at least one unit.");
            for (int i = 0; i < k.Length; i++)
                if ((uint)k[i] >= (uint)hidden[l].Channels || (i > 0 && k[i] <= k[i - 1]))
                    throw new ArgumentException($"{hidden[l].Lif.Name}: kept units must be distinct, ascending and below {hidden[l].Channels}.");
        }

        var snapshot = net.Snapshot();
        var result = new Dictionary<string, float[]>(snapshot);
        foreach (var layer in net.Layers.OfType<IWeightedLayer>())
        {
            int? rowsFrom = null, colsFrom = null;
            for (int l = 0; l < hidden.Count; l++)
            {
                if (ReferenceEquals(hidden[l].Incoming, layer)) rowsFrom = l;
                if (ReferenceEquals(hidden[l].Outgoing, layer)) colsFrom = l;
            }
            if (rowsFrom is null && colsFrom is null) continue;
            int rows = layer.OutChannels, fanIn = layer.FanIn;
            var keepRows = rowsFrom is int r ? kept[r] : Enumerable.Range(0, rows).ToArray();
            var keepCols = colsFrom is int c ? InputColumns(fanIn, hidden[c].Channels, kept[c]) : Enumerable.Range(0, fanIn).ToArray();
            result[layer.Weight.Name] = Gather(snapshot[layer.Weight.Name], fanIn, keepRows, keepCols);
            result[layer.Bias.Name] = keepRows.Select(i => snapshot[layer.Bias.Name][i]).ToArray();
            foreach (var p in layer.Constraint?.RowParameters ?? Array.Empty<Parameter>())
            {
                int columns = p.Length / rows;
                result[p.Name] = Gather(snapshot[p.Name], columns, keepRows, Enumerable.Range(0, columns).ToArray());
            }
        }
        var spec = net.Spec with { Hidden = kept.Select(k => k.Length).ToArray() };
        return new PrunedModel(spec, result);
    }

    /// <summary>
    /// Builds the smaller network for <paramref name="kept"/> on <paramref name="net"/>'s backend
    /// (<see cref="ModelZoo.Build"/> with the sliced parameters as warm start), and checks that every
    /// parameter came from the slice rather than from the seed.
    /// </summary>
    public static SpikingNetwork Prune(SpikingNetwork net, IReadOnlyList<int[]> kept, int seed)
    {
        var model = Slice(net, kept);
        var pruned = ModelZoo.Build(net.Backend, model.Spec, seed, model.Parameters);
        foreach (var p in pruned.Parameters)
            if (!model.Parameters.TryGetValue(p.Name, out var v) || v.Length != p.Length)
            {
                pruned.Dispose();
                throw new InvalidOperationException($"Pruning left {p.Name} without sliced values ({p.Length} expected); the network layout is not one the pruner knows.");
            }
        return pruned;
    }

    /// <summary>
    /// Fan-in columns that read the kept channels: the fan-in is [positions, channels] with the channel
    /// innermost for every layout here (dense: 1 position; conv kernel [K, K, C]; flattened NHWC map).
    /// </summary>
    private static int[] InputColumns(int fanIn, int channels, int[] keptChannels)
    {
        if (fanIn % channels != 0)
            throw new InvalidOperationException($"A fan-in of {fanIn} is not a whole number of {channels}-channel positions.");
        int positions = fanIn / channels;
        var cols = new int[positions * keptChannels.Length];
        for (int p = 0, j = 0; p < positions; p++)
            foreach (int ch in keptChannels) cols[j++] = p * channels + ch;
        return cols;
    }

    private static float[] Gather(float[] matrix, int columns, int[] rows, int[] cols)
    {
        var result = new float[rows.Length * cols.Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < cols.Length; j++)
                result[i * cols.Length + j] = matrix[(long)rows[i] * columns + cols[j]];
        return result;
    }
}
