namespace SpikeFit.Kernels.Lif;

/// <summary>
/// Plain float64 reference of the LIF layer, for tests and <c>check-kernels</c> only.
/// With <c>smooth: true</c> the Heaviside is replaced by the surrogate's antiderivative, which
/// makes the network differentiable so finite differences can check the BPTT formulas.
/// </summary>
public static class LifReference
{
    public static double Surrogate(SurrogateKind kind, double p, double x) => kind switch
    {
        SurrogateKind.FastSigmoid => 1.0 / ((1.0 + p * Math.Abs(x)) * (1.0 + p * Math.Abs(x))),
        SurrogateKind.Atan => 0.5 * p / (1.0 + Math.Pow(0.5 * Math.PI * p * x, 2)),
        SurrogateKind.Sigmoid => p * Sig(p * x) * (1.0 - Sig(p * x)),
        SurrogateKind.Triangle => p * Math.Max(0.0, 1.0 - Math.Abs(x)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>An antiderivative of <see cref="Surrogate"/> (a smooth stand-in for the spike).</summary>
    public static double SmoothSpike(SurrogateKind kind, double p, double x) => kind switch
    {
        SurrogateKind.FastSigmoid => x / (1.0 + p * Math.Abs(x)),
        SurrogateKind.Atan => Math.Atan(0.5 * Math.PI * p * x) / Math.PI + 0.5,
        SurrogateKind.Sigmoid => Sig(p * x),
        SurrogateKind.Triangle => Math.Abs(x) <= 1 ? p * (x - x * Math.Abs(x) / 2) : p * Math.Sign(x) / 2,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static double Sig(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static double Spike(LifConfig c, double h, bool smooth) =>
        smooth ? SmoothSpike(c.Surrogate, c.EffectiveSurrogateParam, h - c.Theta) : (h >= c.Theta ? 1.0 : 0.0);

    private static double Reset(LifConfig c, double h, double s) =>
        c.Reset == ResetMode.Soft ? h - c.Theta * s : h * (1.0 - s);

    /// <summary>Returns the pre-reset membrane and the spikes, both [T,B,N].</summary>
    public static (double[] Membrane, double[] Spikes) Forward(LifShape shape, LifConfig c, double[] input, bool smooth = false)
    {
        int step = shape.B * shape.N;
        var h = new double[shape.T * step];
        var s = new double[shape.T * step];
        for (int i = 0; i < step; i++)
        {
            double v = 0;
            for (int t = 0; t < shape.T; t++)
            {
                double current = input[(shape.BroadcastInput ? 0 : t * step) + i];
                double hh = c.Beta * v + current;
                double ss = Spike(c, hh, smooth);
                h[t * step + i] = hh;
                s[t * step + i] = ss;
                v = Reset(c, hh, ss);
            }
        }
        return (h, s);
    }

    /// <summary>Returns ∂L/∂I ([T,B,N] or the [B,N] time sum) and c[b,n] = Σ_t s_t·∂L/∂s_t.</summary>
    public static (double[] GradInput, double[] Product) Backward(LifShape shape, LifConfig c, double[] membrane,
        double[] gradSpikes, bool smooth = false)
    {
        int step = shape.B * shape.N;
        var gradInput = new double[shape.BroadcastInput ? step : shape.T * step];
        var product = new double[step];
        double p = c.EffectiveSurrogateParam;
        for (int i = 0; i < step; i++)
        {
            double gradV = 0;
            for (int t = shape.T - 1; t >= 0; t--)
            {
                double h = membrane[t * step + i];
                double g = gradSpikes[t * step + i];
                double s = Spike(c, h, smooth);
                double dvdh = c.Reset == ResetMode.Soft ? 1.0 : 1.0 - s;
                double dvds = c.DetachReset ? 0.0 : (c.Reset == ResetMode.Soft ? -c.Theta : -h);
                double gradH = gradV * dvdh + (g + gradV * dvds) * Surrogate(c.Surrogate, p, h - c.Theta);
                if (shape.BroadcastInput) gradInput[i] += gradH;
                else gradInput[t * step + i] = gradH;
                product[i] += s * g;
                gradV = c.Beta * gradH;
            }
        }
        return (gradInput, product);
    }

    public static double[] IntegratorForward(LifShape shape, double beta, double[] input)
    {
        int step = shape.B * shape.N;
        var h = new double[shape.T * step];
        for (int i = 0; i < step; i++)
        {
            double v = 0;
            for (int t = 0; t < shape.T; t++)
            {
                v = beta * v + input[(shape.BroadcastInput ? 0 : t * step) + i];
                h[t * step + i] = v;
            }
        }
        return h;
    }

    public static double[] IntegratorBackward(LifShape shape, double beta, double[] gradMembrane)
    {
        int step = shape.B * shape.N;
        var g = new double[shape.BroadcastInput ? step : shape.T * step];
        for (int i = 0; i < step; i++)
        {
            double carry = 0;
            for (int t = shape.T - 1; t >= 0; t--)
            {
                carry = gradMembrane[t * step + i] + beta * carry;
                if (shape.BroadcastInput) g[i] += carry;
                else g[t * step + i] = carry;
            }
        }
        return g;
    }

    /// <summary>fisher[n] = Σ_b c[b,n]².</summary>
    public static double[] Fisher(int rows, int n, double[] product)
    {
        var f = new double[n];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) f[j] += product[r * n + j] * product[r * n + j];
        return f;
    }
}
