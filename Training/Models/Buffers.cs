using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models;

/// <summary>A device buffer that grows to the largest size requested and is reused after that.</summary>
public sealed class GrowingBuffer<T> : IDisposable where T : unmanaged
{
    private readonly Backend _backend;
    private DeviceBuffer<T>? _buffer;

    public GrowingBuffer(Backend backend) => _backend = backend;

    public DeviceBuffer<T> Get(long length)
    {
        if (_buffer is null || _buffer.Length < length)
        {
            _buffer?.Dispose();
            _buffer = null;
            _buffer = _backend.Allocate<T>(length);
        }
        return _buffer;
    }

    public void Dispose() => _buffer?.Dispose();
}
