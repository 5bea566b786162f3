using SpikeFit.Training.Compression;

namespace SpikeFit.Tests.Compression;

public sealed class QuantizerTests
{
    static readonly float[] Hand = [-1.0f, -0.2f, 0.1f, 0.5f, 2.0f];

    static float[] Gaussian(int n, int seed)
    {
        var rng = new Random(seed);
        var w = new float[n];
        for (int i = 0; i < n; i++)
            w[i] = (float)(0.1 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return w;
    }

    [Fact]
    public void Ternary_hand_case()
    {
        // mean|w| = 3.8/5 = 0.76, Δ = 0.532; above Δ: 1.0 and 2.0, so α = 1.5.
        Assert.Equal(0.532f, Quantizers.TernaryThreshold(Hand), 6);
        var q = Quantizers.Ternary(Hand);
        Assert.Equal(1.5f, q.Scale, 6);
        Assert.Equal([-1.5f, 0f, 0f, 0f, 1.5f], q.Weights);
        Assert.Equal([-1.5f, 0f, 1.5f], q.Codebook);
        Assert.Equal(3, q.DistinctValues);
    }

    [Fact]
    public void Binary_hand_case()
    {
        var q = Quantizers.Binary(Hand);
        Assert.Equal(0.76f, q.Scale, 6);
        Assert.Equal(new[] { -q.Scale, -q.Scale, q.Scale, q.Scale, q.Scale }, q.Weights);
        Assert.Equal(2, q.DistinctValues);
        Assert.Equal([0.5f, -0.5f], Quantizers.Binary([0f, -1f]).Weights); // sign(0) = +1
    }

    [Fact]
    public void Uniform_symmetric_hand_case()
    {
        // b = 3: s = 2/3; w/s = −1.5, −0.3, 0.15, 0.75, 3 → round half away: −2, 0, 0, 1, 3.
        var q = Quantizers.UniformSymmetric(Hand, 3);
        float s = 2f / 3f;
        Assert.Equal(s, q.Scale, 7);
        Assert.Equal(new[] { -2 * s, 0f, 0f, s, 3 * s }, q.Weights);
        Assert.Equal(7, q.Codebook.Length); // the grid −3s..3s
        Assert.Equal(4, q.DistinctValues);
        Assert.Throws<ArgumentException>(() => Quantizers.UniformSymmetric(Hand, 1));
        var zero = Quantizers.UniformSymmetric([0f, 0f], 4);
        Assert.Equal([0f, 0f], zero.Weights);
        Assert.Equal(1, zero.DistinctValues);
    }

    [Fact]
    public void Uniform_two_bit_hand_case_counts_what_occurs()
    {
        // α = 2, levels ±2, ±2/3 (step 4/3); w/s = −0.75, −0.15, 0.075, 0.375, 1.5.
        var q = Quantizers.UniformTwoBit(Hand);
        float l = 2f * (2f * 2f / 3f) * 0.25f; // 0.5·s = 2/3
        Assert.Equal(2f, q.Scale);
        Assert.Equal(new[] { -l, -l, l, l, 2f }, q.Weights);
        Assert.Equal(4, q.Codebook.Length);
        Assert.Equal(3, q.DistinctValues); // −2 is a level but no weight lands there
    }

    [Fact]
    public void Distinct_counts_come_from_the_outputs()
    {
        var w = Gaussian(4000, Random.Shared.Next());
        Assert.Equal(2, Quantizers.Binary(w).DistinctValues);
        Assert.Equal(3, Quantizers.Ternary(w).DistinctValues);
        Assert.Equal(4, Quantizers.UniformTwoBit(w).DistinctValues);
        var k = Quantizers.KMeans(w, 4, seed: 7, restarts: 3);
        Assert.Equal(4, k.DistinctValues);
        Assert.Equal(k.Codebook, k.Weights.Distinct().Order().ToArray());
        var u = Quantizers.UniformSymmetric(w, 8);
        Assert.Equal(u.Weights.Distinct().Count(), u.DistinctValues);
        Assert.InRange(u.DistinctValues, 2, 255);
        var uk = Quantizers.UniformThenKMeans(w, 8, 4, seed: 1);
        Assert.Equal(4, uk.DistinctValues);
        Assert.Equal(u.Scale, uk.Scale);

        var report = k.Report();
        Assert.Equal(4000, report.Weights);
        Assert.Equal(4, report.DistinctValues);
        Assert.Equal(2, report.BitsPerWeight);
        Assert.Equal(1, Quantizers.Binary(w).Report().BitsPerWeight);
        Assert.Equal(2, Quantizers.Ternary(w).Report().BitsPerWeight);
        Assert.Equal(4000L * 2 + 4 * 32, report.ModelBits);
    }

    [Fact]
    public void Uniform_then_kmeans_clusters_the_quantized_values()
    {
        var w = Gaussian(3000, Random.Shared.Next());
        var u = Quantizers.UniformSymmetric(w, 4);
        var uk = Quantizers.UniformThenKMeans(w, 4, 3, KMeansInit.Linear);
        var direct = KMeans1D.Fit(u.Weights, 3, KMeansInit.Linear);
        Assert.Equal(direct.Snapped(), uk.Weights);
        Assert.Equal(direct.Centroids, uk.Codebook);
    }

    [Fact]
    public void Kmeans_quantizer_is_deterministic_for_a_seed()
    {
        var w = Gaussian(1000, Random.Shared.Next());
        Assert.Equal(Quantizers.KMeans(w, 4, seed: 5).Weights, Quantizers.KMeans(w, 4, seed: 5).Weights);
        Assert.Equal(Quantizers.KMeans(w, 4, seed: 5, restarts: 4).Weights, Quantizers.KMeans(w, 4, seed: 5, restarts: 4).Weights);
    }

    [Fact]
    public void Weight_values_counting()
    {
        Assert.Equal(2, WeightValues.CountDistinct([0f, -0f, 1f, 1f]));
        Assert.Equal(2, WeightValues.CountDistinct([float.NaN, float.NaN, 3f]));
        Assert.Equal([0, 0, 1, 2, 2, 3], new[] { 0, 1, 2, 3, 4, 5 }.Select(WeightValues.BitsFor).ToArray());
        var r = QuantizedLayerReport.FromWeights([0.5f, -0.5f, 0.5f, 0f]);
        Assert.Equal([-0.5f, 0f, 0.5f], r.Codebook);
        Assert.Equal(2, r.BitsPerWeight);
        Assert.True(float.IsNaN(r.Scale));
    }

    [Fact]
    public void Ste_backward_is_identity_and_forward_matches_the_quantizer()
    {
        var w = Gaussian(257, Random.Shared.Next());
        var g = Gaussian(257, Random.Shared.Next());
        var gw = new float[w.Length];
        Array.Fill(gw, float.NaN);
        Ste.Backward(g, gw);
        Assert.Equal(g, gw);
        var q = new float[w.Length];
        float a = Ste.Forward(SteQuantizer.Ternary, w, q);
        Assert.Equal(Quantizers.Ternary(w).Weights, q);
        Assert.Equal(Quantizers.Ternary(w).Scale, a);
    }

    [Fact]
    public void Lsq_hand_case()
    {
        // b = 2: Q_N = 2, Q_P = 1, s = 1. w/s = 0.3 (inside, round 0), 5 (above), −5 (below), −1.6 (inside, round −2).
        float[] w = [0.3f, 5f, -5f, -1.6f];
        var q = new float[4];
        Ste.LsqForward(w, 1f, 2, q);
        Assert.Equal([0f, 1f, -2f, -2f], q);
        var gw = new float[4];
        float gs = Ste.LsqBackward(w, 1f, 2, [1f, 1f, 1f, 1f], gw);
        Assert.Equal([1f, 0f, 0f, 1f], gw);
        // Σ = (0 − 0.3) + 1 + (−2) + (−2 + 1.6) = −1.7, scaled by 1/√(N·Q_P) = 1/2.
        Assert.Equal(-0.85f, gs, 5);
    }
}
