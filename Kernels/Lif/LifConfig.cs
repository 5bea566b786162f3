namespace SpikeFit.Kernels.Lif;

public enum ResetMode { Soft, Hard }

public enum SurrogateKind { FastSigmoid, Atan, Sigmoid, Triangle }

/// <summary>
/// Parameters of a leaky integrate-and-fire layer (DESIGN §3). Per step:
/// h_t = β·v_(t−1) + I_t;  s_t = H(h_t − θ) (a spike when h_t ≥ θ);
/// soft reset v_t = h_t − θ·s_t, hard reset v_t = h_t·(1 − s_t).
/// Backward replaces H′ by the surrogate. The default surrogate is fast-sigmoid (SuperSpike, k = 25).
/// </summary>
public readonly record struct LifConfig(
    float Beta = 0.9f,
    float Theta = 1f,
    ResetMode Reset = ResetMode.Soft,
    SurrogateKind Surrogate = SurrogateKind.FastSigmoid,
    float SurrogateParam = float.NaN,
    bool DetachReset = false)
{
    public static LifConfig Default => new(0.9f, 1f);

    /// <summary>The surrogate's parameter (k, α or γ); NaN selects the documented default.</summary>
    public float EffectiveSurrogateParam => float.IsNaN(SurrogateParam) ? DefaultParam(Surrogate) : SurrogateParam;

    public static float DefaultParam(SurrogateKind kind) => kind switch
    {
        SurrogateKind.FastSigmoid => 25f, // k
        SurrogateKind.Atan => 2f,         // α
        SurrogateKind.Sigmoid => 4f,      // α
        SurrogateKind.Triangle => 1f,     // γ
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public void Validate()
    {
        if (!(Beta >= 0f && Beta <= 1f)) throw new ArgumentException($"LIF beta must be in [0, 1], got {Beta}.");
        if (!(Theta > 0f) || float.IsInfinity(Theta)) throw new ArgumentException($"LIF threshold must be positive and finite, got {Theta}.");
        if (!(EffectiveSurrogateParam > 0f)) throw new ArgumentException($"Surrogate parameter must be positive, got {SurrogateParam}.");
    }
}

/// <summary>
/// Shape of a multi-step LIF call: tensors are time-major [T, B, N].
/// With <see cref="BroadcastInput"/> the input current is one [B, N] slab used at every step
/// (direct encoding: the first layer's W·x is computed once, not T times) and the input
/// gradient is the [B, N] sum over time.
/// </summary>
public readonly record struct LifShape(int T, int B, int N, bool BroadcastInput = false)
{
    public long StepSize => (long)B * N;
    public long StateLength => T * StepSize;
    public long InputLength => BroadcastInput ? StepSize : StateLength;

    public void Validate()
    {
        if (T <= 0 || B <= 0 || N <= 0) throw new ArgumentException($"LIF shape must be positive, got T={T}, B={B}, N={N}.");
        if (StateLength > int.MaxValue) throw new ArgumentException($"LIF tensor of {StateLength} elements exceeds the 2^31 element limit.");
    }
}
