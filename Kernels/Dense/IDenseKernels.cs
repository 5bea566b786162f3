using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Dense;

/// <summary>
/// C[M,N] = α·op(A)·op(B) + β·C, all row-major and densely packed. op(A) is [M,K]: A is stored
/// [M,K], or [K,M] when <see cref="TransA"/>; op(B) is [K,N]: B is stored [K,N], or [N,K] when
/// <see cref="TransB"/>. With β = 0, C is write-only (NaN in C does not propagate).
/// </summary>
public readonly record struct GemmOp(int M, int N, int K, bool TransA = false, bool TransB = false,
    float Alpha = 1f, float Beta = 0f)
{
    public long LengthA => (long)M * K;
    public long LengthB => (long)K * N;
    public long LengthC => (long)M * N;
    public double Flops => 2.0 * M * N * K;

    public void Validate()
    {
        if (M <= 0 || N <= 0 || K <= 0) throw new ArgumentException($"GEMM sizes must be positive, got M={M}, N={N}, K={K}.");
        if (LengthA > int.MaxValue || LengthB > int.MaxValue || LengthC > int.MaxValue)
            throw new ArgumentException("GEMM operand exceeds the 2^31 element limit.");
    }

    public override string ToString() => $"{M}x{N}x{K}{(TransA ? " Aᵀ" : "")}{(TransB ? " Bᵀ" : "")}";
}

/// <summary>Dense (fully connected) layer kernels. The layer itself is GEMM-shaped, see <see cref="DenseLayer"/>.</summary>
public interface IDenseKernels
{
    /// <summary>Name of the GEMM implementation in use (e.g. "tiled ILGPU 16x16", "cuBLAS 13", "managed SIMD").</summary>
    string GemmImplementation { get; }

    /// <summary>
    /// Input precision of <see cref="Gemm"/>: with <see cref="GemmPrecision.Tf32"/> or <see cref="GemmPrecision.Bf16"/>
    /// both operands are rounded (<see cref="GemmRounding"/>) before the product, which accumulates in float32.
    /// Default <see cref="GemmPrecision.Fp32"/>: operands used as they are. Other kernels are unaffected.
    /// </summary>
    GemmPrecision Precision { get; set; }

    void Gemm(GemmOp op, DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c);

    /// <summary>y[r,c] += bias[c] for a [rows, cols] matrix.</summary>
    void AddBias(int rows, int cols, DeviceBuffer<float> y, DeviceBuffer<float> bias);

    /// <summary>sums[c] = β·sums[c] + Σ_r x[r,c] (the bias gradient); β = 0 makes sums write-only.
    /// Summation order is fixed, so the result is deterministic on every backend.</summary>
    void ColumnSum(int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> sums, float beta = 0f);
}
