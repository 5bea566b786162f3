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
}
