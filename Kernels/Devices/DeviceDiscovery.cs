using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using ILGPU.Backends.OpenCL;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Devices;

/// <summary>What discovery found for one backend: usable or not, and why not.</summary>
public sealed record BackendReport(
    BackendKind Kind,
    bool Available,
    string Name,
    string Detail,
    long MemoryBytes = 0,
    int WarpSize = 0,
    string? Reason = null);

/// <summary>The backend that was opened, and one line per backend that was passed over.</summary>
public sealed record BackendSelection(Backend Backend, string Why, IReadOnlyList<string> Skipped);

/// <summary>
/// Finds backends and opens one. <c>auto</c> prefers CUDA, then an OpenCL GPU that ILGPU accepts,
/// then the fast managed CPU path (DESIGN §2). The ILGPU CPU simulator is never chosen by auto.
/// </summary>
public static class DeviceDiscovery
{
    /// <summary>
    /// ILGPU CPU simulator layout: 4 threads per warp × 64 warps = 256 threads per group (enough
    /// for the 16×16 tiled GEMM), one simulated multiprocessor, since this simulator only serves
    /// small correctness runs.
    /// </summary>
    public static CPUDevice SimulatorDevice => new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 64, numMultiprocessors: 1);

    private static Context.Builder Configure(Context.Builder b) =>
        b.Optimize(OptimizationLevel.O1).EnableAlgorithms();

    public static IReadOnlyList<BackendReport> Discover()
    {
        var reports = new List<BackendReport>();
        reports.AddRange(DiscoverCuda());
        reports.AddRange(DiscoverOpenCL());
        using (var cpu = new CpuBackend())
            reports.Add(new BackendReport(BackendKind.Cpu, true, "managed CPU", cpu.DeviceName,
                GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        var sim = SimulatorDevice;
        reports.Add(new BackendReport(BackendKind.IlgpuCpu, true, "ILGPU CPU accelerator",
            $"simulator, {sim.MaxNumThreadsPerGroup} threads/group; for correctness at small sizes",
            sim.MemorySize, sim.WarpSize));
        return reports;
    }

    public static IReadOnlyList<BackendReport> DiscoverCuda()
    {
        if (!Environment.Is64BitProcess)
            return new[] { Missing(BackendKind.Cuda, "CUDA needs a 64-bit process") };
        CudaLibraryResolver.Install();
        string? lib = CudaLibraryResolver.Probe();
        if (lib is null)
            return new[] { Missing(BackendKind.Cuda, "driver library libcuda.so / libcuda.so.1 not found (no NVIDIA driver on this machine)") };
        try
        {
            using var context = Context.Create(b => Configure(b).Cuda());
            var devices = Collect(context.GetCudaDevices());
            if (devices.Count == 0)
                return new[] { Missing(BackendKind.Cuda, $"driver library found at {lib}, but it reports no usable CUDA device") };
            return devices.Select(d => new BackendReport(BackendKind.Cuda, true, d.Name,
                $"sm_{d.Architecture?.Major}{d.Architecture?.Minor}, driver {d.DriverVersion}, {d.NumMultiprocessors} SMs, via {lib}",
                d.MemorySize, d.WarpSize)).ToList();
        }
        catch (Exception e)
        {
            return new[] { Missing(BackendKind.Cuda, $"driver library found at {lib}, but initialisation failed: {e.Message}") };
        }
    }

    /// <summary>ILGPU needs OpenCL C 2.0+ with the generic address space (DESIGN §2).</summary>
    public static bool Qualifies(CLDevice d) =>
        d.CLStdVersion >= CLBackendMinimum && d.Capabilities.GenericAddressSpace;

    private static CLCVersion CLBackendMinimum => CLBackend.MinimumVersion;

    public static IReadOnlyList<BackendReport> DiscoverOpenCL()
    {
        if (!NativeLibrary.TryLoad("libOpenCL.so.1", out var h) && !NativeLibrary.TryLoad("libOpenCL.so", out h) &&
            !NativeLibrary.TryLoad("OpenCL", out h))
            return new[] { Missing(BackendKind.OpenCL, "no OpenCL ICD loader (libOpenCL.so.1) installed") };
        NativeLibrary.Free(h);
        try
        {
            using var context = Context.Create(b => Configure(b).OpenCL(_ => true));
            var devices = Collect(context.GetCLDevices());
            if (devices.Count == 0)
                return new[] { Missing(BackendKind.OpenCL, "OpenCL loader present, but no platform/device is installed (no ICD)") };
            return devices.Select(d =>
            {
                string detail = $"{d.PlatformName}, {d.DeviceType}, OpenCL C {d.CLStdVersion}, generic address space: {(d.Capabilities.GenericAddressSpace ? "yes" : "no")}";
                string? reason = Qualifies(d) ? null :
                    d.CLStdVersion < CLBackendMinimum
                        ? $"OpenCL C {d.CLStdVersion} is below the {CLBackendMinimum} that ILGPU needs"
                        : "no generic address space support, which ILGPU needs";
                return new BackendReport(BackendKind.OpenCL, reason is null, d.Name, detail, d.MemorySize, d.WarpSize, reason);
            }).ToList();
        }
        catch (Exception e)
        {
            return new[] { Missing(BackendKind.OpenCL, $"OpenCL initialisation failed: {e.Message}") };
        }
    }

    private static List<T> Collect<T>(Context.DeviceCollection<T> devices) where T : Device
    {
        var list = new List<T>();
        foreach (var d in devices) list.Add(d);
        return list;
    }

    private static BackendReport Missing(BackendKind kind, string reason) =>
        new(kind, false, "-", "-", Reason: reason);

    /// <summary>Opens a backend; <paramref name="requested"/> null means auto.</summary>
    public static BackendSelection Open(BackendKind? requested)
    {
        var skipped = new List<string>();
        if (requested is { } kind)
        {
            var backend = TryOpen(kind, out string? why) ?? throw new InvalidOperationException(
                $"--device {kind.CliName()} is not available: {why}. Run 'spikefit devices' to see every backend.");
            return new BackendSelection(backend, $"requested with --device {kind.CliName()}", skipped);
        }
        foreach (var candidate in new[] { BackendKind.Cuda, BackendKind.OpenCL })
        {
            var backend = TryOpen(candidate, out string? why);
            if (backend is not null)
                return new BackendSelection(backend, $"auto: first available of cuda, opencl, cpu", skipped);
            skipped.Add($"{candidate.CliName()}: {why}");
        }
        return new BackendSelection(new CpuBackend(), "auto: no CUDA or qualifying OpenCL device, using the fast managed CPU path", skipped);
    }

    public static Backend? TryOpen(BackendKind kind, out string? whyNot)
    {
        whyNot = null;
        switch (kind)
        {
            case BackendKind.Cpu:
                return new CpuBackend();
            case BackendKind.IlgpuCpu:
            {
                var context = Context.Create(b => Configure(b).CPU(SimulatorDevice));
                return new IlgpuBackend(kind, context, context.GetCPUDevice(0));
            }
            case BackendKind.Cuda:
            {
                var report = DiscoverCuda().FirstOrDefault(r => r.Available);
                if (report is null) { whyNot = DiscoverCuda()[0].Reason; return null; }
                var context = Context.Create(b => Configure(b).Cuda());
                return new IlgpuBackend(kind, context, context.GetCudaDevice(0));
            }
            case BackendKind.OpenCL:
            {
                var reports = DiscoverOpenCL();
                if (!reports.Any(r => r.Available))
                {
                    whyNot = string.Join("; ", reports.Select(r => r.Name == "-" ? r.Reason : $"{r.Name}: {r.Reason}"));
                    return null;
                }
                var context = Context.Create(b => Configure(b).OpenCL(Qualifies));
                var devices = Collect(context.GetCLDevices());
                var gpu = devices.FirstOrDefault(d => d.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU) ?? devices[0];
                return new IlgpuBackend(kind, context, gpu);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
