using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models;

/// <summary>A device buffer that grows to the largest size requested and is reused after that.</summary>
public sealed class GrowingBuffer : IDisposable
{
    private readonly Backend _backend;
    private DeviceBuffer<float>? _buffer;

    public GrowingBuffer(Backend backend) => _backend = backend;

    public DeviceBuffer<float> Get(long length)
    {
        if (_buffer is null || _buffer.Length < length)
        {
            _buffer?.Dispose();
            _buffer = null;
            _buffer = _backend.Allocate<float>(length);
        }
        return _buffer;
    }

    public long Bytes => (_buffer?.Length ?? 0) * sizeof(float);

    public void Dispose() => _buffer?.Dispose();
}
