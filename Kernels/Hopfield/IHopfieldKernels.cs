using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Hopfield;

/// <summary>Scalar arguments of the Hopfield kernels (one struct keeps the kernel signatures short).</summary>
public struct HopfieldArgs
{
    /// <summary>Neurons.</summary>
    public int N;
    /// <summary>Independent retrieval trials (rows of the state and field buffers).</summary>
    public int Trials;
    /// <summary>Sweep cap of the asynchronous dynamics.</summary>
    public int MaxSweeps;
    /// <summary>Trial t is compared with pattern FirstPattern + t by <see cref="IHopfieldKernels.Overlaps"/>.</summary>
    public int FirstPattern;
}

/// <summary>
/// Kernels of the Hopfield model with weighted patterns (DESIGN §8). Layouts are row-major:
/// patterns Ξ [M, N] of ±1, couplings J [N, N] (symmetric, J_ii = 0), states s and local fields
/// h = J·s [trials, N]. The couplings and the fields are GEMMs (<see cref="HopfieldNetwork"/>).
/// <para>
/// Update rule (both dynamics): s_i ← sgn(h_i) with sgn(0) = keep s_i, i.e. s_i flips iff
/// s_i·h_i &lt; 0. Keeping the spin on a tie means every flip strictly lowers the energy
/// E = −½ sᵀJs, so the asynchronous dynamics always reaches a fixed point.
/// </para>
/// </summary>
public interface IHopfieldKernels
{
    /// <summary>y[r, c] = scale[r]·x[r, c] for a [rows, cols] matrix (the pattern rows times their weights).</summary>
    void ScaleRows(int rows, int cols, DeviceBuffer<float> x, DeviceBuffer<float> scale, DeviceBuffer<float> y);

    /// <summary>matrix[i, i] = 0 for an [n, n] matrix.</summary>
    void ZeroDiagonal(int n, DeviceBuffer<float> matrix);

    /// <summary>
    /// Zero-temperature asynchronous dynamics, one independent trial per row. On entry
    /// <paramref name="fields"/> must hold J·s for each row of <paramref name="state"/>. Each trial
    /// sweeps i = 0..N−1 in this fixed order, flips s_i when s_i·h_i &lt; 0 and then updates its
    /// fields h += 2·s_i·J[:, i] (J is symmetric, so the contiguous row i is used); it stops
    /// after a sweep with no flip or after <see cref="HopfieldArgs.MaxSweeps"/> sweeps.
    /// sweeps[t] = number of sweeps including the final flip-free one, or −MaxSweeps when the
    /// cap was hit first. Per element, every backend performs the same float operations in the
    /// same order (h + (±2)·J, where the product is exact), so results are bit-identical across
    /// backends whenever the input fields and couplings are.
    /// </summary>
    void AsyncRetrieve(HopfieldArgs args, DeviceBuffer<float> couplings, DeviceBuffer<float> state,
        DeviceBuffer<float> fields, DeviceBuffer<int> sweeps);

    /// <summary>
    /// One synchronous step given fields = J·state: new_i = sgn(h_i) (tie keeps s_i);
    /// previous ← state, state ← new. status[t] = 1 when new = state (fixed point),
    /// 2 when new = previous ≠ state (a 2-cycle), else 0 (still moving).
    /// </summary>
    void SignStep(HopfieldArgs args, DeviceBuffer<float> fields, DeviceBuffer<float> state,
        DeviceBuffer<float> previous, DeviceBuffer<int> status);

    /// <summary>overlaps[t] = (1/N)·Σ_i ξ^(FirstPattern+t)_i·s_ti. The sum of ±1 products is an integer,
    /// so the result is exact and identical on every backend.</summary>
    void Overlaps(HopfieldArgs args, DeviceBuffer<float> patterns, DeviceBuffer<float> state, DeviceBuffer<float> overlaps);
}

/// <summary>Picks the Hopfield implementation for a backend (kept out of <see cref="Backend"/> on purpose).</summary>
public static class HopfieldKernels
{
    public static IHopfieldKernels For(Backend backend) => backend switch
    {
        CpuBackend cpu => new HopfieldCpu(cpu),
        IlgpuBackend ilgpu => new HopfieldIlgpu(ilgpu),
        _ => throw new ArgumentException($"No Hopfield kernels for backend {backend}."),
    };

    internal static void Validate(HopfieldArgs a)
    {
        if (a.N <= 0 || a.Trials <= 0) throw new ArgumentException($"Hopfield sizes must be positive, got N={a.N}, trials={a.Trials}.");
        if ((long)a.N * a.N > int.MaxValue || (long)a.Trials * a.N > int.MaxValue)
            throw new ArgumentException("Hopfield buffers exceed the 2^31 element limit.");
        if (a.MaxSweeps < 0 || a.FirstPattern < 0) throw new ArgumentException("MaxSweeps and FirstPattern must be non-negative.");
    }
}
