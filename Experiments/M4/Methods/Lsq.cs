using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// LSQ (Esser et al., ICLR 2020): signed b-bit weights with a learned step per layer, trained from the
/// warm start. At b = 2 the grid has exactly M = 4 levels and the LSQ model is measured as trained;
/// at larger b the deployed levels are then k-means-clustered to M (as <see cref="Qat"/> does).
/// </summary>
public sealed class Lsq : IM4Method
{
    public string Key => "lsq";
    public string Family => "baseline";
    public string Description => "LSQ: b-bit weights with a learned step per layer (Esser et al. 2020); b = 2 is natively 4 levels, larger b then k-means to M";
    public bool UsesBits => true;
    public bool UsesM => true;
    public bool ChipVariants => true;

    public SpikingNetwork Compress(M4MethodRun run)
    {
        var lsq = run.Build(run.Spec with { Constraint = run.Masked(new LsqSpec(run.Bits)) });
        run.Fit(lsq);
        if (1 << run.Bits <= run.M) return lsq;
        using (lsq)
            return run.Deployed(M4MethodRun.SnapEffective(lsq, run.KeepingAbsent(w => Quantizers.KMeans(w, run.M).Weights)));
    }
}
