namespace SpikeFit.Kernels.Core;

/// <summary>Where kernels run. <c>Cpu</c> is the fast managed path; <c>IlgpuCpu</c> is ILGPU's
/// CPU simulator (correctness and cross-backend tests only, see DESIGN §2).</summary>
public enum BackendKind
{
    Cpu,
    IlgpuCpu,
    Cuda,
    OpenCL,
}

public static class BackendKindNames
{
    /// <summary>The spelling used by <c>--device</c>.</summary>
    public static string CliName(this BackendKind kind) => kind switch
    {
        BackendKind.Cpu => "cpu",
        BackendKind.IlgpuCpu => "ilgpu-cpu",
        BackendKind.Cuda => "cuda",
        BackendKind.OpenCL => "opencl",
        _ => kind.ToString(),
    };

    /// <summary>Parses a <c>--device</c> value; null means <c>auto</c>.</summary>
    public static BackendKind? Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => null,
        "cpu" => BackendKind.Cpu,
        "ilgpu-cpu" => BackendKind.IlgpuCpu,
        "cuda" => BackendKind.Cuda,
        "opencl" => BackendKind.OpenCL,
        _ => throw new ArgumentException(
            $"Unknown device '{value}'. Use one of: auto, cuda, opencl, cpu, ilgpu-cpu."),
    };
}
