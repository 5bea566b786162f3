using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using CodebookScope = SpikeFit.Training.Hardware.CodebookScope;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// Learned Step Size Quantization (Esser et al., ICLR 2020): the forward computes with
/// Ŵ = s·round(clamp(W/s, −Q_N, Q_P)), one learned step s per layer (a trainable tensor
/// "&lt;layer&gt;.lsq_step", saved in checkpoints), initialised to 2·mean|W|/√Q_P. Backward is the
/// straight-through estimator for W inside the clip range (zero outside) and the paper's step
/// gradient, scaled by 1/√(N·Q_P) (<see cref="Ste.LsqBackward"/>; rounding half away from zero). The
/// arithmetic runs on the host (<see cref="Ste.LsqForward"/>, <see cref="Ste.LsqBackward"/>, float64 sum
/// for the step) with one download and upload per forward and backward: a stated host path, correct
/// on every backend, not a device kernel.
/// </summary>
public class LsqConstraint : WeightConstraint
{
    private readonly DeviceBuffer<float> _quantized;

    public int Bits { get; }
    /// <summary>The learned step s, [1, 1].</summary>
    public Parameter Step { get; }
    public override IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>One b-bit grid with one scale (the step) per layer.</summary>
    public override WeightStorage Storage => new(Bits, CodebookScope.Layer);
    public override string Describe => $"LSQ {Bits}-bit (learned step)";

    public LsqConstraint(Backend backend, Parameter weight, int rows, int fanIn, int bits, float stepLearningRateScale)
        : this(backend, weight, rows, fanIn, bits, stepLearningRateScale, "lsq_step") { }

    /// <summary>For a constraint built on LSQ's weights (MINT): the step tensor is named "&lt;layer&gt;.&lt;<paramref name="stepName"/>&gt;".</summary>
    protected LsqConstraint(Backend backend, Parameter weight, int rows, int fanIn, int bits, float stepLearningRateScale, string stepName)
        : base(backend, weight, rows, fanIn)
    {
        if (bits is < 2 or > 16) throw new ArgumentException($"{weight.Name}: LSQ needs 2..16 bits, got {bits}.");
        Bits = bits;
        Step = new Parameter(backend, ParameterName(stepName), new[] { 1, 1 },
            new[] { InitialStep(weight.Value.ToArray(), bits) }, decay: false) { LearningRateScale = stepLearningRateScale };
        Parameters = new[] { Step };
        _quantized = backend.Allocate<float>(weight.Length);
    }

    /// <summary>The step is kept at least this large, so w / s stays finite.</summary>
    public const float MinStep = 1e-8f;

    /// <summary>The paper's 2·mean|w|/√Q_P, or <see cref="MinStep"/> for all-zero weights.</summary>
    private static float InitialStep(float[] w, int bits) => Math.Max(Ste.LsqInitialStep(w, bits), MinStep);

    /// <summary>The integer level of one weight: round(clamp(w/s, −Q_N, Q_P)), half away from zero (as the forward).</summary>
    public static int Level(float w, float step, int bits)
    {
        var (qn, qp) = CodebookMath.GridRange(bits);
        return (int)CodebookMath.RoundHalfAway(Math.Clamp(w / step, qn, qp));
    }

    /// <summary>The current step s, read from the device.</summary>
    public float StepValue => Step.Value.ToArray()[0];

    /// <summary>The integer level q of every weight and the step s: Ŵ = s·q (what an export stores).</summary>
    public (int[] Levels, float Step) Deployed()
    {
        float s = StepValue;
        var w = Weight.Value.ToArray();
        return (w.Select(v => Level(v, s, Bits)).ToArray(), s);
    }

    public override DeviceBuffer<float> Effective()
    {
        var w = Weight.Value.ToArray();
        var q = new float[w.Length];
        Ste.LsqForward(w, StepValue, Bits, q);
        _quantized.CopyFrom(q);
        return _quantized;
    }

    public override void Backward()
    {
        var w = Weight.Value.ToArray();
        var gradQuantized = Weight.Grad.ToArray();
        var grad = new float[w.Length];
        float gs = Ste.LsqBackward(w, StepValue, Bits, gradQuantized, grad);
        Weight.Grad.CopyFrom(grad);
        Step.Grad.CopyFrom(new[] { gs });
    }

    /// <summary>Keeps the step positive (an optimiser step could push it through zero).</summary>
    public override void AfterUpdate()
    {
        float s = StepValue;
        if (!(s >= MinStep)) Step.Value.CopyFrom(new[] { float.IsNaN(s) ? MinStep : Math.Max(Math.Abs(s), MinStep) });
    }

    public override void Dispose()
    {
        Step.Dispose();
        _quantized.Dispose();
    }
}
