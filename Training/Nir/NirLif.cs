namespace SpikeFit.Training.Nir;

/// <summary>
/// The mapping between our discrete neuron and NIR's continuous ones (README, "Moving networks to and
/// from other frameworks").
/// <para>Ours, per step: h = β·v + I; spike s = [h ≥ θ]; v = h − θ·s (soft) or h·(1 − s) (hard).
/// The readout integrator: v = β·v + I.</para>
/// <para>NIR's LIF/LI: τ·dv/dt = (v_leak − v) + r·I. Forward Euler at step dt, the convention of
/// snnTorch's and Norse's importers, gives v ← (1 − dt/τ)·v + (dt/τ)·v_leak + (r·dt/τ)·I, so
/// β = 1 − dt/τ, input gain g = r·dt/τ and a constant drive (dt/τ)·v_leak = g·(v_leak / r).</para>
/// <para>Export writes τ = dt/(1 − β), r = 1/(1 − β) (so g = 1, snnTorch's own choice, r = τ/dt),
/// v_leak = 0, v_reset = 0, v_threshold = θ. NIR's IF (dv/dt = r·I, no time constant) is taken per
/// step: β = 1, g = r (Sinabs' and Norse's integrate-and-fire). Threshold is a memoryless neuron: β = 0, g = 1.</para>
/// </summary>
public static class NirLif
{
    /// <summary>snnTorch's fixed dt (export_nir.py / import_nir.py); with it snnTorch recovers our β exactly.</summary>
    public const double DefaultDt = 1e-4;

    /// <summary>τ and r of NIR's LIF/LI for our β at step <paramref name="dt"/>.</summary>
    public static (double Tau, double R) FromBeta(double beta, double dt)
    {
        if (!(beta >= 0 && beta < 1)) throw new ArgumentOutOfRangeException(nameof(beta), $"β = {beta}: NIR's LIF needs β < 1 (β = 1 is an IF neuron).");
        if (!(dt > 0)) throw new ArgumentOutOfRangeException(nameof(dt), $"dt must be positive, got {dt}.");
        return (dt / (1 - beta), 1 / (1 - beta));
    }

    /// <summary>β and the input gain g = r·dt/τ of one neuron of NIR's LIF/LI at step <paramref name="dt"/>.</summary>
    public static (double Beta, double Gain) ToDiscrete(double tau, double r, double dt)
    {
        if (!(tau > 0) || double.IsInfinity(tau)) throw new ArgumentOutOfRangeException(nameof(tau), $"τ must be positive and finite, got {tau}.");
        return (1 - dt / tau, r * dt / tau);
    }

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> agree to float32 precision: snnTorch writes
    /// τ and r in float32, so r·dt/τ = 1 only within a few float32 ulps (its importer uses np.allclose).
    /// </summary>
    public static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-6 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
}
