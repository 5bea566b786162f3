namespace SpikeFit.Kernels.Conv;

/// <summary>
/// A stride-1 2-D convolution over channels-last (NHWC) rows: input [R, H, W, C], weight
/// [O, K, K, C] (= [O, K·K·C] row-major), output [R, Ho, Wo, O] with Ho = H + 2P − K + 1 (zero
/// padding P). R is usually T·B, time-major, so a LIF layer sees the output as [T, B, Ho·Wo·O].
/// The im2col matrix is [R·Ho·Wo, K·K·C] with column index (ky·K + kx)·C + c, the same order as a
/// weight row, so the convolution is one GEMM: output = cols·Wᵀ.
/// </summary>
public readonly record struct ConvShape(int R, int H, int W, int C, int O, int K, int Padding = 0)
{
    public int Ho => H + 2 * Padding - K + 1;
    public int Wo => W + 2 * Padding - K + 1;

    /// <summary>K·K·C: the length of one weight row and one im2col row.</summary>
    public int Patch => K * K * C;

    /// <summary>R·Ho·Wo: the rows of the im2col matrix and of the output seen as [rows, O].</summary>
    public int OutputPixels => R * Ho * Wo;

    public long InputLength => (long)R * H * W * C;
    public long ColsLength => (long)R * Ho * Wo * Patch;
    public long OutputLength => (long)R * Ho * Wo * O;
    public long WeightLength => (long)O * Patch;

    /// <summary>Throws unless every size is positive, the output is at least 1×1 and every tensor fits 2^31 elements.</summary>
    public void Validate()
    {
        if (R <= 0 || H <= 0 || W <= 0 || C <= 0 || O <= 0 || K <= 0 || Padding < 0)
            throw new ArgumentException($"Convolution sizes must be positive (padding ≥ 0), got {this}.");
        if (Ho <= 0 || Wo <= 0)
            throw new ArgumentException($"Kernel {K}×{K} with padding {Padding} does not fit a {H}×{W} input.");
        if (InputLength > int.MaxValue || ColsLength > int.MaxValue || OutputLength > int.MaxValue || WeightLength > int.MaxValue)
            throw new ArgumentException($"Convolution {this} has a tensor over the 2^31 element limit.");
    }

    public override string ToString() => $"R={R} {H}×{W}×{C} → {Ho}×{Wo}×{O} K={K} P={Padding}";
}

/// <summary>
/// 2×2 pooling with stride 2 over channels-last rows: input [R, H, W, C], output [R, H/2, W/2, C]
/// (floor: an odd last row or column is not pooled, and its gradient is 0).
/// </summary>
public readonly record struct PoolShape(int R, int H, int W, int C)
{
    public int Ho => H / 2;
    public int Wo => W / 2;
    public long InputLength => (long)R * H * W * C;
    public long OutputLength => (long)R * Ho * Wo * C;

    public void Validate()
    {
        if (R <= 0 || C <= 0 || H < 2 || W < 2)
            throw new ArgumentException($"Pooling needs R, C > 0 and H, W ≥ 2, got {this}.");
        if (InputLength > int.MaxValue)
            throw new ArgumentException($"Pooling input {this} exceeds the 2^31 element limit.");
    }

    public override string ToString() => $"R={R} {H}×{W}×{C} → {Ho}×{Wo}×{C}";
}
