using CsvHelper;

namespace SpikeFit.Experiments.Hopfield;

/// <summary>One pattern of one configuration: per-pattern CSV row.</summary>
[CsvRecord]
public sealed partial class HopfieldPatternRow
{
    [CsvColumn("n")] public int N { get; init; }
    [CsvColumn("m")] public int M { get; init; }
    [CsvColumn("distribution")] public string Distribution { get; init; } = "";
    [CsvColumn("lambda")] public double? Lambda { get; init; }
    /// <summary>1-based rank by decreasing weight (ties keep pattern order).</summary>
    [CsvColumn("rank")] public int Rank { get; init; }
    /// <summary>1-based pattern index μ (geometric: μ = 1 is the newest, heaviest pattern).</summary>
    [CsvColumn("pattern")] public int Pattern { get; init; }
    [CsvColumn("weight")] public double Weight { get; init; }
    [CsvColumn("overlap_sim")] public double OverlapSim { get; init; }
    /// <summary>erf(y) at the largest root; empty when theory says the pattern is not retrieved.</summary>
    [CsvColumn("overlap_theory")] public double? OverlapTheory { get; init; }
    [CsvColumn("retrieved_sim")] public bool RetrievedSim { get; init; }
    [CsvColumn("retrieved_theory")] public bool RetrievedTheory { get; init; }
    [CsvColumn("sweeps")] public int Sweeps { get; init; }
}

/// <summary>One configuration (N, M, distribution): summary CSV row.</summary>
[CsvRecord]
public sealed partial class HopfieldSummaryRow
{
    [CsvColumn("n")] public int N { get; init; }
    [CsvColumn("m")] public int M { get; init; }
    [CsvColumn("alpha")] public double Alpha { get; init; }
    [CsvColumn("distribution")] public string Distribution { get; init; } = "";
    [CsvColumn("lambda")] public double? Lambda { get; init; }
    [CsvColumn("retrieved_sim")] public int RetrievedSim { get; init; }
    [CsvColumn("retrieved_theory")] public int RetrievedTheory { get; init; }
    /// <summary>Patterns whose verdicts (simulation vs theory) differ.</summary>
    [CsvColumn("disagree")] public int Disagree { get; init; }
    /// <summary>First weight rank not retrieved (empty when all are).</summary>
    [CsvColumn("first_failure_sim")] public int? FirstFailureSim { get; init; }
    [CsvColumn("first_failure_theory")] public int? FirstFailureTheory { get; init; }
    [CsvColumn("r_c")] public double RC { get; init; }
    /// <summary>Number of patterns heavier than r_c.</summary>
    [CsvColumn("count_above_r_c")] public int CountAboveRC { get; init; }
    /// <summary>Mean |m_sim − m_theory| over the patterns both simulation and theory retrieve (empty when none).</summary>
    [CsvColumn("mean_abs_dm")] public double? MeanAbsDm { get; init; }
    /// <summary>Mean simulated overlap over the same patterns.</summary>
    [CsvColumn("mean_overlap_sim")] public double? MeanOverlapSim { get; init; }
    /// <summary>Mean predicted overlap over the same patterns.</summary>
    [CsvColumn("mean_overlap_theory")] public double? MeanOverlapTheory { get; init; }
    [CsvColumn("mean_sweeps")] public double MeanSweeps { get; init; }
    [CsvColumn("unconverged")] public int Unconverged { get; init; }
    [CsvColumn("time_sim_s")] public double TimeSimS { get; init; }
    [CsvColumn("time_theory_s")] public double TimeTheoryS { get; init; }
}

/// <summary>Online-learning check: retrieved counts for geometric weights at M = N/2 and M = N (same N, λ).</summary>
[CsvRecord]
public sealed partial class HopfieldOnlineRow
{
    [CsvColumn("n")] public int N { get; init; }
    [CsvColumn("lambda")] public double Lambda { get; init; }
    [CsvColumn("retrieved_sim_m_half")] public int SimHalf { get; init; }
    [CsvColumn("retrieved_sim_m_full")] public int SimFull { get; init; }
    [CsvColumn("retrieved_theory_m_half")] public int TheoryHalf { get; init; }
    [CsvColumn("retrieved_theory_m_full")] public int TheoryFull { get; init; }
    /// <summary>(count at M = N) / (count at M = N/2) in simulation.</summary>
    [CsvColumn("sim_ratio")] public double? SimRatio { get; init; }
    /// <summary>Fraction of the patterns retrieved at M = N/2 (the newest ones) that are still retrieved at M = N, simulation.</summary>
    [CsvColumn("sim_kept_fraction")] public double? SimKept { get; init; }
}
