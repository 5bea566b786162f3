using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;

namespace SpikeFit.Kernels.Hopfield;

/// <summary>Which zero-temperature dynamics a retrieval runs.</summary>
public enum HopfieldDynamics
{
    /// <summary>Asynchronous: neurons updated one at a time in a fixed order, until a flip-free sweep.</summary>
    Async,
    /// <summary>Synchronous: s ← sgn(J·s) for all neurons at once, until a fixed point or a 2-cycle.</summary>
    Sync,
}

/// <summary>
/// Outcome of a batch of retrieval trials. <see cref="Steps"/>[t]: sweeps (async) or synchronous
/// steps until the trial settled, negative when the cap was reached first. <see cref="Status"/>[t]:
/// 1 fixed point, 2 two-cycle (sync only), 0 not settled.
/// </summary>
public sealed record HopfieldRetrieval(float[] Overlaps, int[] Steps, int[] Status, float[] States);

/// <summary>
/// A Hopfield network on a backend: patterns Ξ [M, N], weights r [M], couplings
/// J = (1/N)·Ξᵀ·diag(r)·Ξ with J_ii = 0, built on the device as one GEMM (pattern rows scaled
/// by their weights first), then retrieval trials whose fields start as one more GEMM.
/// </summary>
public sealed class HopfieldNetwork : IDisposable
{
    private readonly float[] _hostPatterns;
    private readonly DeviceBuffer<float> _patterns;
    private readonly DeviceBuffer<float> _couplings;

    public Backend Backend { get; }
    public IHopfieldKernels Kernels { get; }
    public int N { get; }
    public int M { get; }

    /// <summary>Couplings [N, N] on the device.</summary>
    public DeviceBuffer<float> Couplings => _couplings;

    public HopfieldNetwork(Backend backend, float[] patterns, float[] weights, int n)
    {
        if (n <= 0) throw new ArgumentException("N must be positive.");
        if (weights.Length == 0 || patterns.LongLength != (long)weights.Length * n)
            throw new ArgumentException($"Patterns hold {patterns.LongLength} values; M·N = {weights.Length}·{n} expected.");
        Backend = backend;
        Kernels = HopfieldKernels.For(backend);
        N = n;
        M = weights.Length;
        _hostPatterns = patterns;
        _patterns = backend.Upload<float>(patterns);
        _couplings = backend.Allocate<float>((long)n * n);
        using var w = backend.Upload<float>(weights);
        BuildCouplings(backend, Kernels, M, n, _patterns, w, _couplings);
    }

    /// <summary>J = (1/N)·Ξᵀ·(diag(r)·Ξ), then J_ii = 0. <paramref name="couplings"/> is write-only.</summary>
    public static void BuildCouplings(Backend backend, IHopfieldKernels kernels, int m, int n,
        DeviceBuffer<float> patterns, DeviceBuffer<float> weights, DeviceBuffer<float> couplings)
    {
        using var scaled = backend.Allocate<float>((long)m * n);
        kernels.ScaleRows(m, n, patterns, weights, scaled);
        // op(A) = Ξᵀ [N, M] from Ξ stored [M, N]; B = diag(r)·Ξ [M, N].
        backend.Dense.Gemm(new GemmOp(n, n, m, TransA: true, Alpha: 1f / n), patterns, scaled, couplings);
        kernels.ZeroDiagonal(n, couplings);
    }

    /// <summary>
    /// Runs <paramref name="trials"/> retrievals; trial t starts from <paramref name="start"/> row t
    /// (default: pattern firstPattern + t itself) and is scored against pattern firstPattern + t.
    /// </summary>
    public HopfieldRetrieval Retrieve(HopfieldDynamics dynamics, int firstPattern, int trials, int maxSteps, float[]? start = null)
    {
        if (firstPattern < 0 || trials <= 0 || firstPattern + trials > M)
            throw new ArgumentException($"Trials {firstPattern}..{firstPattern + trials - 1} are outside the {M} patterns.");
        long len = (long)trials * N;
        if (start is not null && start.LongLength != len) throw new ArgumentException($"Start states hold {start.LongLength} values; {len} expected.");
        var args = new HopfieldArgs { N = N, Trials = trials, MaxSweeps = maxSteps, FirstPattern = firstPattern };
        using var state = Backend.Upload<float>(start ?? _hostPatterns.AsSpan((int)((long)firstPattern * N), (int)len));
        using var fields = Backend.Allocate<float>(len);
        var fieldOp = new GemmOp(trials, N, N, TransB: true); // H = S·Jᵀ (= S·J, J symmetric)
        int[] steps, status;
        if (dynamics == HopfieldDynamics.Async)
        {
            using var sweeps = Backend.Allocate<int>(trials);
            Backend.Dense.Gemm(fieldOp, state, _couplings, fields);
            Kernels.AsyncRetrieve(args, _couplings, state, fields, sweeps);
            steps = sweeps.ToArray();
            status = Array.ConvertAll(steps, s => s > 0 ? 1 : 0);
        }
        else
        {
            using var previous = Backend.Allocate<float>(len);
            using var st = Backend.Allocate<int>(trials);
            previous.Fill(0f); // never equal to a ±1 state: no 2-cycle on the first step
            steps = new int[trials];
            status = new int[trials];
            for (int step = 1; step <= maxSteps; step++)
            {
                Backend.Dense.Gemm(fieldOp, state, _couplings, fields);
                Kernels.SignStep(args, fields, state, previous, st);
                var now = st.ToArray();
                bool all = true;
                for (int t = 0; t < trials; t++)
                {
                    if (steps[t] == 0 && now[t] != 0) { steps[t] = step; status[t] = now[t]; }
                    if (steps[t] == 0) all = false;
                }
                if (all) break;
            }
            for (int t = 0; t < trials; t++) if (steps[t] == 0) steps[t] = -maxSteps;
        }
        using var overlaps = Backend.Allocate<float>(trials);
        Kernels.Overlaps(args, _patterns, state, overlaps);
        return new HopfieldRetrieval(overlaps.ToArray(), steps, status, state.ToArray());
    }

    public void Dispose()
    {
        _patterns.Dispose();
        _couplings.Dispose();
    }
}
