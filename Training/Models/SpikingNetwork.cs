using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models;

/// <summary>
/// A feed-forward spiking network on one backend: an input encoder, a stack of layers, and a
/// readout whose time-summed output feeds softmax cross-entropy. All tensors stay on the device;
/// the host only uploads batches and reads back logits and losses.
/// </summary>
public sealed class SpikingNetwork : IDisposable
{
    private readonly GrowingBuffer<float> _encoded;

    public Backend Backend { get; }
    public NetworkSpec Spec { get; }
    public IReadOnlyList<ILayer> Layers { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public FeatureShape InputShape => new(Spec.InputHeight, Spec.InputWidth, Spec.InputChannels);

    /// <summary>1 for spike counts, 1/T for the mean membrane (see ILossKernels).</summary>
    public float ReadoutScale => Spec.Readout == Readout.Membrane ? 1f / Spec.T : 1f;

    public SpikingNetwork(Backend backend, NetworkSpec spec, IReadOnlyList<ILayer> layers)
    {
        Backend = backend;
        Spec = spec;
        Layers = layers;
        Parameters = layers.SelectMany(l => l.Parameters).ToList();
        var names = Parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (names is not null) throw new ArgumentException($"Duplicate parameter name '{names.Key}'.");
        _encoded = new GrowingBuffer<float>(backend);
    }

    public long ParameterCount => Parameters.Sum(p => (long)p.Length);

    /// <summary>
    /// Forward on a batch of images [B, H·W·C] already on the device. Direct encoding hands the
    /// images on as a static input; Poisson encoding draws [T, B, P] spikes keyed on
    /// (<paramref name="seed"/>, sample id, pixel, step).
    /// </summary>
    public Activation Forward(DeviceBuffer<float> images, int batch, DeviceBuffer<int>? sampleIds = null, uint seed = 0)
    {
        Activation x;
        if (Spec.Encoding == InputEncoding.Direct)
        {
            x = new Activation(images, batch, Spec.T, PerStep: false, InputShape);
        }
        else
        {
            if (sampleIds is null) throw new ArgumentException("Poisson encoding needs the batch's sample ids.");
            var spikes = _encoded.Get((long)Spec.T * batch * InputShape.Size);
            Backend.Encoding.Poisson(Spec.T, batch, InputShape.Size, seed, images, sampleIds, spikes);
            x = new Activation(spikes, batch, Spec.T, PerStep: true, InputShape);
        }
        foreach (var layer in Layers) x = layer.Forward(x);
        if (!x.PerStep || x.Shape.Size != Spec.Classes)
            throw new InvalidOperationException($"The network must end in a per-step layer of {Spec.Classes} outputs, got {x.Shape}.");
        return x;
    }

    /// <summary>Backpropagates ∂L/∂(output) through every layer, filling each parameter's gradient.</summary>
    public void Backward(Activation gradOutput)
    {
        var g = gradOutput;
        for (int i = Layers.Count - 1; i >= 0; i--)
            g = Layers[i].Backward(g, needInputGradient: i > 0) ?? g;
    }

    /// <summary>Host copy of every parameter value (for tests, checkpoints and exports).</summary>
    public Dictionary<string, float[]> Snapshot() => Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());

    public void Dispose()
    {
        foreach (var l in Layers) l.Dispose();
        _encoded.Dispose();
    }
}
