using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Train;

/// <summary>
/// Device buffers for one batch (images [Capacity, Features], labels, sample ids) and the host
/// arrays they are staged through. <see cref="Stage(DataSplit, ReadOnlySpan{int})"/> gathers any
/// samples (a training batch in shuffled order), <see cref="StageRange"/> a contiguous run of them
/// (evaluation, scoring). Either way sample i's id is its index in the split, which seeds its
/// Poisson spikes, so a sample gets the same spikes in whatever batch it lands.
/// </summary>
/// <remarks>
/// A batch of fewer than <see cref="Capacity"/> samples uploads the whole buffers; rows past the
/// count hold stale values that the network is told not to read (it is given the count).
/// </remarks>
public sealed class DeviceBatch : IDisposable
{
    private readonly float[] _hostImages;
    private readonly int[] _hostLabels, _hostIds;

    /// <summary>Images of the staged batch, [Capacity, Features] row-major.</summary>
    public DeviceBuffer<float> Images { get; }

    /// <summary>Labels of the staged batch.</summary>
    public DeviceBuffer<int> Labels { get; }

    /// <summary>Sample ids (indices in the split) of the staged batch.</summary>
    public DeviceBuffer<int> Ids { get; }

    /// <summary>The most samples one batch holds.</summary>
    public int Capacity { get; }

    /// <summary>Values per image.</summary>
    public int Features { get; }

    /// <summary>The labels staged last, on the host (the first <c>count</c> entries are valid).</summary>
    public ReadOnlySpan<int> HostLabels => _hostLabels;

    /// <summary>Allocates the device buffers; throws the backend's out-of-memory exception when they do not fit.</summary>
    public DeviceBatch(Backend backend, int capacity, int features)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        Capacity = capacity;
        Features = features;
        _hostImages = new float[(long)capacity * features];
        _hostLabels = new int[capacity];
        _hostIds = new int[capacity];
        try
        {
            Images = backend.Allocate<float>((long)capacity * features);
            Labels = backend.Allocate<int>(capacity);
            Ids = backend.Allocate<int>(capacity);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Uploads the samples <paramref name="samples"/> (indices into <paramref name="data"/>) as the batch, in that order.</summary>
    public void Stage(DataSplit data, ReadOnlySpan<int> samples)
    {
        Check(data, samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            int s = samples[i];
            Array.Copy(data.Images, (long)s * Features, _hostImages, (long)i * Features, Features);
            _hostLabels[i] = data.Labels[s];
            _hostIds[i] = s;
        }
        Upload();
    }

    /// <summary>Uploads samples <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 of <paramref name="data"/> as the batch.</summary>
    public void StageRange(DataSplit data, int start, int count)
    {
        Check(data, count);
        if (start < 0 || start + count > data.Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Samples {start}..{start + count - 1} are outside the split's 0..{data.Count - 1}.");
        Array.Copy(data.Images, (long)start * Features, _hostImages, 0, (long)count * Features);
        Array.Copy(data.Labels, start, _hostLabels, 0, count);
        for (int i = 0; i < count; i++) _hostIds[i] = start + i;
        Upload();
    }

    private void Check(DataSplit data, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != Features)
            throw new ArgumentException($"The batch holds images of {Features} features; the data has {data.Features}.", nameof(data));
        if (count < 1 || count > Capacity)
            throw new ArgumentOutOfRangeException(nameof(count), $"A batch holds 1..{Capacity} samples, got {count}.");
    }

    private void Upload()
    {
        Images.CopyFrom(_hostImages);
        Labels.CopyFrom(_hostLabels);
        Ids.CopyFrom(_hostIds);
    }

    public void Dispose()
    {
        Images?.Dispose();
        Labels?.Dispose();
        Ids?.Dispose();
    }
}
