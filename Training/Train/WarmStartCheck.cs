using SpikeFit.Training.Models;

namespace SpikeFit.Training.Train;

/// <summary>
/// A warm start copies parameters by name; the neurons, time steps and pooling come from the new run's
/// spec. This lists where the two differ, so that a warm start from an imported network (NIR) or another
/// run does not silently train a different network.
/// </summary>
public static class WarmStartCheck
{
    /// <summary>"field: warm start X, this run Y" for each forward-pass setting that differs (empty when none).</summary>
    public static List<string> Differences(NetworkSpec warm, NetworkSpec run)
    {
        var d = new List<string>();
        void Check<T>(string field, T a, T b, string fix)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) d.Add($"{field}: warm start {a}, this run {b} ({fix})");
        }
        Check("net", warm.Net, run.Net, "--net");
        Check("hidden", string.Join(",", warm.Hidden), string.Join(",", run.Hidden), "--hidden");
        Check("T", warm.T, run.T, "--t");
        Check("reset", warm.Reset, run.Reset, "--reset");
        Check("readout", warm.Readout, run.Readout, "--readout");
        Check("β", warm.Beta, run.Beta, "no option: the run uses the DESIGN §3 value");
        Check("θ", warm.Theta, run.Theta, "no option: the run uses the DESIGN §3 value");
        if (run.Net == "conv") Check("pooling", warm.Pool, run.Pool, "--pool");
        return d;
    }
}
