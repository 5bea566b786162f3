using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>The FP32 warm start itself, measured like every method (the reference row).</summary>
public sealed class Fp32Reference : IM4Method
{
    public string Key => "warm-start";
    public string RowName => "fp32";
    public string Family => "reference";
    public string Description => "the shared FP32 warm start, unchanged (the reference row, 'fp32' in runs.csv)";
    public bool UsesBits => false;
    public bool Trains => false;
    public bool UsesM => false;
    public SpikingNetwork Compress(M4MethodRun run) => run.Build(run.Spec);
}
