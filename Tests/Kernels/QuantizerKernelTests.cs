using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Quantize;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

public abstract class QuantizerKernelTests : BackendTestBase
{
    [SkippableTheory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void Uniform_matches_reference(int bits) => RunCheck(new QuantizerCheck(QuantizerKind.UniformSymmetric, bits));

    [SkippableTheory]
    [InlineData(QuantizerKind.Binary)]
    [InlineData(QuantizerKind.Ternary)]
    [InlineData(QuantizerKind.UniformTwoBit)]
    public void Quantizer_matches_reference(QuantizerKind kind) => RunCheck(new QuantizerCheck(kind));

    private (float[] Q, float Scale) Quantize(QuantizerKind kind, int bits, float[] w)
    {
        var b = Backend;
        using var dW = b.Upload<float>(w);
        using var dQ = b.Allocate<float>(w.Length);
        using var dS = b.Allocate<float>(1);
        dQ.Fill(float.NaN);
        dS.Fill(float.NaN);
        b.Quantizer.Quantize(kind, bits, w.Length, dW, dQ, dS);
        return (dQ.ToArray(), dS.ToArray()[0]);
    }

    [SkippableFact]
    public void Hand_cases()
    {
        var w = new[] { -0.9f, -0.2f, 0f, 0.1f, 0.7f };
        // Uniform 3-bit: s = 0.9 / 3 = 0.3; w/s = [−3, −0.67, 0, 0.33, 2.33].
        var (q, s) = Quantize(QuantizerKind.UniformSymmetric, 3, w);
        Assert.Equal(0.9f / 3, s);
        Assert.Equal(new[] { s * -3f, s * -1f, 0f, 0f, s * 2f }, q);
        // Binary: α = mean|w| = 1.9 / 5 = 0.38; sign(0) = +.
        (q, s) = Quantize(QuantizerKind.Binary, 0, w);
        Assert.Equal(0.38f, s, 1e-6f);
        Assert.Equal(new[] { -s, -s, s, s, s }, q);
        // Ternary: Δ = 0.7 · 0.38 = 0.266; kept |w| = {0.9, 0.7}, α = 0.8.
        (q, s) = Quantize(QuantizerKind.Ternary, 0, w);
        Assert.Equal(0.8f, s, 1e-6f);
        Assert.Equal(new[] { -s, 0f, 0f, 0f, s }, q);
        // 2-bit: α = 0.9, step 0.6: w/step = [−1.5, −0.33, 0, 0.17, 1.17] → levels −1.5, −0.5, 0.5, 0.5, 1.5.
        (q, s) = Quantize(QuantizerKind.UniformTwoBit, 0, w);
        Assert.Equal(0.9f, s);
        float step = 2f * 0.9f / 3f;
        Assert.Equal(new[] { -1.5f * step, -0.5f * step, 0.5f * step, 0.5f * step, 1.5f * step }, q);
    }

    [SkippableTheory]
    [InlineData(QuantizerKind.UniformSymmetric)]
    [InlineData(QuantizerKind.Binary)]
    [InlineData(QuantizerKind.Ternary)]
    [InlineData(QuantizerKind.UniformTwoBit)]
    public void All_zero_weights_give_zero(QuantizerKind kind)
    {
        var (q, s) = Quantize(kind, 8, new float[10]);
        Assert.Equal(0f, s);
        Assert.All(q, x => Assert.Equal(0f, Math.Abs(x)));
    }

    [SkippableFact]
    public void Results_are_deterministic()
    {
        var w = SpikeFit.Kernels.Checks.TestData.Normal(new Random(FreshSeed()), 20000, 0.1f);
        foreach (var kind in Enum.GetValues<QuantizerKind>())
        {
            var first = Quantize(kind, 4, w);
            var second = Quantize(kind, 4, w);
            Assert.Equal(BitConverter.SingleToInt32Bits(first.Scale), BitConverter.SingleToInt32Bits(second.Scale));
            Assert.Equal(first.Q, second.Q);
        }
    }

    [SkippableFact]
    public void Invalid_bits_are_rejected()
    {
        var b = Backend;
        using var w = b.Allocate<float>(4);
        using var s = b.Allocate<float>(1);
        var e = Assert.Throws<ArgumentException>(() => b.Quantizer.Quantize(QuantizerKind.UniformSymmetric, 1, 4, w, w, s));
        Assert.Contains("bits=1", e.Message);
    }
}

