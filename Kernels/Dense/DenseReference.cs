namespace SpikeFit.Kernels.Dense;

/// <summary>
/// Plain float64 reference of the dense kernels, for tests and <c>check-kernels</c> only. It also
/// returns Σ_k |a_ik·b_kj|, the magnitude a GEMM's rounding error scales with (see <see cref="DenseCheck.GemmError"/>).
/// </summary>
public static class DenseReference
{
    /// <summary>op(A)[i,k] for A stored as the interface describes.</summary>
    public static double OpA(GemmOp op, double[] a, int i, int k) => op.TransA ? a[(long)k * op.M + i] : a[(long)i * op.K + k];

    /// <summary>op(B)[k,j] for B stored as the interface describes.</summary>
    public static double OpB(GemmOp op, double[] b, int k, int j) => op.TransB ? b[(long)j * op.K + k] : b[(long)k * op.N + j];

    /// <summary>
    /// Returns C' = α·op(A)·op(B) + β·C (β = 0 ignores C, as the kernels do) and, per element,
    /// the magnitude Σ_k |α·a_ik·b_kj| + |β·c_ij| that bounds the float32 rounding error.
    /// </summary>
    public static (double[] C, double[] Magnitude) Gemm(GemmOp op, double[] a, double[] b, double[] c)
    {
        // Gather op(A) as rows [M][K] and op(B) as columns [N][K] so each dot product walks two
        // contiguous arrays (the Large checks are ~10⁹ terms). Rows are independent: Parallel.For
        // changes no summation order.
        var rowsA = new double[op.M][];
        for (int i = 0; i < op.M; i++)
        {
            rowsA[i] = new double[op.K];
            for (int k = 0; k < op.K; k++) rowsA[i][k] = OpA(op, a, i, k);
        }
        var colsB = new double[op.N][];
        for (int j = 0; j < op.N; j++)
        {
            colsB[j] = new double[op.K];
            for (int k = 0; k < op.K; k++) colsB[j][k] = OpB(op, b, k, j);
        }
        var result = new double[op.LengthC];
        var magnitude = new double[op.LengthC];
        Parallel.For(0, op.M, i =>
        {
            var ra = rowsA[i];
            for (int j = 0; j < op.N; j++)
            {
                var cb = colsB[j];
                double sum = 0, abs = 0;
                for (int k = 0; k < op.K; k++)
                {
                    double p = ra[k] * cb[k];
                    sum += p;
                    abs += Math.Abs(p);
                }
                long at = (long)i * op.N + j;
                double prior = op.Beta == 0 ? 0 : op.Beta * c[at];
                result[at] = op.Alpha * sum + prior;
                magnitude[at] = Math.Abs(op.Alpha) * abs + Math.Abs(prior);
            }
        });
        return (result, magnitude);
    }

    /// <summary>y[r,c] + bias[c].</summary>
    public static double[] AddBias(int rows, int cols, double[] y, double[] bias)
    {
        var result = new double[(long)rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) result[(long)r * cols + c] = y[(long)r * cols + c] + bias[c];
        return result;
    }

    /// <summary>β·sums[c] + Σ_r x[r,c] (β = 0 ignores sums) and Σ_r |x[r,c]| + |β·sums[c]|.</summary>
    public static (double[] Sums, double[] Magnitude) ColumnSum(int rows, int cols, double[] x, double[] sums, double beta)
    {
        var result = new double[cols];
        var magnitude = new double[cols];
        for (int c = 0; c < cols; c++)
        {
            double s = beta == 0 ? 0 : beta * sums[c];
            double m = Math.Abs(s);
            for (int r = 0; r < rows; r++)
            {
                s += x[(long)r * cols + c];
                m += Math.Abs(x[(long)r * cols + c]);
            }
            result[c] = s;
            magnitude[c] = m;
        }
        return (result, magnitude);
    }
}
