namespace SpikeFit.Training.Hardware;

/// <summary>One core's share of a conv layer: a <see cref="Height"/>×<see cref="Width"/> block of output positions × a group of <see cref="Channels"/> consecutive output channels.</summary>
public sealed record ConvTile(int Height, int Width, int Channels)
{
    public int Neurons => Height * Width * Channels;
    public override string ToString() => $"{Height}×{Width} positions × {Channels} channels";
}

/// <summary>
/// Places a conv layer's neurons (channel × position) on cores as spatial tiles × channel groups
/// (DESIGN §6). A core's input axons are the union of its neurons' receptive fields × input channels,
/// less the taps whose weight is zero (masked or pruned), so they are counted from the weights, not
/// assumed: a tile of th×tw positions reads at most (th + k − 1)(tw + k − 1)·C_in inputs. Every tiling
/// whose cores hold at most the chip's neurons is a candidate (tile sides and channel-group sizes taken
/// only where they change the number of tiles); candidates are tried from the fewest cores up, and the
/// first whose every core keeps the per-core limits (inputs, synapses, synaptic memory, values, and on a
/// chip with axon types a typing found by <see cref="AxonTyping"/>) is taken. When none does, the finest
/// tiling is returned and the mapper reports what it exceeds.
/// <para>
/// On a chip with axon types only one position per core is tried: the trained layout types kernel taps
/// (W[o, tap] = c_o[type(tap)]), and an input pixel feeding two positions of one core would sit at two
/// different taps, so it could carry one type only where the shifted type maps agree.
/// </para>
/// </summary>
public static class ConvTiling
{
    /// <summary>Core of each neuron under tile <paramref name="t"/>: cores numbered by tile row, tile column, then channel group.</summary>
    public static int[] Assign(ConvGeometry g, ConvTile t)
    {
        int tilesX = Ceil(g.OutW, t.Width), groups = Ceil(g.OutC, t.Channels);
        var coreOf = new int[g.OutH * g.OutW * g.OutC];
        for (int y = 0; y < g.OutH; y++)
            for (int x = 0; x < g.OutW; x++)
                for (int c = 0; c < g.OutC; c++)
                    coreOf[g.Neuron(y, x, c)] = ((y / t.Height) * tilesX + x / t.Width) * groups + c / t.Channels;
        return coreOf;
    }

    /// <summary>Cores tile <paramref name="t"/> needs.</summary>
    public static long Cores(ConvGeometry g, ConvTile t) => (long)Ceil(g.OutH, t.Height) * Ceil(g.OutW, t.Width) * Ceil(g.OutC, t.Channels);

    /// <summary>Every tiling with at most <paramref name="neuronsPerCore"/> neurons per core, fewest cores first (then larger spatial tiles).</summary>
    public static IEnumerable<ConvTile> Candidates(ConvGeometry g, int neuronsPerCore, bool onePosition)
    {
        int[] heights = onePosition ? [1] : Sizes(g.OutH);
        int[] widths = onePosition ? [1] : Sizes(g.OutW);
        var list = new List<ConvTile>();
        foreach (int h in heights)
            foreach (int w in widths)
                foreach (int c in Sizes(g.OutC))
                    if ((long)h * w * c <= neuronsPerCore) list.Add(new ConvTile(h, w, c));
        return list.OrderBy(t => Cores(g, t)).ThenByDescending(t => t.Height * t.Width).ThenBy(t => Math.Abs(t.Height - t.Width));
    }

    /// <summary>
    /// The tiling of <paramref name="layer"/> with the fewest cores that keeps <paramref name="limits"/> on every core
    /// (with <paramref name="axonTypes"/> and <paramref name="checkTyping"/>, also a typing per core); Fits false and
    /// the finest tiling when none does.
    /// </summary>
    public static (int[] CoreOf, ConvTile Tile, bool Fits) Place(LayerConnectivity layer, CoreLimits limits, int? axonTypes, bool checkTyping = true)
    {
        var g = layer.Geometry ?? throw new ArgumentException("not a conv layer: it has no geometry to tile");
        var values = CorePacker.DistinctValueIds(layer);
        var stamps = new Stamps(layer);
        foreach (var t in Candidates(g, limits.Neurons, axonTypes is not null))
        {
            var coreOf = Assign(g, t);
            if (KeepsLimits(layer, coreOf, (int)Cores(g, t), limits, values, stamps, checkTyping ? axonTypes : null)) return (coreOf, t, true);
        }
        var finest = new ConvTile(1, 1, 1);
        return (Assign(g, finest), finest, false);
    }

    /// <summary>True when every core keeps the limits; stops at the first core over one.</summary>
    private static bool KeepsLimits(LayerConnectivity layer, int[] coreOf, int cores, CoreLimits limits, int[][] values, Stamps s, int? axonTypes)
    {
        var members = new List<int>[cores];
        for (int k = 0; k < cores; k++) members[k] = new();
        for (int i = 0; i < coreOf.Length; i++) members[coreOf[i]].Add(i);
        for (int k = 0; k < cores; k++)
        {
            if (members[k].Count == 0) continue;
            s.Epoch++;
            int inputs = 0, distinct = 0;
            long synapses = 0;
            foreach (int i in members[k])
            {
                synapses += layer.FanIn(i);
                foreach (int x in layer.InputsOf(i))
                    if (s.Input[x] != s.Epoch) { s.Input[x] = s.Epoch; inputs++; }
                foreach (int v in values[i])
                    if (s.Value[v] != s.Epoch) { s.Value[v] = s.Epoch; distinct++; }
            }
            if (limits.Inputs is int a && inputs > a) return false;
            if (limits.Synapses is long sp && synapses > sp) return false;
            if (limits.MemoryBits is long m && synapses * limits.BitsPerSynapse > m) return false;
            if (limits.Values is int mv && distinct > mv) return false;
            if (axonTypes is int types && !AxonTyping.Find(layer, members[k], types).Found) return false;
        }
        return true;
    }

    /// <summary>The block sizes that give a distinct number of blocks over <paramref name="n"/>: ⌈n / k⌉ for k = 1..n.</summary>
    private static int[] Sizes(int n) => Enumerable.Range(1, n).Select(k => Ceil(n, k)).Distinct().ToArray();

    private static int Ceil(int n, int d) => (n + d - 1) / d;

    /// <summary>Per-input and per-value marks reused across cores and candidates (a core's marks carry its epoch).</summary>
    private sealed class Stamps(LayerConnectivity layer)
    {
        public readonly int[] Input = new int[layer.Inputs];
        public readonly int[] Value = new int[Math.Max(1, layer.Values.Length)];
        public int Epoch;
    }
}
