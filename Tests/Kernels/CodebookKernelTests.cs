using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class CodebookKernelTests : BackendTestBase
{
    // ------------------------------------------------------------ random checks vs float64 reference

    [SkippableTheory]
    [InlineData(CodebookScope.Layer, 2)]
    [InlineData(CodebookScope.Layer, 4)]
    [InlineData(CodebookScope.Layer, 16)]
    [InlineData(CodebookScope.Layer, 256)]
    [InlineData(CodebookScope.Neuron, 2)]
    [InlineData(CodebookScope.Neuron, 4)]
    [InlineData(CodebookScope.Neuron, 16)]
    [InlineData(CodebookScope.Neuron, 256)]
    public void AssignGather_matches_reference(CodebookScope scope, int m) =>
        RunCheck(new CodebookCheck.AssignGather(scope, m));

    [SkippableTheory]
    [InlineData(CodebookScope.Layer, 2)]
    [InlineData(CodebookScope.Layer, 4)]
    [InlineData(CodebookScope.Layer, 16)]
    [InlineData(CodebookScope.Layer, 64)]
    [InlineData(CodebookScope.Layer, 256)]
    [InlineData(CodebookScope.Layer, 512)]
    [InlineData(CodebookScope.Neuron, 2)]
    [InlineData(CodebookScope.Neuron, 4)]
    [InlineData(CodebookScope.Neuron, 16)]
    [InlineData(CodebookScope.Neuron, 256)]
    public void CentroidGradient_matches_reference(CodebookScope scope, int m) =>
        RunCheck(new CodebookCheck.CentroidGradient(scope, m));

    [SkippableTheory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void Project_matches_reference(int bits) => RunCheck(new CodebookCheck.Project(bits));

    [SkippableTheory]
    [InlineData(CodebookScope.Layer, 2, 2)]
    [InlineData(CodebookScope.Layer, 4, 2)]
    [InlineData(CodebookScope.Layer, 4, 4)]
    [InlineData(CodebookScope.Layer, 8, 3)]
    [InlineData(CodebookScope.Layer, 16, 8)]
    [InlineData(CodebookScope.Layer, 256, 8)]
    [InlineData(CodebookScope.Neuron, 4, 2)]
    [InlineData(CodebookScope.Neuron, 4, 4)]
    [InlineData(CodebookScope.Neuron, 16, 4)]
    public void ProjectDistinct_matches_reference(CodebookScope scope, int m, int bits) =>
        RunCheck(new CodebookCheck.ProjectDistinct(scope, m, bits));

    [SkippableTheory]
    [InlineData(CodebookScope.Layer, 16)]
    [InlineData(CodebookScope.Neuron, 4)]
    public void Gather_matches_reference(CodebookScope scope, int m) => RunCheck(new CodebookCheck.Gather(scope, m));

    [SkippableFact]
    public void Accumulate_matches_reference() => RunCheck(new CodebookCheck.Accumulate());

    // ------------------------------------------------------------ hand-computed cases

    private (int[] A, float[] Q) Assign(CodebookShape shape, float[] w, float[] c)
    {
        var b = Backend;
        using var dW = b.Upload<float>(w);
        using var dC = b.Upload<float>(c);
        using var dA = b.Allocate<int>(w.Length);
        using var dQ = b.Allocate<float>(w.Length);
        dA.Fill(-1);
        dQ.Fill(float.NaN);
        b.Codebook.AssignGather(shape, dW, dC, dA, dQ);
        return (dA.ToArray(), dQ.ToArray());
    }

    private float[] Gradient(CodebookShape shape, float[] g, int[] a)
    {
        var b = Backend;
        using var dG = b.Upload<float>(g);
        using var dA = b.Upload<int>(a);
        using var dOut = b.Allocate<float>(shape.CodebookLength);
        dOut.Fill(float.NaN);
        b.Codebook.CentroidGradient(shape, dG, dA, dOut);
        return dOut.ToArray();
    }

    private (float[] P, float Scale) Project(int bits, float[] c)
    {
        var b = Backend;
        using var dC = b.Upload<float>(c);
        using var dP = b.Allocate<float>(c.Length);
        using var dS = b.Allocate<float>(1);
        dP.Fill(float.NaN);
        dS.Fill(float.NaN);
        b.Codebook.Project(c.Length, bits, dC, dP, dS);
        return (dP.ToArray(), dS.ToArray()[0]);
    }

    [SkippableFact]
    public void AssignGather_hand_case_picks_nearest_entry()
    {
        var (a, q) = Assign(new CodebookShape(1, 5, 4), new[] { -0.9f, -0.1f, 0.05f, 0.7f, 0.31f }, new[] { -1f, 0f, 0.3f, 1f });
        Assert.Equal(new[] { 0, 1, 1, 3, 2 }, a);
        Assert.Equal(new[] { -1f, 0f, 0f, 1f, 0.3f }, q);
    }

    [SkippableFact]
    public void AssignGather_exact_tie_goes_to_lower_index()
    {
        // 0.5 is exactly halfway between 0 and 1 in float32; the lower index wins whatever its value.
        var (a, q) = Assign(new CodebookShape(1, 1, 2), new[] { 0.5f }, new[] { 0f, 1f });
        Assert.Equal(0, a[0]);
        Assert.Equal(0f, q[0]);
        (a, q) = Assign(new CodebookShape(1, 1, 2), new[] { 0.5f }, new[] { 1f, 0f });
        Assert.Equal(0, a[0]);
        Assert.Equal(1f, q[0]);

        // 37 weights, so the ties also go through full SIMD lanes: exact midpoints (0.5, −0.5) and a
        // duplicated entry (1 at indices 1 and 3) must all resolve to the lower index.
        var c = new[] { 0f, 1f, -1f, 1f };
        var pattern = new[] { 0.5f, 1f, -0.5f, 0.75f };
        var w = new float[37];
        var expected = new int[37];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = pattern[i % 4];
            expected[i] = new[] { 0, 1, 0, 1 }[i % 4];
        }
        (a, q) = Assign(new CodebookShape(1, w.Length, c.Length), w, c);
        Assert.Equal(expected, a);
        for (int i = 0; i < w.Length; i++) Assert.Equal(c[expected[i]], q[i]);
    }

    [SkippableFact]
    public void AssignGather_handles_unsorted_codebook_and_vector_tail()
    {
        // 19 weights: exercises full SIMD lanes and the scalar tail of the managed path.
        var c = new[] { 0.5f, -0.5f, 0f, -1f, 1f };
        var w = new float[19];
        for (int i = 0; i < w.Length; i++) w[i] = -1.1f + 0.12f * i;
        var (a, q) = Assign(new CodebookShape(1, w.Length, c.Length), w, c);
        var (refA, refQ, _) = CodebookReference.AssignGather(new CodebookShape(1, w.Length, c.Length), w, c);
        Assert.Equal(refA, a);
        Assert.Equal(TestData.ToFloat(refQ), q);
    }

    [SkippableFact]
    public void AssignGather_per_neuron_scope_uses_each_rows_codebook()
    {
        // Same weights in both rows, different codebooks.
        var w = new[] { -0.6f, 0.1f, 0.45f, -0.6f, 0.1f, 0.45f };
        var c = new[] { -1f, 0f, 1f, /* row 1 */ -0.5f, 0.2f, 0.4f };
        var (a, q) = Assign(new CodebookShape(2, 3, 3), w, c);
        Assert.Equal(new[] { 0, 1, 1, 0, 1, 2 }, a);
        Assert.Equal(new[] { -1f, 0f, 0f, -0.5f, 0.2f, 0.4f }, q);
    }

    [SkippableFact]
    public void CentroidGradient_hand_case_sums_members_per_group()
    {
        var shape = new CodebookShape(2, 3, 2);
        var grad = Gradient(shape, new[] { 1f, 2f, 3f, 4f, 5f, 6f }, new[] { 0, 1, 0, 1, 1, 0 });
        Assert.Equal(new[] { 4f, 2f, 6f, 9f }, grad);
    }

    [SkippableFact]
    public void CentroidGradient_empty_centroid_is_zero()
    {
        var shape = new CodebookShape(1, 4, 4);
        var grad = Gradient(shape, new[] { 1f, -2f, 0.5f, 0.25f }, new[] { 3, 3, 0, 3 });
        Assert.Equal(new[] { 0.5f, 0f, 0f, -0.75f }, grad);
    }

    [SkippableTheory]
    [InlineData(4)]
    [InlineData(16)]
    public void CentroidGradient_is_deterministic(int m)
    {
        // Deterministic on cpu (fixed chunks, fixed-order combine) and on ILGPU for M ≤ 64 (slot kernel).
        var backend = Backend;
        var shape = CodebookCheck.ShapeFor(Size, CodebookScope.Layer, m);
        var rng = new Random(FreshSeed());
        var g = TestData.Normal(rng, shape.Weights);
        var a = CodebookCheck.Assignments(rng, shape);
        var first = Gradient(shape, g, a);
        var second = Gradient(shape, g, a);
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
    }

    [SkippableFact]
    public void Project_4bit_hand_case()
    {
        // Δ = 0.7 / 7 = 0.1; every value is already on the grid.
        var (p, scale) = Project(4, new[] { -0.7f, -0.1f, 0.2f, 0.7f });
        Assert.Equal(0.1, scale, 1e-7);
        var expected = new[] { -0.7, -0.1, 0.2, 0.7 };
        for (int i = 0; i < p.Length; i++) Assert.Equal(expected[i], p[i], 1e-6);
    }

    [SkippableFact]
    public void Project_2bit_hand_case_rounds_half_away_from_zero()
    {
        // 2 bits: grid {−2Δ, −Δ, 0, Δ} with Δ = max|c| = 0.8. c/Δ = [−1, −0.5, 0.125, 0.5, 1, 0.3]:
        // ±0.5 round away from zero (banker's rounding would give 0).
        var (p, scale) = Project(2, new[] { -0.8f, -0.4f, 0.1f, 0.4f, 0.8f, 0.24f });
        Assert.Equal(0.8f, scale);
        Assert.Equal(new[] { -0.8f, -0.8f, 0f, 0.8f, 0.8f, 0f }, p);
    }

    [SkippableFact]
    public void Project_all_zero_codebook_gives_zero_scale()
    {
        var (p, scale) = Project(4, new float[6]);
        Assert.Equal(0f, scale);
        Assert.All(p, x => Assert.Equal(0f, x));
    }

    [SkippableFact]
    public void Project_in_place_matches_out_of_place()
    {
        var b = Backend;
        var c = TestData.Normal(new Random(FreshSeed()), 300, 0.3f);
        var (expected, scale) = Project(3, c);
        using var d = b.Upload<float>(c);
        using var s = b.Allocate<float>(1);
        b.Codebook.Project(c.Length, 3, d, d, s);
        Assert.Equal(expected, d.ToArray());
        Assert.Equal(scale, s.ToArray()[0]);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(-4)]
    public void Project_rejects_invalid_bits(int bits)
    {
        var b = Backend;
        using var c = b.Allocate<float>(4);
        using var s = b.Allocate<float>(1);
        var e = Assert.Throws<ArgumentException>(() => b.Codebook.Project(4, bits, c, c, s));
        Assert.Contains(bits.ToString(), e.Message);
    }

    private (float[] P, float Scale) ProjectDistinct(int groups, int m, int bits, float[] c)
    {
        var b = Backend;
        using var dC = b.Upload<float>(c);
        using var dP = b.Allocate<float>(c.Length);
        using var dS = b.Allocate<float>(1);
        dP.Fill(float.NaN);
        dS.Fill(float.NaN);
        b.Codebook.ProjectDistinct(groups, m, bits, dC, dP, dS);
        return (dP.ToArray(), dS.ToArray()[0]);
    }

    [SkippableFact]
    public void ProjectDistinct_hand_case_spreads_colliding_levels()
    {
        // M = 4 = 2^2: Δ = 0.8 / 2 = 0.4. c/Δ = [0.25, 0.275, 0.3, 2] rounds to [0, 0, 0, 1 (clamped)];
        // the fix moves them up to [0, 1, 2, 3], the top back to qMax = 1, then down: [−2, −1, 0, 1].
        var (p, scale) = ProjectDistinct(1, 4, 2, new[] { 0.1f, 0.11f, 0.12f, 0.8f });
        Assert.Equal(0.4f, scale);
        Assert.Equal(new[] { -0.8f, -0.4f, 0f, 0.4f }, p);
    }

    [SkippableFact]
    public void ProjectDistinct_keeps_each_groups_order_and_shares_one_scale()
    {
        // Two groups of M = 3 on 4 bits (d = 7): Δ = 0.7 / 7 = 0.1 from group 1's largest value.
        // Group 0 is unsorted and collides twice at level 1: sorted by level (ties by index) the
        // levels [1, 1, 1] become [1, 2, 3]. Group 1 is already distinct.
        var (p, scale) = ProjectDistinct(2, 3, 4, new[] { 0.12f, 0.09f, 0.1f, -0.7f, 0f, 0.31f });
        float d = 0.7f / 7;
        Assert.Equal(d, scale);
        Assert.Equal(new[] { d, d * 2, d * 3, d * -7, 0f, d * 3 }, p);
    }

    [SkippableFact]
    public void ProjectDistinct_all_zero_codebook_gives_zero()
    {
        var (p, scale) = ProjectDistinct(2, 4, 4, new float[8]);
        Assert.Equal(0f, scale);
        Assert.All(p, x => Assert.Equal(0f, x));
    }

    [SkippableFact]
    public void ProjectDistinct_in_place_matches_out_of_place()
    {
        var b = Backend;
        var c = CodebookCheck.ProjectDistinct.Latent(new Random(FreshSeed()), 24, 4);
        var (expected, scale) = ProjectDistinct(24, 4, 2, c);
        using var d = b.Upload<float>(c);
        using var s = b.Allocate<float>(1);
        b.Codebook.ProjectDistinct(24, 4, 2, d, d, s);
        Assert.Equal(expected, d.ToArray());
        Assert.Equal(scale, s.ToArray()[0]);
    }

    [SkippableFact]
    public void ProjectDistinct_rejects_a_codebook_larger_than_the_grid()
    {
        var b = Backend;
        using var c = b.Allocate<float>(8);
        using var s = b.Allocate<float>(1);
        var e = Assert.Throws<ArgumentException>(() => b.Codebook.ProjectDistinct(1, 8, 2, c, c, s));
        Assert.Contains("2-bit", e.Message);
    }

    [SkippableFact]
    public void Accumulate_sums_in_call_order()
    {
        var b = Backend;
        using var p0 = b.Upload<float>(new[] { 1f, -2f, 3f });
        using var p1 = b.Upload<float>(new[] { 0.5f, 2f, -1f });
        using var total = b.Allocate<float>(3);
        total.Fill(float.NaN); // first = true must overwrite, not add
        b.Codebook.Accumulate(3, p0, total, first: true);
        b.Codebook.Accumulate(3, p1, total, first: false);
        Assert.Equal(new[] { 1.5f, 0f, 2f }, total.ToArray());
    }

    [SkippableFact]
    public void Wrong_buffer_size_is_rejected_with_the_buffer_name()
    {
        var b = Backend;
        var shape = new CodebookShape(2, 8, 4);
        using var w = b.Allocate<float>(16);
        using var c = b.Allocate<float>(7);
        using var a = b.Allocate<int>(16);
        using var q = b.Allocate<float>(16);
        var e = Assert.Throws<ArgumentException>(() => b.Codebook.AssignGather(shape, w, c, a, q));
        Assert.Contains("codebooks", e.Message);
    }
}
