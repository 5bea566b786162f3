namespace SpikeFit.Training.Hardware;

/// <summary>The outcome of <see cref="AxonTyping.Find"/> for one core.</summary>
/// <param name="Found">True when a typing with at most the allowed number of types exists (then <see cref="TypeOfInput"/> holds it).</param>
/// <param name="Proven">For a failure: true when no typing exists (proved), false when the search gave up at its step budget.</param>
/// <param name="TypeOfInput">Input index → type, for the core's inputs (when found).</param>
/// <param name="Reason">For a failure: why, with the numbers.</param>
public sealed record AxonTypingResult(bool Found, bool Proven, IReadOnlyDictionary<int, int>? TypeOfInput, string? Reason);

/// <summary>
/// TrueNorth's weight rule for one core (DESIGN §6): every input axon j of a core has one type
/// t(j) ∈ [0, T) shared by all the core's neurons, and neuron i holds one value c_i[t] per type, so each
/// synapse's weight is W[i, j] = c_i[t(j)] (a zero weight is an absent synapse and constrains nothing).
/// <para>
/// Exact algorithm. (1) Take each input's column over the core's neurons (weights, 0 = no synapse) and
/// merge identical columns: they can always share a type. (2) Two columns <i>conflict</i> when some
/// neuron has a non-zero weight in both and the two weights differ: they cannot share a type, since
/// that neuron has one value per type. Columns that pairwise do not conflict can share a type (for
/// each neuron all its non-zero weights on them are then equal, and that value is its c_i[t]). So a
/// typing is exactly a proper T-colouring of the conflict graph. (3) Quick proof of impossibility: a
/// neuron with more than T distinct non-zero values gives T + 1 pairwise-conflicting columns.
/// (4) Otherwise an exact DSATUR backtracking search (most-constrained column first, colour symmetry
/// broken by never opening more than one new colour at a time) either finds a colouring or exhausts
/// the search, proving none exists; it stops after <see cref="DefaultStepBudget"/> steps and then
/// reports "undecided", which the mapper counts as a violation (no typing to deploy with).
/// </para>
/// </summary>
public static class AxonTyping
{
    public const int DefaultStepBudget = 20_000;

    /// <summary>Finds a typing of the inputs read by <paramref name="neurons"/> (one core of <paramref name="layer"/>) with at most <paramref name="types"/> types.</summary>
    public static AxonTypingResult Find(LayerConnectivity layer, IReadOnlyList<int> neurons, int types, int stepBudget = DefaultStepBudget)
    {
        if (types < 1) throw new ArgumentOutOfRangeException(nameof(types));
        // (3) A neuron with more distinct values than types: those columns conflict pairwise.
        foreach (int n in neurons)
        {
            var distinct = new HashSet<int>();
            foreach (int v in layer.ValueIdsOf(n)) distinct.Add(v);
            if (distinct.Count > types)
                return new(false, true, null, $"neuron {n} has {distinct.Count} distinct non-zero weights, but one neuron holds one value per axon type ({types})");
        }

        // (1) Column of each input over the core's neurons, as (position in core, value id) pairs; merge identical columns.
        var columns = new Dictionary<int, List<(int Pos, int Value)>>();
        for (int p = 0; p < neurons.Count; p++)
        {
            var ins = layer.InputsOf(neurons[p]);
            var vals = layer.ValueIdsOf(neurons[p]);
            for (int k = 0; k < ins.Length; k++)
            {
                if (!columns.TryGetValue(ins[k], out var col)) columns[ins[k]] = col = new();
                col.Add((p, vals[k]));
            }
        }
        var patternOf = new Dictionary<string, int>();
        var inputPattern = new Dictionary<int, int>();
        var patterns = new List<List<(int Pos, int Value)>>();
        foreach (var (input, col) in columns.OrderBy(kv => kv.Key))
        {
            string key = string.Join(",", col.Select(e => $"{e.Pos}:{e.Value}"));
            if (!patternOf.TryGetValue(key, out int id))
            {
                id = patterns.Count;
                patternOf[key] = id;
                patterns.Add(col);
            }
            inputPattern[input] = id;
        }

        // (2) Conflict bitsets: per neuron, patterns with a non-zero weight there, split by value.
        int k2 = patterns.Count, words = (k2 + 63) / 64;
        var conflicts = new ulong[k2][];
        for (int i = 0; i < k2; i++) conflicts[i] = new ulong[words];
        var byNeuron = new Dictionary<int, List<(int Pattern, int Value)>>();
        for (int i = 0; i < k2; i++)
            foreach (var (pos, value) in patterns[i])
            {
                if (!byNeuron.TryGetValue(pos, out var list)) byNeuron[pos] = list = new();
                list.Add((i, value));
            }
        foreach (var list in byNeuron.Values)
        {
            var all = new ulong[words];
            var same = new Dictionary<int, ulong[]>();
            foreach (var (pat, value) in list)
            {
                all[pat >> 6] |= 1UL << (pat & 63);
                if (!same.TryGetValue(value, out var s)) same[value] = s = new ulong[words];
                s[pat >> 6] |= 1UL << (pat & 63);
            }
            foreach (var (pat, value) in list)
            {
                var s = same[value];
                for (int w = 0; w < words; w++) conflicts[pat][w] |= all[w] & ~s[w];
            }
        }

        // (4) DSATUR with backtracking.
        var colour = new int[k2];
        Array.Fill(colour, -1);
        var colourMask = new ulong[types][];
        for (int c = 0; c < types; c++) colourMask[c] = new ulong[words];
        var degree = conflicts.Select(b => b.Sum(w => System.Numerics.BitOperations.PopCount(w))).ToArray();
        long steps = 0;
        bool gaveUp = false;

        bool Uses(int v, int c)
        {
            var m = colourMask[c];
            var b = conflicts[v];
            for (int w = 0; w < words; w++) if ((m[w] & b[w]) != 0) return true;
            return false;
        }

        bool Search(int coloured, int used)
        {
            if (coloured == k2) return true;
            if (++steps > stepBudget) { gaveUp = true; return false; }
            int best = -1, bestSat = -1, bestDeg = -1;
            for (int v = 0; v < k2; v++)
            {
                if (colour[v] >= 0) continue;
                int sat = 0;
                for (int c = 0; c < used; c++) if (Uses(v, c)) sat++;
                if (sat > bestSat || (sat == bestSat && degree[v] > bestDeg)) (best, bestSat, bestDeg) = (v, sat, degree[v]);
            }
            if (bestSat == types) return false; // every type already taken by a conflicting column
            int limit = Math.Min(types, used + 1);
            for (int c = 0; c < limit; c++)
            {
                if (c < used && Uses(best, c)) continue;
                colour[best] = c;
                colourMask[c][best >> 6] |= 1UL << (best & 63);
                if (Search(coloured + 1, Math.Max(used, c + 1))) return true;
                colourMask[c][best >> 6] &= ~(1UL << (best & 63));
                colour[best] = -1;
                if (gaveUp) return false;
            }
            return false;
        }

        if (Search(0, 0))
            return new(true, true, inputPattern.ToDictionary(kv => kv.Key, kv => colour[kv.Value]), null);
        return gaveUp
            ? new(false, false, null, $"no typing of its {columns.Count} input axons ({k2} distinct columns) into {types} types found within {stepBudget:N0} search steps (undecided)")
            : new(false, true, null, $"its {columns.Count} input axons ({k2} distinct columns) cannot take {types} types: exhaustive search shows some neuron would need two values for one type");
    }
}
