using SpikeFit.Training.Models;

namespace SpikeFit.Training.Nir;

/// <summary>
/// Index order conversions between our channels-last tensors and NIR's (PyTorch's) channels-first ones.
/// Ours: a feature map is (H, W, C), a conv kernel [O, K, K, C]. NIR: [C, H, W] and [O, C, K, K], and its
/// Flatten of [C, H, W] orders features c·H·W + h·W + w. Every conversion is a permutation, so exact.
/// </summary>
public static class NirLayout
{
    /// <summary>NIR's shape of one of our activations: [C, H, W] for a feature map, [N] for a flat vector.</summary>
    public static ulong[] Shape(FeatureShape s, bool spatial) =>
        spatial ? new[] { (ulong)s.C, (ulong)s.H, (ulong)s.W } : new[] { (ulong)s.Size };

    /// <summary>Weight [rows, H·W·C] whose columns follow our (h, w, c) order → columns in NIR's flattened (c, h, w) order.</summary>
    public static float[] ColumnsToChw(float[] w, int rows, FeatureShape s) => PermuteColumns(w, rows, s, toChw: true);

    /// <summary>The inverse of <see cref="ColumnsToChw"/>.</summary>
    public static float[] ColumnsToHwc(float[] w, int rows, FeatureShape s) => PermuteColumns(w, rows, s, toChw: false);

    private static float[] PermuteColumns(float[] w, int rows, FeatureShape s, bool toChw)
    {
        int n = s.Size;
        if (w.Length != (long)rows * n) throw new ArgumentException($"weight of {w.Length} values is not [{rows}, {n}].");
        var result = new float[w.Length];
        for (int h = 0; h < s.H; h++)
            for (int x = 0; x < s.W; x++)
                for (int c = 0; c < s.C; c++)
                {
                    int hwc = (h * s.W + x) * s.C + c, chw = (c * s.H + h) * s.W + x;
                    int from = toChw ? hwc : chw, to = toChw ? chw : hwc;
                    for (int r = 0; r < rows; r++) result[(long)r * n + to] = w[(long)r * n + from];
                }
        return result;
    }

    /// <summary>Our conv kernel [O, K, K, C] → NIR's [O, C, K, K].</summary>
    public static float[] KernelToOckk(float[] w, int o, int k, int c) => PermuteKernel(w, o, k, c, toOckk: true);

    /// <summary>NIR's conv kernel [O, C, K, K] → ours [O, K, K, C].</summary>
    public static float[] KernelToOkkc(float[] w, int o, int k, int c) => PermuteKernel(w, o, k, c, toOckk: false);

    private static float[] PermuteKernel(float[] w, int o, int k, int c, bool toOckk)
    {
        if (w.Length != o * k * k * c) throw new ArgumentException($"kernel of {w.Length} values is not {o}×{k}×{k}×{c}.");
        var result = new float[w.Length];
        for (int oo = 0; oo < o; oo++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                    for (int cc = 0; cc < c; cc++)
                    {
                        int okkc = ((oo * k + ky) * k + kx) * c + cc, ockk = ((oo * c + cc) * k + ky) * k + kx;
                        if (toOckk) result[ockk] = w[okkc];
                        else result[okkc] = w[ockk];
                    }
        return result;
    }

    /// <summary>Per-weight values (e.g. codebook assignments) permuted like the weights: same index maps as above.</summary>
    public static int[] Permute(int[] values, Func<float[], float[]> permutation)
    {
        // Indices are small integers, exactly representable in float32 (< 2^24).
        var asFloat = values.Select(v => (float)v).ToArray();
        return permutation(asFloat).Select(v => (int)v).ToArray();
    }
}
