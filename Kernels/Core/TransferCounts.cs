namespace SpikeFit.Kernels.Core;

/// <summary>
/// Host↔device copies made through a backend's buffers (<see cref="DeviceBuffer{T}.CopyFrom"/>,
/// <see cref="DeviceBuffer{T}.CopyTo"/>, <see cref="DeviceBuffer{T}.ToArray"/>, <see cref="DeviceBuffer{T}.Fill"/>
/// and <see cref="Backend.Upload{T}"/>), counted on every backend: on the managed cpu backend they are
/// host memory copies, but a copy there is a transfer on a GPU, so tests count them on either.
/// Device-side work (kernels, <see cref="Backend.Copy"/>, zero-filled allocation) is not counted.
/// </summary>
public readonly record struct TransferCounts(long Uploads, long Downloads, long UploadBytes, long DownloadBytes)
{
    public long Copies => Uploads + Downloads;

    /// <summary>The copies made between two readings: <c>after - before</c>.</summary>
    public static TransferCounts operator -(TransferCounts after, TransferCounts before) =>
        new(after.Uploads - before.Uploads, after.Downloads - before.Downloads,
            after.UploadBytes - before.UploadBytes, after.DownloadBytes - before.DownloadBytes);

    public override string ToString() =>
        $"{Uploads} uploads ({UploadBytes} B), {Downloads} downloads ({DownloadBytes} B)";
}
