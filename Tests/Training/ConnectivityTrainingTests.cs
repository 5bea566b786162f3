using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Models;
using SpikeFit.Training.Models.Constraints;
using SpikeFit.Training.Train;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Training;

/// <summary>
/// Connectivity that training respects (DESIGN §4b–d), on every backend (the cpu path and the ILGPU
/// simulator at small sizes): after optimiser steps with mask revisions, no masked weight is non-zero,
/// every neuron keeps at most k inputs, every core reads at most A inputs and holds at most P neurons,
/// a per-core codebook holds at most M values per core, TrueNorth weights are exactly c_i[type(j)],
/// and the mask no longer moves after the freeze step.
/// </summary>
public abstract class ConnectivityTrainingTests : BackendTestBase
{
    private const int Batch = 4, Classes = 10, Batches = 6, K = 5, A = 6, P = 4, M = 4;

    private static NetworkSpec Net(string variant) => variant switch
    {
        // 22×22: conv1 20×20×2 reads 9, conv2 8×8×4 reads 18, fc reads 4×4×4 = 64 > the conv budget A = 20.
        "conv-core-truenorth" => NetworkSpec.Conv(t: 2) with { Hidden = new[] { 2, 4 }, InputHeight = 22, InputWidth = 22 },
        _ when variant.StartsWith("conv", StringComparison.Ordinal) => NetworkSpec.Conv(t: 2) with { Hidden = new[] { 2, 4 }, InputHeight = 10, InputWidth = 10 },
        _ => NetworkSpec.Mlp(t: 2, hidden: 16) with { InputHeight = 8, InputWidth = 8 },
    };

    /// <summary>Revised after steps 2 and 4, frozen from step 5 on.</summary>
    private static ConstraintSpec Variant(string variant) => variant switch
    {
        "fanin-float" => new ConnectivitySpec(null, FanIn: K, ReviseEvery: 2, FreezeAfter: 4),
        "fanin-cat" or "conv-fanin-cat" => new ConnectivitySpec(new CodebookSpec(M: M, Bits: 4), FanIn: K, ReviseEvery: 2, FreezeAfter: 4),
        "fanin-ternary" => new ConnectivitySpec(new SteSpec(SteQuantizer.Ternary), FanIn: K, ReviseEvery: 2, FreezeAfter: 4),
        "core-cat-per-core" => new ConnectivitySpec(new CodebookSpec(M: M, Bits: 4, NeuronsPerCore: P), FanIn: K, CoreInputs: A, NeuronsPerCore: P,
            ReviseEvery: 2, FreezeAfter: 4),
        "core-truenorth" => new ConnectivitySpec(new TrueNorthSpec(NeuronsPerCore: P, ReassignEvery: 2, ReassignUntil: 4), CoreInputs: A, NeuronsPerCore: P,
            ReviseEvery: 2, FreezeAfter: 4),
        // Deploy's conv layout: TrueNorth types per group of 2 channels on the conv layers, the per-core budget on fc only
        // (with a fan-in budget of 12, which cuts conv2's 18 taps × channels per output channel and moves with revisions).
        "conv-core-truenorth" => new ConnectivitySpec(new TrueNorthSpec(NeuronsPerCore: 2, ReassignEvery: 2, ReassignUntil: 4), FanIn: 12, CoreInputs: 20, NeuronsPerCore: P,
            ReviseEvery: 2, FreezeAfter: 4, OnlyOverBudget: true),
        _ => throw new ArgumentException(variant),
    };

    private static DataSplit RandomData(int samples, int features, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var y = Enumerable.Range(0, samples).Select(_ => rng.Next(Classes)).ToArray();
        return new DataSplit(x, y, features);
    }

    [SkippableTheory]
    [InlineData("fanin-float")]
    [InlineData("fanin-cat")]
    [InlineData("fanin-ternary")]
    [InlineData("conv-fanin-cat")]
    [InlineData("core-cat-per-core")]
    [InlineData("core-truenorth")]
    [InlineData("conv-core-truenorth")]
    public void Masks_and_per_core_values_hold_through_training(string variant)
    {
        var backend = Backend;
        int seed = FreshSeed();
        var spec = Net(variant) with { Constraint = Variant(variant) };
        Dictionary<string, float[]> warm;
        using (var fp = ModelZoo.Build(backend, Net(variant), seed)) warm = fp.Snapshot();
        using var net = ModelZoo.Build(backend, spec, seed, warm);
        var layers = net.Layers.OfType<IWeightedLayer>().ToList();
        var masked = layers.Select(l => (MaskedConstraint)l.Constraint!).ToList();
        var initial = masked.Select(c => c.CurrentMask.ToArray()).ToList();
        List<bool[]>? atFreeze = null;

        int features = net.InputShape.Size;
        var options = new TrainOptions { Epochs = 1, BatchSize = Batch, LearningRate = 5e-2f, Seed = 5, MaxBatchesPerEpoch = Batches };
        using (var trainer = new Trainer(net, options))
        {
            // Batch b is optimiser step b + 1: after batch 3 (step 4) the last revision has happened.
            trainer.BatchDone += p => { if (p.Batch == 3) atFreeze = masked.Select(c => c.CurrentMask.ToArray()).ToList(); };
            trainer.Fit(RandomData(Batches * Batch, features, seed + 1), RandomData(Batch, features, seed + 2));
        }

        bool anyRevisionMoved = false;
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            var c = masked[l];
            var mask = c.CurrentMask.ToArray();
            var w = layer.EffectiveWeights();
            int rows = layer.OutChannels, fanIn = layer.FanIn;
            Assert.Equal(2, c.Revisions);
            Assert.Equal(atFreeze![l], mask); // frozen after step 4
            anyRevisionMoved |= !initial[l].SequenceEqual(mask);
            for (int k = 0; k < w.Length; k++)
                if (!mask[k]) Assert.True(w[k] == 0f, $"{layer.Name} weight {k} is masked out but holds {w[k]} (seed {seed})");
            Assert.Contains(w, v => v != 0f);
            var spec2 = (ConnectivitySpec)spec.Constraint!;
            if (spec2.FanIn > 0)
                for (int r = 0; r < rows; r++)
                    Assert.True(Enumerable.Range(0, fanIn).Count(j => mask[r * fanIn + j]) <= Math.Min(spec2.FanIn, fanIn), $"{layer.Name} row {r} fan-in");
            void TrueNorthHolds(TrueNorthConstraint tn, int[] coreOfRow)
            {
                var d = tn.Deployable();
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < fanIn; j++)
                    {
                        int k = r * fanIn + j;
                        float expected = mask[k] ? d.Scale * d.Levels[r * 4 + tn.AxonTypes[coreOfRow[r] * fanIn + j]] : 0f;
                        Assert.True(w[k] == expected, $"{layer.Name} ({r}, {j}): {w[k]} is not c_r[type] = {expected}");
                    }
                Assert.Equal(2, tn.Reassignments);
            }
            if (!spec2.HasCoreBudget) continue;
            if (!spec2.CoreBudgetFor(fanIn))
            {
                // Within the budget (a conv layer under OnlyOverBudget): no core partition, the inner scope's own cores.
                Assert.True(spec2.OnlyOverBudget);
                Assert.Null(c.Cores);
                if (c.Inner is TrueNorthConstraint own) TrueNorthHolds(own, own.Layout.CoreOfRow);
                continue;
            }
            var partition = c.Partition!;
            Assert.Equal(rows, partition.CoreOfNeuron.Length);
            Assert.Equal((rows + P - 1) / P, partition.CoreCount);
            for (int core = 0; core < partition.CoreCount; core++) Assert.InRange(partition.NeuronsOf(core).Length, 1, P);
            var inputs = ConnectivityMasks.InputsPerCore(mask, rows, fanIn, partition.CoreOfNeuron, partition.CoreCount);
            Assert.All(inputs, n => Assert.InRange(n, 1, spec2.CoreInputs));
            // And counted from the trained weights, not the mask: the non-zero inputs of each core.
            var nonZero = w.Select(v => v != 0f).ToArray();
            Assert.All(ConnectivityMasks.InputsPerCore(nonZero, rows, fanIn, partition.CoreOfNeuron, partition.CoreCount), n => Assert.True(n <= spec2.CoreInputs));

            if (c.Inner is CoreCodebookConstraint)
                for (int core = 0; core < partition.CoreCount; core++)
                {
                    var values = partition.NeuronsOf(core).SelectMany(r => w.Skip(r * fanIn).Take(fanIn)).Where(v => v != 0f).Distinct().Count();
                    Assert.True(values <= M, $"{layer.Name} core {core} holds {values} distinct values, M = {M}");
                }
            if (c.Inner is TrueNorthConstraint tn) TrueNorthHolds(tn, partition.CoreOfNeuron);
        }
        Assert.True(anyRevisionMoved, "no revision changed any mask: the schedule would be untested");
    }
}
