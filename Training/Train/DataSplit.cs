namespace SpikeFit.Training.Train;

/// <summary>Images [Count, Features] in [0, 1] and their labels, on the host.</summary>
public sealed record DataSplit(float[] Images, int[] Labels, int Features)
{
    public int Count => Labels.Length;

    public void Validate(string name, int classes)
    {
        if (Images.LongLength != (long)Count * Features)
            throw new ArgumentException($"{name}: {Images.LongLength} pixel values do not make {Count} images of {Features} features.");
        for (int i = 0; i < Count; i++)
            if ((uint)Labels[i] >= (uint)classes)
                throw new ArgumentException($"{name}: label {Labels[i]} of sample {i} is outside 0..{classes - 1}.");
    }

    /// <summary>The first <paramref name="n"/> samples (for quick runs and tests).</summary>
    public DataSplit Take(int n)
    {
        n = Math.Min(n, Count);
        return new DataSplit(Images.AsSpan(0, n * Features).ToArray(), Labels.AsSpan(0, n).ToArray(), Features);
    }
}
