using System.Numerics;
using System.Runtime.CompilerServices;

namespace SpikeFit.Kernels.Lif;

// The neuron is assembled from small pure pieces (charge / fire / reset / surrogate), in the
// style of Norse and SpikingJelly's multi-step kernels. Each piece is a struct so that generic
// kernels (ILGPU and the managed SIMD path) are specialised per combination with no virtual
// calls. A new neuron variant only supplies a new piece; the time loops are written once in
// LifIlgpu / LifCpu. Only MathF-style arithmetic is used so ILGPU can compile every piece.

/// <summary>Membrane reset after a spike and its partial derivatives.</summary>
public interface IReset
{
    /// <summary>v_t from the pre-reset membrane h and the spike s.</summary>
    float Apply(float h, float s, float theta);
    /// <summary>∂v/∂h.</summary>
    float DvDh(float s);
    /// <summary>∂v/∂s (dropped when the reset is detached).</summary>
    float DvDs(float h, float theta);

    Vector<float> Apply(Vector<float> h, Vector<float> s, Vector<float> theta);
    Vector<float> DvDh(Vector<float> s);
    Vector<float> DvDs(Vector<float> h, Vector<float> theta);
}

/// <summary>Soft reset (subtract θ): v = h − θ·s.</summary>
public struct SoftReset : IReset
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float h, float s, float theta) => h - theta * s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float DvDh(float s) => 1f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float DvDs(float h, float theta) => -theta;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Apply(Vector<float> h, Vector<float> s, Vector<float> theta) => h - theta * s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> DvDh(Vector<float> s) => Vector<float>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> DvDs(Vector<float> h, Vector<float> theta) => -theta;
}

/// <summary>Hard reset to zero: v = h·(1 − s).</summary>
public struct HardReset : IReset
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float h, float s, float theta) => h * (1f - s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float DvDh(float s) => 1f - s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float DvDs(float h, float theta) => -h;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Apply(Vector<float> h, Vector<float> s, Vector<float> theta) => h * (Vector<float>.One - s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> DvDh(Vector<float> s) => Vector<float>.One - s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> DvDs(Vector<float> h, Vector<float> theta) => -h;
}

/// <summary>Surrogate derivative σ′(x) used in place of H′(x), x = h − θ.</summary>
public interface ISurrogate
{
    float Grad(float x);
    Vector<float> Grad(Vector<float> x);
}

/// <summary>Fast sigmoid / SuperSpike: 1 / (1 + k|x|)², default k = 25 (the toolkit default).</summary>
public struct FastSigmoidSurrogate : ISurrogate
{
    public float K;
    public FastSigmoidSurrogate(float k) => K = k;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Grad(float x) { float d = 1f + K * MathF.Abs(x); return 1f / (d * d); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Grad(Vector<float> x) { var d = Vector<float>.One + new Vector<float>(K) * Vector.Abs(x); return Vector<float>.One / (d * d); }
}

/// <summary>Arctangent: (α/2) / (1 + (π·α·x/2)²), default α = 2.</summary>
public struct AtanSurrogate : ISurrogate
{
    public float Alpha;
    public AtanSurrogate(float alpha) => Alpha = alpha;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Grad(float x) { float u = 0.5f * MathF.PI * Alpha * x; return 0.5f * Alpha / (1f + u * u); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Grad(Vector<float> x)
    {
        var u = new Vector<float>(0.5f * MathF.PI * Alpha) * x;
        return new Vector<float>(0.5f * Alpha) / (Vector<float>.One + u * u);
    }
}

/// <summary>Sigmoid: α·σ(αx)·(1 − σ(αx)), default α = 4.</summary>
public struct SigmoidSurrogate : ISurrogate
{
    public float Alpha;
    public SigmoidSurrogate(float alpha) => Alpha = alpha;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Grad(float x) { float sg = 1f / (1f + MathF.Exp(-Alpha * x)); return Alpha * sg * (1f - sg); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Grad(Vector<float> x)
    {
        var sg = Vector<float>.One / (Vector<float>.One + Vector.Exp(new Vector<float>(-Alpha) * x));
        return new Vector<float>(Alpha) * sg * (Vector<float>.One - sg);
    }
}

/// <summary>Triangle: γ·max(0, 1 − |x|), default γ = 1.</summary>
public struct TriangleSurrogate : ISurrogate
{
    public float Gamma;
    public TriangleSurrogate(float gamma) => Gamma = gamma;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Grad(float x) => Gamma * MathF.Max(0f, 1f - MathF.Abs(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Grad(Vector<float> x) => new Vector<float>(Gamma) * Vector.Max(Vector<float>.Zero, Vector<float>.One - Vector.Abs(x));
}

/// <summary>The LIF step functions shared by every implementation.</summary>
public static class LifStep
{
    /// <summary>Charge: h_t = β·v_(t−1) + I_t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Charge(float vPrev, float current, float beta) => beta * vPrev + current;

    /// <summary>Fire: 1 when h ≥ θ, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Fire(float h, float theta) => h >= theta ? 1f : 0f;

    /// <summary>
    /// One reverse-time step. Given ∂L/∂s_t (<paramref name="gradSpike"/>) and the running
    /// ∂L/∂v_t (<paramref name="gradV"/>), returns ∂L/∂h_t (= ∂L/∂I_t) and updates gradV to ∂L/∂v_(t−1).
    /// ∂L/∂h = ∂L/∂v·∂v/∂h + (∂L/∂s + ∂L/∂v·∂v/∂s)·σ′(h − θ); ∂L/∂v_(t−1) = β·∂L/∂h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Backward<TReset, TSurrogate>(
        float h, float gradSpike, ref float gradV, float beta, float theta, float keepReset,
        TReset reset, TSurrogate surrogate)
        where TReset : struct, IReset
        where TSurrogate : struct, ISurrogate
    {
        float s = Fire(h, theta);
        float gradH = gradV * reset.DvDh(s)
                      + (gradSpike + keepReset * gradV * reset.DvDs(h, theta)) * surrogate.Grad(h - theta);
        gradV = beta * gradH;
        return gradH;
    }
}
