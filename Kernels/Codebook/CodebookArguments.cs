using SpikeFit.Kernels.Core;

namespace SpikeFit.Kernels.Codebook;

/// <summary>Argument checks shared by every implementation of <see cref="ICodebookKernels"/>.</summary>
internal static class CodebookArguments
{
    public static void AssignGather(Backend backend, CodebookShape shape, DeviceBuffer<float> weights,
        DeviceBuffer<float> codebooks, DeviceBuffer<int> assignments, DeviceBuffer<float> quantized)
    {
        shape.Validate();
        backend.Check(weights, shape.Weights, nameof(weights));
        backend.Check(codebooks, shape.CodebookLength, nameof(codebooks));
        backend.Check(assignments, shape.Weights, nameof(assignments));
        backend.Check(quantized, shape.Weights, nameof(quantized));
    }

    public static void CentroidGradient(Backend backend, CodebookShape shape, DeviceBuffer<float> gradQuantized,
        DeviceBuffer<int> assignments, DeviceBuffer<float> gradCodebooks)
    {
        shape.Validate();
        backend.Check(gradQuantized, shape.Weights, nameof(gradQuantized));
        backend.Check(assignments, shape.Weights, nameof(assignments));
        backend.Check(gradCodebooks, shape.CodebookLength, nameof(gradCodebooks));
    }

    public static void Project(Backend backend, int count, DeviceBuffer<float> latent, DeviceBuffer<float> projected,
        DeviceBuffer<float> scale)
    {
        if (count <= 0) throw new ArgumentException($"Codebook count must be positive, got {count}.", nameof(count));
        backend.Check(latent, count, nameof(latent));
        backend.Check(projected, count, nameof(projected));
        backend.Check(scale, 1, nameof(scale));
    }

    public static void ProjectDistinct(Backend backend, int groups, int m, int bits, DeviceBuffer<float> latent,
        DeviceBuffer<float> projected, DeviceBuffer<float> scale)
    {
        CodebookMath.ValidateBits(bits);
        if (groups <= 0) throw new ArgumentException($"Codebook group count must be positive, got {groups}.", nameof(groups));
        if (m < 1 || m > 1 << bits)
            throw new ArgumentException($"M = {m} does not fit a {bits}-bit grid (1..{1 << bits}).", nameof(m));
        long count = (long)groups * m;
        if (count > int.MaxValue) throw new ArgumentException($"{groups} codebooks of {m} values exceed the 2^31 element limit.");
        backend.Check(latent, count, nameof(latent));
        backend.Check(projected, count, nameof(projected));
        backend.Check(scale, 1, nameof(scale));
    }

    public static void Gather(Backend backend, CodebookShape shape, DeviceBuffer<float> codebooks,
        DeviceBuffer<int> assignments, DeviceBuffer<float> quantized)
    {
        shape.Validate();
        backend.Check(codebooks, shape.CodebookLength, nameof(codebooks));
        backend.Check(assignments, shape.Weights, nameof(assignments));
        backend.Check(quantized, shape.Weights, nameof(quantized));
    }

    public static void Accumulate(Backend backend, int count, DeviceBuffer<float> partial, DeviceBuffer<float> total)
    {
        if (count <= 0) throw new ArgumentException($"Element count must be positive, got {count}.", nameof(count));
        backend.Check(partial, count, nameof(partial));
        backend.Check(total, count, nameof(total));
    }
}
