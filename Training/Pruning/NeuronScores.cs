using SpikeFit.Kernels.Core;
using SpikeFit.Training.Models;
using SpikeFit.Training.Train;

namespace SpikeFit.Training.Pruning;

/// <summary>
/// One importance score per prunable unit (dense neuron or conv channel) of every hidden spiking
/// layer lif1..lifL, under one <see cref="PruneCriterion"/>. Higher means more important; the
/// pruner removes the lowest first.
/// </summary>
public sealed class NeuronScores
{
    /// <summary>Seed of the Poisson input spikes while scoring (direct encoding ignores it).</summary>
    private const uint PoissonSeed = 0x5C0Eu;

    public PruneCriterion Criterion { get; }
    /// <summary>Hidden spiking layer names (lif1, lif2, …), in network order.</summary>
    public IReadOnlyList<string> LayerNames { get; }
    /// <summary>Scores per hidden layer, one per dense neuron or conv channel.</summary>
    public IReadOnlyList<double[]> Layers { get; }
    /// <summary>Samples the scores were measured on (0 for a criterion that does not need data, e.g. magnitude and random).</summary>
    public int Samples { get; }

    public NeuronScores(PruneCriterion criterion, IReadOnlyList<string> layerNames, IReadOnlyList<double[]> layers, int samples)
    {
        if (layerNames.Count != layers.Count) throw new ArgumentException("One name per layer of scores.");
        Criterion = criterion;
        LayerNames = layerNames;
        Layers = layers;
        Samples = samples;
    }

    /// <summary>
    /// Scores <paramref name="net"/> under <paramref name="criterion"/>. A data-driven criterion
    /// (<see cref="PruneCriterion.NeedsData"/>: FSC, Taylor, firing rate) reads the statistics of a
    /// forward and backward pass (no update) on the first <paramref name="maxBatches"/> full batches of
    /// <paramref name="data"/>, in order; the others (magnitude, random) ignore the data.
    /// </summary>
    public static NeuronScores Compute(SpikingNetwork net, PruneCriterion criterion, DataSplit data, int batchSize = 128,
        int maxBatches = int.MaxValue, int seed = 1) =>
        Score(net, criterion, seed, criterion.NeedsData ? Measure(net, data, batchSize, maxBatches) : null);

    /// <summary>L1 norm of each unit's incoming effective weights Ŵ (<see cref="PruneCriterion.Magnitude"/>).</summary>
    public static NeuronScores Magnitude(SpikingNetwork net) => Score(net, PruneCriterion.Magnitude, seed: 0, activity: null);

    /// <summary>Uniform scores in [0, 1) drawn from <paramref name="seed"/> (<see cref="PruneCriterion.Random"/>).</summary>
    public static NeuronScores Random(SpikingNetwork net, int seed) => Score(net, PruneCriterion.Random, seed, activity: null);

    private static NeuronScores Score(SpikingNetwork net, PruneCriterion criterion, int seed, ActivityStatistics? activity)
    {
        var hidden = HiddenLayer.Of(net);
        var layers = criterion.Score(new PruneScoringContext(net, hidden, seed, activity));
        // A criterion may come from outside this library: check its shape here, so a slip names it rather than failing later in the pruner.
        if (layers.Count != hidden.Count)
            throw new InvalidOperationException($"Pruning criterion '{criterion.Name}' returned {layers.Count} layers of scores; the network has {hidden.Count} hidden layers.");
        for (int l = 0; l < hidden.Count; l++)
            if (layers[l].Length != hidden[l].Channels)
                throw new InvalidOperationException($"Pruning criterion '{criterion.Name}' returned {layers[l].Length} scores for {hidden[l].Lif.Name}, which has {hidden[l].Channels} units.");
        return new NeuronScores(criterion, hidden.Select(h => h.Lif.Name).ToList(), layers, activity?.Samples ?? 0);
    }

    /// <summary>
    /// One forward + backward pass per batch giving the statistics behind FSC, Taylor and the firing
    /// rate at once. The loss is softmax cross-entropy of the batch MEAN (as in training), so the
    /// backward's product c is 1/B of the per-sample quantity Σ_t s·∂L_n/∂s of DESIGN §4; it is
    /// multiplied by B before squaring. Dense layers take Σ_b c² from the fused Fisher accumulation
    /// of the LIF backward; conv layers fold the [B, H·W·C] product by channel on the host, because
    /// a channel's positions must be summed before squaring. All batches have the same size B, so
    /// one factor B² rescales the fused sum.
    /// </summary>
    public static ActivityStatistics Measure(SpikingNetwork net, DataSplit data, int batchSize = 128, int maxBatches = int.MaxValue)
    {
        var backend = net.Backend;
        var hidden = HiddenLayer.Of(net);
        int features = net.InputShape.Size, classes = net.Spec.Classes, t = net.Spec.T;
        if (data.Features != features)
            throw new ArgumentException($"The network expects {features} input features; the scoring data has {data.Features}.");
        data.Validate("scoring data", classes);
        if (data.Count == 0) throw new ArgumentException("Scoring needs at least one sample.");
        int batch = Math.Min(batchSize, data.Count);
        int batches = Math.Max(1, Math.Min(maxBatches, data.Count / batch));

        var sumSquares = hidden.Select(h => new double[h.Channels]).ToArray();
        var sums = hidden.Select(h => new double[h.Channels]).ToArray();
        var spikeCounts = hidden.Select(h => new double[h.Channels]).ToArray();
        var fisher = new List<DeviceBuffer<float>>();
        var spikeSums = new List<DeviceBuffer<float>>();
        var staged = new DeviceBatch(backend, batch, features);
        var logits = backend.Allocate<float>((long)batch * classes);
        var losses = backend.Allocate<float>(batch);
        var grad = backend.Allocate<float>((long)t * batch * classes);
        try
        {
            foreach (var h in hidden)
            {
                var f = backend.Allocate<float>(h.Lif.OutputShape.Size);
                f.Fill(0f);
                fisher.Add(f);
                spikeSums.Add(backend.Allocate<float>(h.Lif.OutputShape.Size));
                h.Lif.Fisher = f; // also makes the LIF backward write its per-sample product
            }
            for (int k = 0; k < batches; k++)
            {
                staged.StageRange(data, k * batch, batch);
                var output = net.Forward(staged.Images, batch, staged.Ids, PoissonSeed);
                backend.Loss.SoftmaxCrossEntropy(t, batch, classes, net.ReadoutScale, output.Data, staged.Labels, logits, losses, grad);
                for (int l = 0; l < hidden.Count; l++)
                {
                    var spikes = hidden[l].Lif.LastSpikes!;
                    backend.Dense.ColumnSum(spikes.Rows, spikes.Shape.Size, spikes.Data, spikeSums[l]);
                    var counts = spikeSums[l].ToArray();
                    int channels = hidden[l].Channels;
                    for (int i = 0; i < counts.Length; i++) spikeCounts[l][i % channels] += counts[i];
                }
                net.Backward(output with { Data = grad });
                for (int l = 0; l < hidden.Count; l++)
                {
                    var product = hidden[l].Lif.LastProduct!.ToArray();
                    ProductFold.Accumulate(product, batch, hidden[l].Positions, hidden[l].Channels, batch, sumSquares[l], sums[l]);
                }
            }

            int n = batches * batch;
            var fsc = new List<double[]>();
            for (int l = 0; l < hidden.Count; l++)
            {
                if (hidden[l].Positions == 1)
                {
                    var fused = fisher[l].ToArray();
                    fsc.Add(fused.Select(v => v * (double)batch * batch / (2.0 * n)).ToArray());
                }
                else
                {
                    fsc.Add(sumSquares[l].Select(v => v / (2.0 * n)).ToArray());
                }
            }
            var taylor = sums.Select(s => s.Select(v => Math.Abs(v / n)).ToArray()).ToList();
            var rates = spikeCounts.Select((c, l) => c.Select(v => v / ((double)t * n * hidden[l].Positions)).ToArray()).ToList();
            return new ActivityStatistics(hidden.Select(h => h.Lif.Name).ToList(), fsc, taylor, rates, n);
        }
        finally
        {
            foreach (var h in hidden) h.Lif.Fisher = null; // training afterwards must not keep accumulating
            foreach (var b in fisher.Concat(spikeSums)) b.Dispose();
            staged.Dispose(); logits.Dispose(); losses.Dispose(); grad.Dispose();
        }
    }
}

/// <summary>The data-driven scores of one measuring pass (<see cref="NeuronScores.Measure"/>), per hidden layer.</summary>
public sealed record ActivityStatistics(IReadOnlyList<string> LayerNames, IReadOnlyList<double[]> Fsc,
    IReadOnlyList<double[]> Taylor, IReadOnlyList<double[]> FiringRate, int Samples);
