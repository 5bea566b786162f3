using System.Collections.Concurrent;
using ILGPU.Runtime;

namespace SpikeFit.Kernels.Core;

/// <summary>
/// ILGPU compiles kernels in every process, so each kernel variant is compiled once on first
/// use and its launcher kept for the life of the accelerator.
/// </summary>
public sealed class KernelCache
{
    private readonly Accelerator _accelerator;
    private readonly ConcurrentDictionary<string, Delegate> _kernels = new();

    public KernelCache(Accelerator accelerator) => _accelerator = accelerator;

    public T Get<T>(string key, Func<Accelerator, T> load) where T : Delegate =>
        (T)_kernels.GetOrAdd(key, _ => load(_accelerator));
}
