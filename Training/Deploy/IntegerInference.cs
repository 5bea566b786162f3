using System.Numerics;
using System.Runtime.InteropServices;
using SpikeFit.Training.Models;

namespace SpikeFit.Training.Deploy;

/// <summary>Integer readouts and predictions of a batch of samples.</summary>
/// <param name="Predictions">argmax of each sample's integer readout (first maximum on ties).</param>
/// <param name="Readouts">[samples, classes] integer readouts: Σ_t h_t of the output integrator in its membrane
/// units (Membrane readout), or output spike counts (SpikeCount).</param>
/// <param name="ReadoutUnit">Multiply a readout by this to get the float network's readout (mean membrane, or spike
/// count): for reports and comparisons only.</param>
public sealed record IntegerBatchResult(int[] Predictions, long[] Readouts, double ReadoutUnit);

/// <summary>
/// Runs a <see cref="DeployedModel"/> with integer arithmetic only (design in Training/Deploy/DEPLOY.md):
/// pixels become p = round(255·x); the first weighted layer accumulates Σ q·p once per sample
/// (direct encoding: the input is the same at every step); later layers accumulate Σ q over the
/// inputs that spiked; LIF membranes are int64 in u/2^S units with a rounded fixed-point leak,
/// an integer threshold and integer soft/hard reset; the output integrator sums its membrane over
/// T. Weights exist only as int32 levels decoded from the packed indices. Samples run in parallel.
/// </summary>
public sealed class IntegerInference
{
    private readonly FixedPointPlan[] _plans;

    /// <summary>The model's header (T, input shape, classes, readout, layers).</summary>
    public DeployedHeader Header { get; }

    /// <summary>Features per input image.</summary>
    public int Features => Header.InputHeight * Header.InputWidth * Header.InputChannels;

    /// <summary>Fixed-point fractional bits S of each weighted layer's membrane, by layer name.</summary>
    public IReadOnlyDictionary<string, int> MembraneFractionBits => _plans.ToDictionary(p => p.Layer.Name, p => p.S);

    /// <summary>Reads, verifies and plans the model in <paramref name="path"/>.</summary>
    public static IntegerInference Load(string path) => new(DeployedModel.Load(path), path);

    /// <summary>Plans <paramref name="model"/>: checks the layer sequence and derives every integer constant.</summary>
    /// <param name="path">Named in errors.</param>
    public IntegerInference(DeployedModel model, string? path = null)
    {
        path ??= model.Header.Source;
        Header = model.Header;
        _plans = Plan(model, path);
    }

    /// <summary>Quantizes an image in [0, 1] to the model's input levels: p = clamp(round(L·x), 0, L), L = 255.</summary>
    public byte[] QuantizeInput(ReadOnlySpan<float> image)
    {
        var p = new byte[image.Length];
        int levels = Header.InputLevels;
        for (int i = 0; i < p.Length; i++)
            p[i] = (byte)Math.Clamp((int)MathF.Round(image[i] * levels, MidpointRounding.AwayFromZero), 0, levels);
        return p;
    }

    /// <summary>Runs <paramref name="count"/> images ([count, Features] floats in [0, 1]) in parallel.</summary>
    public IntegerBatchResult Run(float[] images, int count)
    {
        if ((long)count * Features > images.LongLength)
            throw new ArgumentException($"{images.LongLength} values do not hold {count} images of {Features} features.");
        int classes = Header.Classes;
        var predictions = new int[count];
        var readouts = new long[(long)count * classes];
        int chunks = Math.Min(count, Environment.ProcessorCount * 8);
        Parallel.For(0, chunks, chunk =>
        {
            var work = new Workspace(_plans);
            long start = (long)count * chunk / chunks, end = (long)count * (chunk + 1) / chunks;
            for (long n = start; n < end; n++)
            {
                var pixels = QuantizeInput(images.AsSpan((int)(n * Features), Features));
                var readout = readouts.AsSpan((int)(n * classes), classes);
                RunSample(pixels, readout, work);
                predictions[n] = ArgMax(readout);
            }
        });
        return new IntegerBatchResult(predictions, readouts, ReadoutUnit);
    }

    /// <summary>Runs one 8-bit image and returns its integer readout per class.</summary>
    public long[] Run(ReadOnlySpan<byte> pixels)
    {
        if (pixels.Length != Features) throw new ArgumentException($"expected {Features} pixels, got {pixels.Length}.");
        var readout = new long[Header.Classes];
        RunSample(pixels, readout, new Workspace(_plans));
        return readout;
    }

    /// <summary>Float value of one readout unit (mean membrane per unit, or 1 spike), for reports only.</summary>
    public double ReadoutUnit => Header.Readout == Readout.Membrane ? _plans[^1].MembraneUnit / Header.T : 1.0;

    /// <summary>First index of the largest value, as the float evaluation picks it.</summary>
    public static int ArgMax(ReadOnlySpan<long> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private void RunSample(ReadOnlySpan<byte> pixels, Span<long> readout, Workspace w)
    {
        readout.Clear();
        foreach (var state in w.Membrane) Array.Clear(state);
        // Direct encoding: the first layer's current is the same at every step, so it is computed once.
        int active = 0;
        for (int i = 0; i < pixels.Length; i++)
            if (pixels[i] != 0) { w.Active[0][active] = i; w.Values[active++] = pixels[i]; }
        Current(_plans[0], w.Active[0], w.Values, active, w, w.Current[0]);

        bool membraneReadout = Header.Readout == Readout.Membrane;
        for (int t = 0; t < Header.T; t++)
        {
            for (int l = 0; l < _plans.Length; l++)
            {
                var plan = _plans[l];
                if (l > 0) Current(plan, w.Active[l], null, w.ActiveCount[l], w, w.Current[l]);
                var v = w.Membrane[l];
                var current = w.Current[l];
                if (plan.Neurons.Op == DeployedOp.Integrator)
                {
                    for (int i = 0; i < v.Length; i++)
                    {
                        v[i] = Leak(plan.BetaFp, v[i]) + current[i];
                        readout[i] += v[i];
                    }
                    continue;
                }
                var spikes = w.Spikes[l];
                Fire(plan, v, current, spikes);
                if (l == _plans.Length - 1)
                {
                    if (!membraneReadout) for (int i = 0; i < spikes.Length; i++) readout[i] += spikes[i];
                    continue;
                }
                var next = plan.Pool is { } pool ? MaxPool(pool, spikes, w.Pooled[l]) : spikes;
                int count = 0;
                var list = w.Active[l + 1];
                for (int i = 0; i < next.Length; i++) if (next[i] != 0) list[count++] = i;
                w.ActiveCount[l + 1] = count;
            }
        }
    }

    /// <summary>(β_fp·v + 2^15) &gt;&gt; 16: the leak rounded to nearest (halves up).</summary>
    private static long Leak(long betaFp, long v) => (betaFp * v + (1L << (FixedPointPlan.BetaBits - 1))) >> FixedPointPlan.BetaBits;

    private static void Fire(FixedPointPlan plan, long[] v, long[] current, byte[] spikes)
    {
        if (plan.Mint is { } mint)
        {
            // MINT: current in units of s (a floor division by D·2^16, halves up), then adds, a table and a compare.
            long d = plan.MintDivisor, half = d / 2;
            for (int i = 0; i < v.Length; i++)
            {
                mint.Step(ref v[i], FloorDiv(current[i] + half, d), out bool fired);
                spikes[i] = fired ? (byte)1 : (byte)0;
            }
            return;
        }
        long theta = plan.Theta, beta = plan.BetaFp;
        bool soft = plan.SoftReset;
        for (int i = 0; i < v.Length; i++)
        {
            long h = Leak(beta, v[i]) + current[i];
            bool fire = h >= theta;
            spikes[i] = fire ? (byte)1 : (byte)0;
            v[i] = !fire ? h : soft ? h - theta : 0;
        }
    }

    /// <summary>⌊a / d⌋ for d &gt; 0 (C# division truncates toward zero).</summary>
    private static long FloorDiv(long a, long d)
    {
        long q = Math.DivRem(a, d, out long r);
        return r < 0 ? q - 1 : q;
    }

    private static byte[] MaxPool(DeployedLayer pool, byte[] input, byte[] output)
    {
        int c = pool.InC, w = pool.InW;
        for (int py = 0; py < pool.OutH; py++)
            for (int px = 0; px < pool.OutW; px++)
                for (int ch = 0; ch < c; ch++)
                {
                    int a = ((2 * py) * w + 2 * px) * c + ch, b = a + w * c;
                    output[(py * pool.OutW + px) * c + ch] = (byte)(input[a] | input[a + c] | input[b] | input[b + c]);
                }
        return output;
    }

    /// <summary>I = (A &lt;&lt; S) + B with A = Σ q·x over the active inputs (x = pixel value, or 1 for a spike).</summary>
    private static void Current(FixedPointPlan plan, int[] active, int[]? values, int count, Workspace w, long[] current)
    {
        var layer = plan.Layer;
        if (plan.Int32Accumulator)
        {
            Array.Clear(w.Acc32, 0, layer.OutSize);
            var add = new Add32 { Acc = w.Acc32, Weights = plan.WeightsByInput, Rows = layer.Rows };
            Scatter(plan, active, values, count, ref add);
            for (int i = 0; i < layer.OutSize; i++) current[i] = ((long)w.Acc32[i] << plan.S) + plan.Bias[i % layer.Rows];
        }
        else
        {
            Array.Clear(w.Acc64, 0, layer.OutSize);
            var add = new Add64 { Acc = w.Acc64, Weights = plan.WeightsByInput, Rows = layer.Rows };
            Scatter(plan, active, values, count, ref add);
            for (int i = 0; i < layer.OutSize; i++) current[i] = (w.Acc64[i] << plan.S) + plan.Bias[i % layer.Rows];
        }
    }

    /// <summary>Adds x times one weight row (all output channels of one input tap) into the accumulator at an output position.</summary>
    private interface IRowAdd
    {
        void Add(int accOffset, int weightOffset, int x);
    }

    /// <summary>int32 SIMD accumulation (the plan proved |A| &lt; 2^31).</summary>
    private struct Add32 : IRowAdd
    {
        public int[] Acc, Weights;
        public int Rows;
        public readonly void Add(int accOffset, int weightOffset, int x) => AddRow(Acc, accOffset, Weights, weightOffset, Rows, x);
    }

    /// <summary>int64 scalar accumulation, for grids and fan-ins whose worst case exceeds int32.</summary>
    private struct Add64 : IRowAdd
    {
        public long[] Acc;
        public int[] Weights;
        public int Rows;
        public readonly void Add(int accOffset, int weightOffset, int x)
        {
            for (int o = 0; o < Rows; o++) Acc[accOffset + o] += (long)x * Weights[weightOffset + o];
        }
    }

    /// <summary>
    /// Calls <paramref name="add"/> for every (output position, kernel tap) an active input reaches:
    /// a dense input is one tap; a conv input at (y, x, c) reaches output (y − ky + P, x − kx + P)
    /// through tap (ky, kx, c). Generic over the adder so the JIT inlines it.
    /// </summary>
    private static void Scatter<TAdd>(FixedPointPlan plan, int[] active, int[]? values, int count, ref TAdd add) where TAdd : struct, IRowAdd
    {
        var l = plan.Layer;
        if (l.Op == DeployedOp.Dense)
        {
            for (int k = 0; k < count; k++) add.Add(0, active[k] * l.Rows, values?[k] ?? 1);
            return;
        }
        int kSize = l.Kernel, c = l.InC, p = l.Padding;
        for (int k = 0; k < count; k++)
        {
            int i = active[k], ch = i % c, pos = i / c, x = pos % l.InW, y = pos / l.InW;
            int value = values?[k] ?? 1;
            for (int ky = 0; ky < kSize; ky++)
            {
                int oy = y - ky + p;
                if ((uint)oy >= (uint)l.OutH) continue;
                for (int kx = 0; kx < kSize; kx++)
                {
                    int ox = x - kx + p;
                    if ((uint)ox >= (uint)l.OutW) continue;
                    add.Add((oy * l.OutW + ox) * l.Rows, ((ky * kSize + kx) * c + ch) * l.Rows, value);
                }
            }
        }
    }

    /// <summary>acc[a..a+n) += x·w[b..b+n) in int32 SIMD (the plan proved |A| &lt; 2^31).</summary>
    private static void AddRow(int[] acc, int a, int[] weights, int b, int n, int x)
    {
        var dst = acc.AsSpan(a, n);
        var src = weights.AsSpan(b, n);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vd = MemoryMarshal.Cast<int, Vector<int>>(dst);
            var vs = MemoryMarshal.Cast<int, Vector<int>>(src);
            if (x == 1) for (int k = 0; k < vd.Length; k++) vd[k] += vs[k];
            else
            {
                var vx = new Vector<int>(x);
                for (int k = 0; k < vd.Length; k++) vd[k] += vs[k] * vx;
            }
            i = vd.Length * Vector<int>.Count;
        }
        for (; i < n; i++) dst[i] += x * src[i];
    }

    private static FixedPointPlan[] Plan(DeployedModel model, string path)
    {
        var h = model.Header;
        var layers = h.Layers;
        var plans = new List<FixedPointPlan>();
        int at = 0, features = h.InputHeight * h.InputWidth * h.InputChannels;
        string Where(DeployedLayer l) => $"{path}: layer {l.Name} ({l.Op})";
        while (at < layers.Count)
        {
            var w = layers[at++];
            if (!w.IsWeighted) throw new InvalidDataException($"{Where(w)} must follow a neuron or pool layer; expected a dense or conv layer.");
            bool first = plans.Count == 0;
            if (w.PixelInput != first) throw new InvalidDataException($"{Where(w)}: only the first weighted layer takes pixels.");
            if (w.InSize != features) throw new InvalidDataException($"{Where(w)} expects {w.InSize} inputs; the previous stage gives {features}.");
            if (w.Op == DeployedOp.Dense && (w.FanIn != w.InSize || w.Rows != w.OutSize))
                throw new InvalidDataException($"{Where(w)}: {w.Rows}×{w.FanIn} weights do not map {w.InSize} inputs to {w.OutSize} outputs.");
            if (w.Op == DeployedOp.Conv && (w.Kernel < 1 || w.Padding < 0 || w.FanIn != w.Kernel * w.Kernel * w.InC || w.Rows != w.OutC ||
                                            w.OutH != w.InH + 2 * w.Padding - w.Kernel + 1 || w.OutW != w.InW + 2 * w.Padding - w.Kernel + 1))
                throw new InvalidDataException($"{Where(w)}: kernel {w.Kernel}, padding {w.Padding}, {w.Rows}×{w.FanIn} weights do not map {w.InH}x{w.InW}x{w.InC} to {w.OutH}x{w.OutW}x{w.OutC}.");
            if (at >= layers.Count || layers[at].Op is not (DeployedOp.Lif or DeployedOp.Integrator))
                throw new InvalidDataException($"{Where(w)} must be followed by LIF or integrator neurons.");
            var neurons = layers[at++];
            if (neurons.InSize != w.OutSize || !(neurons.Beta is >= 0f and <= 1f) || (neurons.Op == DeployedOp.Lif && !(neurons.Theta > 0f && float.IsFinite(neurons.Theta))))
                throw new InvalidDataException($"{Where(neurons)}: {neurons.InSize} neurons, β {neurons.Beta}, θ {neurons.Theta} do not fit the {w.OutSize} outputs of {w.Name}.");
            DeployedLayer? pool = null;
            if (at < layers.Count && layers[at].Op == DeployedOp.MaxPool2)
            {
                pool = layers[at++];
                if (neurons.Op != DeployedOp.Lif || pool.InH != w.OutH || pool.InW != w.OutW || pool.InC != w.OutC ||
                    pool.OutH != pool.InH / 2 || pool.OutW != pool.InW / 2 || pool.OutC != pool.InC || pool.OutH < 1 || pool.OutW < 1)
                    throw new InvalidDataException($"{Where(pool)} does not pool the {w.OutH}x{w.OutW}x{w.OutC} spikes of {w.Name}.");
            }
            bool last = at == layers.Count;
            var expected = last && h.Readout == Readout.Membrane ? DeployedOp.Integrator : DeployedOp.Lif;
            if (neurons.Op != expected)
                throw new InvalidDataException($"{Where(neurons)}: expected {expected} here ({(last ? $"{h.Readout} readout" : "hidden layer")}).");
            plans.Add(FixedPointPlan.Create(model, w, neurons, pool, path));
            features = pool?.OutSize ?? w.OutSize;
        }
        if (plans.Count == 0) throw new InvalidDataException($"{path} has no weighted layers.");
        if (features != h.Classes) throw new InvalidDataException($"{path}: the last layer has {features} outputs for {h.Classes} classes.");
        return plans.ToArray();
    }

    /// <summary>Per-thread scratch: accumulators, currents, membranes, spikes and active-input lists of every layer.</summary>
    private sealed class Workspace
    {
        public readonly int[] Acc32;
        public readonly long[] Acc64;
        public readonly long[][] Current, Membrane;
        public readonly byte[][] Spikes, Pooled;
        public readonly int[][] Active;
        public readonly int[] ActiveCount;
        public readonly int[] Values;

        public Workspace(FixedPointPlan[] plans)
        {
            int widest = plans.Max(p => p.OutSize);
            Acc32 = new int[widest];
            Acc64 = new long[widest];
            Current = plans.Select(p => new long[p.OutSize]).ToArray();
            Membrane = plans.Select(p => new long[p.OutSize]).ToArray();
            Spikes = plans.Select(p => new byte[p.OutSize]).ToArray();
            Pooled = plans.Select(p => new byte[p.SpikeSize]).ToArray();
            Active = plans.Select(p => new int[p.Layer.InSize]).ToArray();
            ActiveCount = new int[plans.Length];
            Values = new int[plans[0].Layer.InSize];
        }
    }
}
