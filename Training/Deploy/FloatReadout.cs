using SpikeFit.Training.Models;

namespace SpikeFit.Training.Deploy;

/// <summary>
/// The float network's readouts on a set of images, for comparing the integer path against it:
/// ReadoutScale·Σ_t output_t per class (mean membrane, or spike count), and the argmax the trainer's
/// evaluation takes (first maximum on ties). Direct encoding only, like deployment.
/// </summary>
public static class FloatReadout
{
    /// <summary>Runs <paramref name="count"/> images ([count, features] in [0, 1]) in batches of <paramref name="batch"/>.</summary>
    public static (int[] Predictions, float[] Readouts) Run(SpikingNetwork net, float[] images, int count, int batch = 256)
    {
        if (net.Spec.Encoding != InputEncoding.Direct) throw new InvalidOperationException("Float readouts are only compared for direct encoding.");
        int features = net.InputShape.Size, classes = net.Spec.Classes, t = net.Spec.T;
        var predictions = new int[count];
        var readouts = new float[(long)count * classes];
        using var device = net.Backend.Allocate<float>((long)batch * features);
        var host = new float[(long)batch * features];
        for (int start = 0; start < count; start += batch)
        {
            int b = Math.Min(batch, count - start);
            Array.Copy(images, (long)start * features, host, 0, (long)b * features);
            device.CopyFrom(host);
            var output = net.Forward(device, b).Data.ToArray();
            for (int s = 0; s < b; s++)
            {
                var row = readouts.AsSpan((start + s) * classes, classes);
                for (int step = 0; step < t; step++)
                    for (int c = 0; c < classes; c++) row[c] += output[((long)step * b + s) * classes + c];
                int best = 0;
                for (int c = 0; c < classes; c++)
                {
                    row[c] *= net.ReadoutScale;
                    if (row[c] > row[best]) best = c;
                }
                predictions[start + s] = best;
            }
        }
        return (predictions, readouts);
    }
}
