using SpikeFit.Kernels.Lif;

namespace SpikeFit.Kernels.Checks;

/// <summary>
/// A tiny two-layer SNN in plain float64, for gradient checks: x [T,B,I] → W1 [H,I], b1 → LIF →
/// W2 [O,H], b2 → LIF → spike counts → softmax cross-entropy (mean over the batch).
/// <see cref="Gradients"/> is the analytic surrogate BPTT, built from <see cref="LifReference"/>.
/// With <c>smooth: true</c> the spike is the surrogate's antiderivative, so the loss is
/// differentiable and finite differences must agree with the analytic gradient exactly (to
/// rounding); with Heaviside spikes it is the reference the kernels are compared against.
/// </summary>
public sealed class TinySnnReference
{
    public int T, B, I, H, O;
    public LifConfig Config;
    public double[] X = Array.Empty<double>();
    public int[] Labels = Array.Empty<int>();
    public double[] W1 = Array.Empty<double>(), B1 = Array.Empty<double>(), W2 = Array.Empty<double>(), B2 = Array.Empty<double>();

    public static TinySnnReference Random(int seed, LifConfig config, int t = 4, int b = 3, int i = 5, int h = 4, int o = 3)
    {
        var rng = new System.Random(seed);
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        var net = new TinySnnReference { T = t, B = b, I = i, H = h, O = o, Config = config };
        net.X = Enumerable.Range(0, t * b * i).Select(_ => U(0, 1)).ToArray();
        net.Labels = Enumerable.Range(0, b).Select(_ => rng.Next(o)).ToArray();
        net.W1 = Enumerable.Range(0, h * i).Select(_ => U(-0.2, 0.8)).ToArray();
        net.B1 = Enumerable.Range(0, h).Select(_ => U(-0.1, 0.3)).ToArray();
        net.W2 = Enumerable.Range(0, o * h).Select(_ => U(-0.2, 1.0)).ToArray();
        net.B2 = Enumerable.Range(0, o).Select(_ => U(-0.1, 0.3)).ToArray();
        return net;
    }

    /// <summary>y[r,o] = Σ_i x[r,i]·w[o,i] + b[o].</summary>
    public static double[] Dense(double[] x, double[] w, double[] b, int rows, int inputs, int outputs)
    {
        var y = new double[rows * outputs];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
            {
                double s = b[o];
                for (int i = 0; i < inputs; i++) s += x[r * inputs + i] * w[o * inputs + i];
                y[r * outputs + o] = s;
            }
        return y;
    }

    public sealed record Pass(double[] I1, double[] H1, double[] S1, double[] I2, double[] H2, double[] S2, double[] Logits, double Loss);

    public Pass Forward(bool smooth)
    {
        int rows = T * B;
        var i1 = Dense(X, W1, B1, rows, I, H);
        var (h1, s1) = LifReference.Forward(new LifShape(T, B, H), Config, i1, smooth);
        var i2 = Dense(s1, W2, B2, rows, H, O);
        var (h2, s2) = LifReference.Forward(new LifShape(T, B, O), Config, i2, smooth);
        var logits = new double[B * O];
        for (int t = 0; t < T; t++)
            for (int k = 0; k < B * O; k++) logits[k] += s2[t * B * O + k];
        double loss = 0;
        for (int b = 0; b < B; b++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < O; c++) max = Math.Max(max, logits[b * O + c]);
            double sum = 0;
            for (int c = 0; c < O; c++) sum += Math.Exp(logits[b * O + c] - max);
            loss += max + Math.Log(sum) - logits[b * O + Labels[b]];
        }
        return new Pass(i1, h1, s1, i2, h2, s2, logits, loss / B);
    }

    public sealed record Grads(double[] W1, double[] B1, double[] W2, double[] B2, double[] GradS2, double[] GradI2, double[] GradS1, double[] GradI1);

    /// <summary>Analytic surrogate BPTT of the mean loss.</summary>
    public Grads Gradients(bool smooth)
    {
        var p = Forward(smooth);
        int rows = T * B;
        var gLogits = new double[B * O];
        for (int b = 0; b < B; b++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < O; c++) max = Math.Max(max, p.Logits[b * O + c]);
            double sum = 0;
            for (int c = 0; c < O; c++) sum += Math.Exp(p.Logits[b * O + c] - max);
            for (int c = 0; c < O; c++)
                gLogits[b * O + c] = (Math.Exp(p.Logits[b * O + c] - max) / sum - (c == Labels[b] ? 1 : 0)) / B;
        }
        var gS2 = new double[rows * O];
        for (int t = 0; t < T; t++) Array.Copy(gLogits, 0, gS2, t * B * O, B * O);
        var (gI2, _) = LifReference.Backward(new LifShape(T, B, O), Config, p.H2, gS2, smooth);
        var gW2 = new double[O * H];
        var gB2 = new double[O];
        var gS1 = new double[rows * H];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < O; o++)
            {
                double g = gI2[r * O + o];
                gB2[o] += g;
                for (int h = 0; h < H; h++)
                {
                    gW2[o * H + h] += g * p.S1[r * H + h];
                    gS1[r * H + h] += g * W2[o * H + h];
                }
            }
        var (gI1, _) = LifReference.Backward(new LifShape(T, B, H), Config, p.H1, gS1, smooth);
        var gW1 = new double[H * I];
        var gB1 = new double[H];
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < H; h++)
            {
                double g = gI1[r * H + h];
                gB1[h] += g;
                for (int i = 0; i < I; i++) gW1[h * I + i] += g * X[r * I + i];
            }
        return new Grads(gW1, gB1, gW2, gB2, gS2, gI2, gS1, gI1);
    }
}
