using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Models;
using SpikeFit.Training.Nir;
using static SpikeFit.Tests.Nir.NirTestSupport;

namespace SpikeFit.Tests.Nir;

/// <summary>
/// Files written the way snnTorch, Norse and Sinabs write them (scripts/nir_fixtures.py, h5py) import,
/// and the imported network's forward pass matches a float64 simulation of the same NIR graph.
/// </summary>
public class NirFixtureImportTests
{
    private static readonly Lazy<string> Fixtures = new(() =>
    {
        string dir = TempDir();
        RunScript("write", dir);
        return dir;
    });

    private static string Fixture(string name)
    {
        RequireH5py();
        return Path.Combine(Fixtures.Value, name);
    }

    [SkippableTheory]
    [InlineData("snntorch_mlp_small.nir", null, Readout.SpikeCount, PoolKind.Max)]
    [InlineData("norse_mlp_small.nir", 1e-3, Readout.Membrane, PoolKind.Max)]
    [InlineData("snntorch_conv_small.nir", null, Readout.SpikeCount, PoolKind.Sum)]
    [InlineData("sinabs_conv_small.nir", null, Readout.SpikeCount, PoolKind.Sum)]
    public void ImportedForward_MatchesFloat64Reference(string file, double? dt, Readout readout, PoolKind pool)
    {
        string path = Fixture(file);
        using var backend = Backend();
        var (net, import) = NirImporter.Load(backend, path, new NirImportOptions { Dt = dt, T = 8 });
        using (net)
        {
            Assert.Equal(readout, net.Spec.Readout);
            Assert.Equal(ResetMode.Hard, net.Spec.Reset);
            if (net.Spec.Net == "conv") Assert.Equal(pool, net.Spec.Pool);
            var graph = NirFile.Read(path);
            var s = net.InputShape;
            const int count = 24;
            var images = Images(count, s.Size, seed: 9);
            var (predictions, readouts) = Run(net, images, count);
            int classes = net.Spec.Classes, spikes = 0;
            for (int i = 0; i < count; i++)
            {
                // Our images are channels-last (h, w, c); NIR's input is [C, H, W].
                var chw = new double[s.Size];
                for (int h = 0; h < s.H; h++)
                    for (int w = 0; w < s.W; w++)
                        for (int c = 0; c < s.C; c++)
                            chw[(c * s.H + h) * s.W + w] = images[i * s.Size + (h * s.W + w) * s.C + c];
                var reference = NirReference.Run(graph, chw, 8, import.Dt);
                for (int k = 0; k < classes; k++)
                {
                    double ours = readouts[i * classes + k];
                    Assert.True(Math.Abs(ours - reference[k]) <= 1e-4 * Math.Max(1, Math.Abs(reference[k])),
                        $"{file} sample {i} class {k}: ours {ours}, float64 reference {reference[k]}");
                    if (readout == Readout.SpikeCount) spikes += (int)reference[k];
                }
                int best = 0;
                for (int k = 1; k < classes; k++) if (reference[k] > reference[best]) best = k;
                if (reference.Count(v => v == reference[best]) == 1) Assert.Equal(best, predictions[i]);
            }
            if (readout == Readout.SpikeCount) Assert.True(spikes > 0, $"{file}: the reference output never spikes, so the comparison shows nothing");
            else Assert.Contains(readouts, v => v != 0);
        }
    }

    [SkippableFact]
    public void SnnTorchMlp_ImportsWithItsWeightsUnchanged()
    {
        string path = Fixture("snntorch_mlp_784_128_10.nir");
        using var backend = Backend();
        var (net, _) = NirImporter.Load(backend, path);
        using (net)
        {
            Assert.Equal(("mlp", 784, 10, 0.9f, 1f, Readout.SpikeCount), (net.Spec.Net, net.InputShape.Size, net.Spec.Classes, net.Spec.Beta, net.Spec.Theta, net.Spec.Readout));
            Assert.Equal(new[] { 128 }, net.Spec.Hidden);
            var graph = NirFile.Read(path);
            var snapshot = net.Snapshot();
            // snnTorch writes r = τ/dt, so the input gain is 1 and nothing is folded: the float32 weights are kept bit for bit.
            Assert.Equal(graph.Nodes["0"].Fields["weight"].ToFloats(), snapshot["fc1.weight"]);
            Assert.Equal(graph.Nodes["2"].Fields["bias"].ToFloats(), snapshot["fc2.bias"]);
        }
    }
}
