using SpikeFit.Training.Nir;

namespace SpikeFit.Tests.Nir;

/// <summary>
/// A float64 simulator of a NIR chain, written from NIR's node definitions (nir/ir/*.py) and independent of
/// the importer: the input is held for T steps; LIF/LI integrate τ·dv/dt = (v_leak − v) + r·I with forward
/// Euler at dt; IF integrates v += r·I per step; a spike is v > v_threshold and resets v to v_reset;
/// Conv2d is PyTorch's cross-correlation; Flatten is row-major over [C, H, W]. The readout is the last
/// neuron's membrane averaged over T (LI, I) or its spikes summed over T (LIF, IF, Threshold).
/// </summary>
public static class NirReference
{
    public static double[] Run(NirGraph graph, double[] input, int t, double dt)
    {
        var chain = NirChain.Walk(graph, "reference");
        var state = new Dictionary<string, double[]>();
        double[]? sum = null;
        bool membrane = false;
        for (int step = 0; step < t; step++)
        {
            var x = input;
            var shape = graph.Nodes[chain[0]].Fields["shape"].ToLongs();
            foreach (var name in chain.Skip(1))
            {
                var node = graph.Nodes[name];
                double[] P(string field) => Broadcast(node.Fields[field].ToDoubles(), x.Length);
                double[] POr(string field, double fallback) => node.Fields.ContainsKey(field) ? P(field) : Enumerable.Repeat(fallback, x.Length).ToArray();
                switch (node.Type)
                {
                    case "Output":
                        break;
                    case "Flatten":
                        shape = new[] { (long)x.Length };
                        break;
                    case "Affine":
                    case "Linear":
                    {
                        var w = node.Fields["weight"].ToDoubles();
                        int outs = (int)node.Fields["weight"].Shape[0], ins = (int)node.Fields["weight"].Shape[1];
                        var b = node.Type == "Affine" ? node.Fields["bias"].ToDoubles() : new double[outs];
                        var y = new double[outs];
                        for (int o = 0; o < outs; o++)
                        {
                            double a = b[o];
                            for (int i = 0; i < ins; i++) a += w[o * ins + i] * x[i];
                            y[o] = a;
                        }
                        x = y;
                        shape = new long[] { outs };
                        break;
                    }
                    case "Conv2d":
                        (x, shape) = Conv(node, x, shape);
                        break;
                    case "SumPool2d":
                    case "AvgPool2d":
                        (x, shape) = Pool(node, x, shape, node.Type == "AvgPool2d");
                        break;
                    case "Scale":
                        x = x.Zip(P("scale"), (a, s) => a * s).ToArray();
                        break;
                    case "LIF":
                    case "LI":
                    case "IF":
                    case "I":
                    case "Threshold":
                    {
                        var v = state.TryGetValue(name, out var s) ? s : state[name] = new double[x.Length];
                        bool spiking = node.Type is "LIF" or "IF" or "Threshold";
                        var z = new double[x.Length];
                        if (node.Type is "LIF" or "LI")
                        {
                            var tau = P("tau");
                            var r = P("r");
                            var leak = P("v_leak");
                            for (int i = 0; i < v.Length; i++) v[i] += dt / tau[i] * (leak[i] - v[i] + r[i] * x[i]);
                        }
                        else if (node.Type is "IF" or "I")
                        {
                            var r = P("r");
                            for (int i = 0; i < v.Length; i++) v[i] += r[i] * x[i];
                        }
                        else
                        {
                            for (int i = 0; i < v.Length; i++) v[i] = x[i];
                        }
                        if (spiking)
                        {
                            var theta = node.Type == "Threshold" ? P("threshold") : P("v_threshold");
                            var reset = POr("v_reset", 0);
                            for (int i = 0; i < v.Length; i++)
                            {
                                z[i] = v[i] > theta[i] ? 1 : 0;
                                if (z[i] == 1) v[i] = reset[i];
                            }
                            x = z;
                        }
                        else x = (double[])v.Clone();
                        membrane = !spiking;
                        break;
                    }
                    default:
                        throw new NotSupportedException($"reference: {node.Type}");
                }
            }
            sum ??= new double[x.Length];
            for (int i = 0; i < x.Length; i++) sum[i] += x[i];
        }
        return membrane ? sum!.Select(v => v / t).ToArray() : sum!;
    }

    private static double[] Broadcast(double[] values, int n) => values.Length == n ? values : Enumerable.Repeat(values[0], n).ToArray();

    private static long[] Pair(NirNode node, string field, long fallback)
    {
        if (!node.Fields.TryGetValue(field, out var t)) return new[] { fallback, fallback };
        var v = t.ToLongs();
        return v.Length == 1 ? new[] { v[0], v[0] } : v;
    }

    private static (double[], long[]) Conv(NirNode node, double[] x, long[] shape)
    {
        var wt = node.Fields["weight"];
        var w = wt.ToDoubles();
        int o = (int)wt.Shape[0], c = (int)wt.Shape[1], kh = (int)wt.Shape[2], kw = (int)wt.Shape[3];
        var b = node.Fields["bias"].ToDoubles();
        var stride = Pair(node, "stride", 1);
        var pad = Pair(node, "padding", 0);
        var dil = Pair(node, "dilation", 1);
        int h = (int)shape[1], wd = (int)shape[2];
        int ho = (int)((h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1), wo = (int)((wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1);
        var y = new double[o * ho * wo];
        for (int oc = 0; oc < o; oc++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                {
                    double a = b[oc];
                    for (int ic = 0; ic < c; ic++)
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++)
                            {
                                long iy = oy * stride[0] - pad[0] + ky * dil[0], ix = ox * stride[1] - pad[1] + kx * dil[1];
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                a += w[((oc * c + ic) * kh + ky) * kw + kx] * x[(ic * h + iy) * wd + ix];
                            }
                    y[(oc * ho + oy) * wo + ox] = a;
                }
        return (y, new long[] { o, ho, wo });
    }

    private static (double[], long[]) Pool(NirNode node, double[] x, long[] shape, bool average)
    {
        var k = Pair(node, "kernel_size", 2);
        var s = Pair(node, "stride", k[0]);
        int c = (int)shape[0], h = (int)shape[1], w = (int)shape[2];
        int ho = (int)((h - k[0]) / s[0] + 1), wo = (int)((w - k[1]) / s[1] + 1);
        var y = new double[c * ho * wo];
        for (int ch = 0; ch < c; ch++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                {
                    double a = 0;
                    for (int ky = 0; ky < k[0]; ky++)
                        for (int kx = 0; kx < k[1]; kx++)
                            a += x[(ch * h + oy * s[0] + ky) * w + ox * s[1] + kx];
                    y[(ch * ho + oy) * wo + ox] = average ? a / (k[0] * k[1]) : a;
                }
        return (y, new long[] { c, ho, wo });
    }
}
