using SpikeFit.Kernels.Core;
using SpikeFit.Training.Data;
using SpikeFit.Training.Train;

namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// What every point of a sweep shares: the backend (opened once, so ILGPU compiles each kernel
/// once per sweep rather than once per point), the dataset (loaded once), and the output folder.
/// </summary>
public sealed class SweepContext
{
    private readonly Backend? _backend;
    private readonly Dataset? _dataset;
    private (DataSplit Train, DataSplit Test)? _splits;

    /// <param name="outDir">The sweep's output folder (holds the table and <c>grid.json</c>).</param>
    /// <param name="backend">The compute backend, or null for runners that need none (tests).</param>
    /// <param name="dataset">The dataset, or null for runners that need none (tests).</param>
    /// <param name="deviceName">What the <c>device</c> column records; defaults to the backend's name.</param>
    public SweepContext(string outDir, Backend? backend, Dataset? dataset, string? deviceName = null)
    {
        OutDir = outDir;
        _backend = backend;
        _dataset = dataset;
        DeviceName = deviceName ?? backend?.ToString() ?? "none";
    }

    /// <summary>The sweep's output folder.</summary>
    public string OutDir { get; }

    /// <summary>The <c>device</c> column of every row.</summary>
    public string DeviceName { get; }

    /// <summary>The backend every point runs on.</summary>
    public Backend Backend => _backend ?? throw new InvalidOperationException("This sweep was started without a compute backend.");

    /// <summary>The dataset every point trains and tests on.</summary>
    public Dataset Dataset => _dataset ?? throw new InvalidOperationException("This sweep was started without a dataset.");

    /// <summary>The dataset's name for the <c>dataset</c> column ("" without a dataset).</summary>
    public string DatasetName => _dataset?.Name ?? "";

    /// <summary>The dataset's digest for the <c>dataset_sha256</c> column ("" without a dataset).</summary>
    public string DatasetSha256 => _dataset?.Sha256 ?? "";

    /// <summary>The dataset as trainer inputs, made once and shared by all points.</summary>
    public (DataSplit Train, DataSplit Test) Splits => _splits ??= Dataset.Splits();

    /// <summary>A scratch folder for one point (checkpoints, warm starts), created on first use.</summary>
    public string WorkDir(SweepPoint point)
    {
        string dir = Path.Combine(OutDir, "work", point.Id);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Set by the sweep while a point runs: receives (fraction done 0..1, short detail).</summary>
    internal Action<double, string>? ProgressSink { get; set; }

    /// <summary>Moves the current point's progress bar; cheap, call it per batch.</summary>
    public void ReportProgress(double fraction, string detail = "") => ProgressSink?.Invoke(Math.Clamp(fraction, 0, 1), detail);
}
