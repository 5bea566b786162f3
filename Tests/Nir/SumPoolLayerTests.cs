using SpikeFit.Kernels.Core;
using SpikeFit.Tests.Infrastructure;
using SpikeFit.Training.Models;
using SpikeFit.Training.Nir;
using SpikeFit.Training.Train;
using static SpikeFit.Tests.Nir.NirTestSupport;

namespace SpikeFit.Tests.Nir;

/// <summary>The sum-pooling layer imported conv nets use, the warm-start check, and the import's --input-shape.</summary>
public class SumPoolLayerTests
{
    [Fact]
    public void SumPool_SumsEachWindow_AndSpreadsTheGradientBack()
    {
        using var backend = Backend();
        var shape = new FeatureShape(3, 4, 2); // odd height: the last row is dropped, as max pooling does
        using var pool = new SumPool2dLayer(backend, "pool", shape);
        var x = Enumerable.Range(0, 2 * shape.Size).Select(i => (float)(i % 7) - 2f).ToArray(); // 2 rows
        using var input = backend.Allocate<float>(x.Length);
        input.CopyFrom(x);
        var y = pool.Forward(new Activation(input, 2, 1, PerStep: false, shape));
        Assert.Equal(new FeatureShape(1, 2, 2), y.Shape);
        var got = y.Data.ToArray();
        for (int r = 0; r < 2; r++)
            for (int ox = 0; ox < 2; ox++)
                for (int c = 0; c < 2; c++)
                {
                    float expected = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                            expected += x[r * shape.Size + (dy * 4 + 2 * ox + dx) * 2 + c];
                    Assert.Equal(expected, got[(r * 2 + ox) * 2 + c]);
                }

        var g = Enumerable.Range(0, got.Length).Select(i => i + 1f).ToArray();
        using var gradOut = backend.Allocate<float>(g.Length);
        gradOut.CopyFrom(g);
        var gx = pool.Backward(y with { Data = gradOut }, needInputGradient: true)!.Data.ToArray();
        for (int r = 0; r < 2; r++)
            for (int h = 0; h < 3; h++)
                for (int w = 0; w < 4; w++)
                    for (int c = 0; c < 2; c++)
                    {
                        float expected = h < 2 ? g[(r * 2 + w / 2) * 2 + c] : 0f;
                        Assert.Equal(expected, gx[r * shape.Size + (h * 4 + w) * 2 + c]);
                    }
    }

    [SkippableFact]
    public void SumPoolNet_RunsTheSameOnTheIlgpuSimulator()
    {
        var (sim, reason) = TestBackends.Get(BackendKind.IlgpuCpu);
        Skip.If(sim is null, reason);
        var spec = SmallConv with { Pool = PoolKind.Sum, Reset = SpikeFit.Kernels.Lif.ResetMode.Hard };
        using var cpu = Backend();
        using var onCpu = ModelZoo.Build(cpu, spec, seed: 8);
        using var onSim = ModelZoo.Build(sim!, spec, seed: 8);
        var images = Images(6, onCpu.InputShape.Size, seed: 2);
        var (p0, r0) = Run(onCpu, images, 6);
        var (p1, r1) = Run(onSim, images, 6);
        Assert.Contains(r0, v => v != 0);
        double worst = r0.Zip(r1).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst < 1e-3, $"readouts differ by {worst} between cpu and ilgpu-cpu");
    }

    [Fact]
    public void WarmStartCheck_NamesEveryDifferingSetting()
    {
        var warm = SmallMlp with { Beta = 0.95f, Readout = Readout.SpikeCount };
        var diffs = WarmStartCheck.Differences(warm, SmallMlp);
        Assert.Equal(2, diffs.Count);
        Assert.Contains(diffs, d => d.StartsWith("β") && d.Contains("0.95"));
        Assert.Contains(diffs, d => d.StartsWith("readout") && d.Contains("--readout"));
        Assert.Empty(WarmStartCheck.Differences(SmallMlp, SmallMlp));
    }

    [Fact]
    public void FlatInput_TakesTheGivenImageShape()
    {
        using var backend = Backend();
        using var net = ModelZoo.Build(backend, SmallMlp with { InputHeight = 1, InputWidth = 1, InputChannels = 20 }, seed: 4);
        var graph = NirExporter.Export(net).Graph;
        var import = NirImporter.Import(graph, new NirImportOptions { InputShape = new FeatureShape(4, 5, 1) });
        Assert.Equal((4, 5, 1), (import.Spec.InputHeight, import.Spec.InputWidth, import.Spec.InputChannels));
        var e = Assert.Throws<ArgumentException>(() => NirImporter.Import(graph, new NirImportOptions { InputShape = new FeatureShape(4, 4, 1) }));
        Assert.Contains("4x4x1", e.Message);
    }
}
