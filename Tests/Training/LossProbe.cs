using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Tests.Training;

/// <summary>
/// The loss of one fixed batch (the first <c>batch</c> samples of a split) and the network's
/// gradients from one backward: what gradient checks perturb and compare.
/// </summary>
internal sealed class LossProbe : IDisposable
{
    private readonly Backend _b;
    private readonly SpikingNetwork _net;
    private readonly int _batch;
    private readonly DeviceBuffer<float> _images, _logits, _losses, _grad;
    private readonly DeviceBuffer<int> _labels;

    public LossProbe(Backend backend, SpikingNetwork net, DataSplit data, int batch)
    {
        _b = backend;
        _net = net;
        _batch = batch;
        _images = backend.Upload<float>(data.Images.AsSpan(0, batch * data.Features).ToArray());
        _labels = backend.Upload<int>(data.Labels.AsSpan(0, batch).ToArray());
        _logits = backend.Allocate<float>(batch * net.Spec.Classes);
        _losses = backend.Allocate<float>(batch);
        _grad = backend.Allocate<float>((long)net.Spec.T * batch * net.Spec.Classes);
    }

    /// <summary>Per-sample losses of a forward pass (the gradient of the mean is left in the output-gradient buffer).</summary>
    public float[] Losses()
    {
        var output = _net.Forward(_images, _batch);
        _b.Loss.SoftmaxCrossEntropy(_net.Spec.T, _batch, _net.Spec.Classes, _net.ReadoutScale, output.Data, _labels, _logits, _losses, _grad);
        return _losses.ToArray();
    }

    /// <summary>Mean loss of the batch.</summary>
    public double Loss() => Losses().Average(v => (double)v);

    /// <summary>Forward, loss and backward: every parameter's gradient for this batch. Returns the per-sample losses.</summary>
    public float[] Backward()
    {
        var output = _net.Forward(_images, _batch);
        _b.Loss.SoftmaxCrossEntropy(_net.Spec.T, _batch, _net.Spec.Classes, _net.ReadoutScale, output.Data, _labels, _logits, _losses, _grad);
        _net.Backward(output with { Data = _grad });
        return _losses.ToArray();
    }

    public void Dispose()
    {
        _images.Dispose(); _labels.Dispose(); _logits.Dispose(); _losses.Dispose(); _grad.Dispose();
    }
}
