namespace SpikeFit.Kernels.Conv;

/// <summary>
/// Plain float64 reference of the convolution and pooling kernels, for tests and <c>check-kernels</c>
/// only. The convolution is computed by direct loops over NHWC tensors (not via im2col), so it checks
/// the im2col + GEMM composition independently. Sums also return Σ|terms|, the magnitude a float32
/// sum's rounding error scales with (see <see cref="Dense.DenseCheck.GemmError"/>).
/// </summary>
public static class ConvReference
{
    /// <summary>x[r, y, x, c], or 0 outside the image (zero padding).</summary>
    private static double At(ConvShape s, double[] x, int r, int y, int xx, int c) =>
        y < 0 || y >= s.H || xx < 0 || xx >= s.W ? 0 : x[(((long)r * s.H + y) * s.W + xx) * s.C + c];

    public static double[] Im2Col(ConvShape s, double[] input)
    {
        var cols = new double[s.ColsLength];
        long i = 0;
        for (int r = 0; r < s.R; r++)
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int ky = 0; ky < s.K; ky++)
                        for (int kx = 0; kx < s.K; kx++)
                            for (int c = 0; c < s.C; c++)
                                cols[i++] = At(s, input, r, oy + ky - s.Padding, ox + kx - s.Padding, c);
        return cols;
    }

    /// <summary>The adjoint of im2col as a scatter over the cols matrix (the kernels gather): returns ∂input and Σ|terms|.</summary>
    public static (double[] Value, double[] Magnitude) Col2Im(ConvShape s, double[] gradCols)
    {
        var value = new double[s.InputLength];
        var magnitude = new double[s.InputLength];
        long i = 0;
        for (int r = 0; r < s.R; r++)
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int ky = 0; ky < s.K; ky++)
                        for (int kx = 0; kx < s.K; kx++)
                            for (int c = 0; c < s.C; c++, i++)
                            {
                                int y = oy + ky - s.Padding, x = ox + kx - s.Padding;
                                if (y < 0 || y >= s.H || x < 0 || x >= s.W) continue;
                                long at = (((long)r * s.H + y) * s.W + x) * s.C + c;
                                value[at] += gradCols[i];
                                magnitude[at] += Math.Abs(gradCols[i]);
                            }
        return (value, magnitude);
    }

    /// <summary>x copied into a zero-bordered [R, H+2P, W+2P, C] array, so the K·C inputs of one kernel row are one contiguous run.</summary>
    private static double[] Padded(ConvShape s, double[] x)
    {
        int hp = s.H + 2 * s.Padding, wp = s.W + 2 * s.Padding;
        var xp = new double[(long)s.R * hp * wp * s.C];
        for (int r = 0; r < s.R; r++)
            for (int y = 0; y < s.H; y++)
                Array.Copy(x, (((long)r * s.H + y) * s.W) * s.C, xp, (((long)r * hp + y + s.Padding) * wp + s.Padding) * s.C, (long)s.W * s.C);
        return xp;
    }

    /// <summary>y[r, oy, ox, o] = b[o] + Σ_{ky,kx,c} w[o, ky, kx, c]·x[r, oy+ky−P, ox+kx−P, c], with Σ|terms| + |b|.</summary>
    public static (double[] Value, double[] Magnitude) Forward(ConvShape s, double[] x, double[] w, double[]? bias)
    {
        var xp = Padded(s, x);
        int hp = s.H + 2 * s.Padding, wp = s.W + 2 * s.Padding, run = s.K * s.C;
        var value = new double[s.OutputLength];
        var magnitude = new double[s.OutputLength];
        Parallel.For(0, s.R, r =>
        {
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int o = 0; o < s.O; o++)
                    {
                        double sum = bias?[o] ?? 0, abs = Math.Abs(sum);
                        for (int ky = 0; ky < s.K; ky++)
                        {
                            long xb = (((long)r * hp + oy + ky) * wp + ox) * s.C, wb = (long)(o * s.K + ky) * run;
                            for (int j = 0; j < run; j++)
                            {
                                double t = w[wb + j] * xp[xb + j];
                                sum += t;
                                abs += Math.Abs(t);
                            }
                        }
                        long at = (((long)r * s.Ho + oy) * s.Wo + ox) * s.O + o;
                        value[at] = sum;
                        magnitude[at] = abs;
                    }
        });
        return (value, magnitude);
    }

    /// <summary>Gradients by direct loops, each with its Σ|terms|; ∂W and ∂b start from <paramref name="weightStart"/>/<paramref name="biasStart"/> (accumulate) or 0.</summary>
    public sealed record Gradients(double[] Input, double[] InputMagnitude, double[] Weight, double[] WeightMagnitude,
        double[] Bias, double[] BiasMagnitude);

    public static Gradients Backward(ConvShape s, double[] x, double[] w, double[] gradOutput, double[]? weightStart, double[]? biasStart)
    {
        var xp = Padded(s, x);
        int hp = s.H + 2 * s.Padding, wp = s.W + 2 * s.Padding, run = s.K * s.C;
        // ∂x: every output gradient spreads ∂y[r, oy, ox, o]·w[o, ky, kx, c] onto x[r, oy+ky−P, ox+kx−P, c];
        // scattered into a padded array whose border (the zero padding) is then dropped.
        var gxp = new double[xp.LongLength];
        var gxpMag = new double[xp.LongLength];
        Parallel.For(0, s.R, r =>
        {
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int o = 0; o < s.O; o++)
                    {
                        double g = gradOutput[(((long)r * s.Ho + oy) * s.Wo + ox) * s.O + o];
                        for (int ky = 0; ky < s.K; ky++)
                        {
                            long xb = (((long)r * hp + oy + ky) * wp + ox) * s.C, wb = (long)(o * s.K + ky) * run;
                            for (int j = 0; j < run; j++)
                            {
                                double t = g * w[wb + j];
                                gxp[xb + j] += t;
                                gxpMag[xb + j] += Math.Abs(t);
                            }
                        }
                    }
        });
        var gx = new double[s.InputLength];
        var gxMag = new double[s.InputLength];
        for (int r = 0; r < s.R; r++)
            for (int y = 0; y < s.H; y++)
            {
                long from = (((long)r * hp + y + s.Padding) * wp + s.Padding) * s.C, to = (((long)r * s.H + y) * s.W) * s.C;
                Array.Copy(gxp, from, gx, to, (long)s.W * s.C);
                Array.Copy(gxpMag, from, gxMag, to, (long)s.W * s.C);
            }
        // ∂W[o, ky, kx, c] = Σ_{r, oy, ox} ∂y[r, oy, ox, o]·x[r, oy+ky−P, ox+kx−P, c]; ∂b[o] = Σ ∂y[.., o].
        var gw = new double[s.WeightLength];
        var gwMag = new double[s.WeightLength];
        var gb = new double[s.O];
        var gbMag = new double[s.O];
        Parallel.For(0, s.O, o =>
        {
            long wo = (long)o * s.Patch;
            for (int i = 0; i < s.Patch; i++)
            {
                gw[wo + i] = weightStart?[wo + i] ?? 0;
                gwMag[wo + i] = Math.Abs(gw[wo + i]);
            }
            double bsum = biasStart?[o] ?? 0, babs = Math.Abs(bsum);
            for (int r = 0; r < s.R; r++)
                for (int oy = 0; oy < s.Ho; oy++)
                    for (int ox = 0; ox < s.Wo; ox++)
                    {
                        double g = gradOutput[(((long)r * s.Ho + oy) * s.Wo + ox) * s.O + o];
                        bsum += g;
                        babs += Math.Abs(g);
                        for (int ky = 0; ky < s.K; ky++)
                        {
                            long xb = (((long)r * hp + oy + ky) * wp + ox) * s.C, wb = wo + (long)ky * run;
                            for (int j = 0; j < run; j++)
                            {
                                double t = g * xp[xb + j];
                                gw[wb + j] += t;
                                gwMag[wb + j] += Math.Abs(t);
                            }
                        }
                    }
            gb[o] = bsum;
            gbMag[o] = babs;
        });
        return new Gradients(gx, gxMag, gw, gwMag, gb, gbMag);
    }

    private static long PoolIn(PoolShape s, int r, int y, int x, int c) => (((long)r * s.H + y) * s.W + x) * s.C + c;
    private static long PoolOut(PoolShape s, int r, int oy, int ox, int c) => (((long)r * s.Ho + oy) * s.Wo + ox) * s.C + c;

    /// <summary>Max over each 2×2 window and the in-window index dy·2 + dx of its first maximum in scan order.</summary>
    public static (double[] Output, int[] Argmax) MaxPool(PoolShape s, double[] input)
    {
        var output = new double[s.OutputLength];
        var argmax = new int[s.OutputLength];
        for (int r = 0; r < s.R; r++)
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int c = 0; c < s.C; c++)
                    {
                        double best = double.NegativeInfinity;
                        int at = -1;
                        for (int k = 0; k < 4; k++)
                        {
                            double v = input[PoolIn(s, r, 2 * oy + k / 2, 2 * ox + k % 2, c)];
                            if (at < 0 || v > best) { best = v; at = k; }
                        }
                        output[PoolOut(s, r, oy, ox, c)] = best;
                        argmax[PoolOut(s, r, oy, ox, c)] = at;
                    }
        return (output, argmax);
    }

    /// <summary>Routes each window's gradient to its argmax input; every other input (floored edges included) gets 0.</summary>
    public static double[] MaxPoolBackward(PoolShape s, double[] gradOutput, int[] argmax)
    {
        var gradInput = new double[s.InputLength];
        for (int r = 0; r < s.R; r++)
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int c = 0; c < s.C; c++)
                    {
                        long o = PoolOut(s, r, oy, ox, c);
                        int k = argmax[o];
                        gradInput[PoolIn(s, r, 2 * oy + k / 2, 2 * ox + k % 2, c)] = gradOutput[o];
                    }
        return gradInput;
    }

    /// <summary>Mean of each 2×2 window, with Σ|terms|/4.</summary>
    public static (double[] Output, double[] Magnitude) AvgPool(PoolShape s, double[] input)
    {
        var output = new double[s.OutputLength];
        var magnitude = new double[s.OutputLength];
        for (int r = 0; r < s.R; r++)
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int c = 0; c < s.C; c++)
                    {
                        double sum = 0, abs = 0;
                        for (int k = 0; k < 4; k++)
                        {
                            double v = input[PoolIn(s, r, 2 * oy + k / 2, 2 * ox + k % 2, c)];
                            sum += v;
                            abs += Math.Abs(v);
                        }
                        output[PoolOut(s, r, oy, ox, c)] = sum / 4;
                        magnitude[PoolOut(s, r, oy, ox, c)] = abs / 4;
                    }
        return (output, magnitude);
    }

    /// <summary>Each pooled input gets a quarter of its window's gradient; floored edges get 0.</summary>
    public static double[] AvgPoolBackward(PoolShape s, double[] gradOutput)
    {
        var gradInput = new double[s.InputLength];
        for (int r = 0; r < s.R; r++)
            for (int oy = 0; oy < s.Ho; oy++)
                for (int ox = 0; ox < s.Wo; ox++)
                    for (int c = 0; c < s.C; c++)
                        for (int k = 0; k < 4; k++)
                            gradInput[PoolIn(s, r, 2 * oy + k / 2, 2 * ox + k % 2, c)] = gradOutput[PoolOut(s, r, oy, ox, c)] / 4;
        return gradInput;
    }
}
