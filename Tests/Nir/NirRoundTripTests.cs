using SpikeFit.Kernels.Lif;
using SpikeFit.Training.Models;
using SpikeFit.Training.Nir;
using static SpikeFit.Tests.Nir.NirTestSupport;

namespace SpikeFit.Tests.Nir;

/// <summary>Export → .nir file → import gives the same network: every weight bit for bit, the same spec, the same readouts.</summary>
public class NirRoundTripTests
{
    public static TheoryData<string> Networks => new()
    {
        "mlp soft membrane", "mlp hard spike-count", "mlp CAT M=4", "conv max-pool", "conv sum-pool", "conv CAT M=4",
    };

    private static NetworkSpec Spec(string name) => name switch
    {
        "mlp soft membrane" => SmallMlp,
        "mlp hard spike-count" => SmallMlp with { Reset = ResetMode.Hard, Readout = Readout.SpikeCount, Beta = 0.8f, Theta = 0.7f },
        "mlp CAT M=4" => SmallMlp with { Codebook = new CodebookSpec(M: 4, Bits: 4) },
        "conv max-pool" => SmallConv,
        "conv sum-pool" => SmallConv with { Pool = PoolKind.Sum, Reset = ResetMode.Hard },
        "conv CAT M=4" => SmallConv with { Codebook = new CodebookSpec(M: 4, Bits: 4, PerNeuron: true) },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void ExportThenImport_IsBitIdentical(string name)
    {
        using var backend = Backend();
        using var original = ModelZoo.Build(backend, Spec(name), seed: 11);
        string path = Path.Combine(TempDir(), "model.nir");
        NirFile.Write(NirExporter.Export(original).Graph, path);

        var (imported, import) = NirImporter.Load(backend, path);
        using (imported)
        {
            var spec = imported.Spec;
            Assert.Equal((original.Spec.Net, original.Spec.T, original.Spec.Beta, original.Spec.Theta, original.Spec.Reset, original.Spec.Readout, original.Spec.Pool),
                (spec.Net, spec.T, spec.Beta, spec.Theta, spec.Reset, spec.Readout, spec.Pool));
            Assert.Equal(original.Spec.Hidden, spec.Hidden);
            Assert.Null(spec.Codebook); // weights come back as floats
            foreach (var layer in original.Layers.OfType<IWeightedLayer>())
            {
                var back = imported.Layers.OfType<IWeightedLayer>().Single(l => l.Weight.Name == layer.Weight.Name);
                Assert.Equal(Bits(layer.EffectiveWeights()), Bits(back.Weight.Value.ToArray()));
                Assert.Equal(Bits(layer.Bias.Value.ToArray()), Bits(back.Bias.Value.ToArray()));
            }
            int features = original.InputShape.Size;
            var images = Images(40, features, seed: 5);
            var (p0, r0) = Run(original, images, 40);
            var (p1, r1) = Run(imported, images, 40);
            Assert.Equal(p0, p1);
            Assert.Equal(Bits(r0), Bits(r1));
            Assert.Contains(r0, v => v != 0); // the comparison is not between two silent networks
            Assert.True(import.Dt > 0);
        }
    }

    [Fact]
    public void CatExport_KeepsTheCodebookInMetadata()
    {
        using var backend = Backend();
        using var net = ModelZoo.Build(backend, SmallMlp with { Codebook = new CodebookSpec(M: 4, Bits: 4) }, seed: 3);
        var export = NirExporter.Export(net);
        string path = Path.Combine(TempDir(), "cat.nir");
        NirFile.Write(export.Graph, path);
        var graph = NirFile.Read(path);
        var fc1 = graph.Nodes["fc1"];
        var weights = fc1.Fields["weight"].ToFloats();
        var values = fc1.Metadata["codebook_values"].ToFloats();
        var indices = fc1.Metadata["codebook_indices"].ToLongs();
        var levels = fc1.Metadata["codebook_levels"].ToLongs();
        double scale = fc1.Metadata["codebook_scale"].ToDoubles()[0];
        Assert.Equal(4, fc1.Metadata["codebook_m"].ToLongs()[0]);
        Assert.Equal(fc1.Fields["weight"].Shape, fc1.Metadata["codebook_indices"].Shape);
        Assert.Equal(4, weights.Distinct().Count());
        for (int i = 0; i < weights.Length; i++) Assert.Equal(values[indices[i]], weights[i]);
        for (int m = 0; m < 4; m++) Assert.Equal(values[m], (float)(levels[m] * scale), 6);
        Assert.Contains(export.NotExpressible, n => n.Contains("codebook"));
        Assert.Contains("codebook", graph.Metadata["not_expressible"].AsText());
    }

    [Fact]
    public void SoftResetAndMaxPool_AreReportedAndMarked()
    {
        using var backend = Backend();
        using var net = ModelZoo.Build(backend, SmallConv, seed: 2);
        var export = NirExporter.Export(net);
        Assert.Contains(export.NotExpressible, n => n.Contains("soft reset") && n.Contains("--reset Hard"));
        Assert.Contains(export.NotExpressible, n => n.Contains("max pooling") && n.Contains("SumPool2d"));
        Assert.Equal("max", export.Graph.Nodes["pool1"].Metadata[NirExporter.PoolKey].AsText());
        Assert.True(export.Graph.Nodes["lif1"].Metadata.ContainsKey(NirExporter.ResetKey));

        using var exact = ModelZoo.Build(backend, SmallConv with { Reset = ResetMode.Hard, Pool = PoolKind.Sum }, seed: 2);
        Assert.Empty(NirExporter.Export(exact).NotExpressible);
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
