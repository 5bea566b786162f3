using SpikeFit.Kernels.Checks;
using SpikeFit.Kernels.Core;
using SpikeFit.Kernels.Dense;
using SpikeFit.Tests.Infrastructure;

namespace SpikeFit.Tests.Kernels;

/// <summary>Rounding to TF32/BF16 (round to nearest even) on known values.</summary>
public class GemmRoundingTests
{
    [Theory]
    [InlineData(1f + 1f / 256, GemmPrecision.Bf16, 1f)]                      // half an ulp (2^-7): ties to even, down
    [InlineData(1f + 3f / 256, GemmPrecision.Bf16, 1f + 1f / 64)]             // 1.5 ulp: ties to even, up
    [InlineData(1f + 1f / 256 + 1f / 65536, GemmPrecision.Bf16, 1f + 1f / 128)] // just above half: up
    [InlineData(-1f - 1f / 2048, GemmPrecision.Tf32, -1f)]                   // half an ulp (2^-10): ties to even
    [InlineData(1f + 1f / 2048 + 1f / (1 << 20), GemmPrecision.Tf32, 1f + 1f / 1024)]
    [InlineData(1f + 1f / (1 << 20), GemmPrecision.Fp32, 1f + 1f / (1 << 20))] // fp32: unchanged
    [InlineData(1f, GemmPrecision.Bf16, 1f)]                                 // spikes are exact
    [InlineData(0f, GemmPrecision.Bf16, 0f)]
    public void Rounds_to_nearest_even(float x, GemmPrecision p, float expected) => Assert.Equal(expected, GemmRounding.Round(x, p));

    [Fact]
    public void Infinity_and_nan_pass_unchanged()
    {
        Assert.Equal(float.PositiveInfinity, GemmRounding.Round(float.PositiveInfinity, GemmPrecision.Bf16));
        Assert.True(float.IsNaN(GemmRounding.Round(float.NaN, GemmPrecision.Tf32)));
    }

    [Fact]
    public void Unknown_precision_is_refused_naming_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => GemmRounding.Parse("fp16"));
        Assert.Contains("fp32, tf32 or bf16", e.Message);
    }
}

/// <summary>
/// GEMM at reduced input precision on every backend: equal (within float32 accumulation's tolerance)
/// to the float64 product of the rounded operands, and measurably different from the unrounded product
/// (so the rounding really happens); float32, the default, unchanged bit for bit.
/// </summary>
public abstract class GemmPrecisionTests : BackendTestBase
{
    [SkippableTheory]
    [InlineData(GemmPrecision.Tf32, false, false)]
    [InlineData(GemmPrecision.Bf16, false, false)]
    [InlineData(GemmPrecision.Bf16, true, false)]
    [InlineData(GemmPrecision.Tf32, false, true)]
    public void Matches_the_float64_product_of_the_rounded_operands(GemmPrecision p, bool transA, bool spikesA)
    {
        var backend = Backend;
        var op = new GemmOp(37, 29, 300, TransA: transA, TransB: true);
        var rng = new Random(FreshSeed());
        var a = spikesA ? DenseCheck.Binary(rng, op.LengthA, 0.2) : TestData.Normal(rng, op.LengthA);
        var b = TestData.Normal(rng, op.LengthB);
        var round = (float[] v) => Array.ConvertAll(v, x => (double)GemmRounding.Round(x, p));
        var (expected, magnitude) = DenseReference.Gemm(op, round(a), round(b), new double[op.LengthC]);
        var (unrounded, _) = DenseReference.Gemm(op, TestData.ToDouble(a), TestData.ToDouble(b), new double[op.LengthC]);
        var c = Run(backend, op, a, b, p);
        double err = DenseCheck.GemmError(c, expected, magnitude);
        Assert.True(err <= DenseCheck.GemmTolerance(op.K), $"{p}: error {err:E2} against the rounded reference");
        double fromUnrounded = DenseCheck.GemmError(c, unrounded, magnitude);
        Assert.True(fromUnrounded > 3 * DenseCheck.GemmTolerance(op.K), $"{p}: only {fromUnrounded:E2} from the unrounded product: was the rounding applied?");
    }

    [SkippableFact]
    public void Fp32_is_the_default_and_unchanged_bit_for_bit()
    {
        var backend = Backend;
        Assert.Equal(GemmPrecision.Fp32, backend.Dense.Precision);
        var op = new GemmOp(20, 33, 70);
        var rng = new Random(FreshSeed());
        var a = TestData.Normal(rng, op.LengthA);
        var b = TestData.Normal(rng, op.LengthB);
        var before = Run(backend, op, a, b, GemmPrecision.Fp32);
        Run(backend, op, a, b, GemmPrecision.Bf16);
        Assert.Equal(before, Run(backend, op, a, b, GemmPrecision.Fp32));
    }

    private static float[] Run(Backend backend, GemmOp op, float[] a, float[] b, GemmPrecision p)
    {
        using var da = backend.Upload<float>(a);
        using var db = backend.Upload<float>(b);
        using var dc = backend.Allocate<float>(op.LengthC);
        backend.Dense.Precision = p;
        try
        {
            backend.Dense.Gemm(op, da, db, dc);
            return dc.ToArray();
        }
        finally { backend.Dense.Precision = GemmPrecision.Fp32; }
    }
}
