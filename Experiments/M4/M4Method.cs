namespace SpikeFit.Experiments.M4;

/// <summary>How a method gets its compressed model from the shared warm start.</summary>
public enum M4Kind
{
    /// <summary>The warm start itself (FP32 reference).</summary>
    Reference,
    /// <summary>Post-training: k-means of the FP32 weights to M (baseline 2).</summary>
    PtqKMeans,
    /// <summary>Post-training: uniform symmetric b-bit, then k-means of the quantized values to M (baseline 3).</summary>
    UniformPtq,
    /// <summary>QAT b-bit with STE, then k-means to M (baseline 4).</summary>
    Qat,
    /// <summary>STE-trained binary α·sign(w) (M = 2), baseline 5.</summary>
    Binary,
    /// <summary>STE-trained ternary TWN (M = 3), baseline 5.</summary>
    Ternary,
    /// <summary>STE-trained uniform 2-bit (M = 4), baseline 5.</summary>
    UniformTwoBit,
    /// <summary>Deep Compression: k-means (linear init) to M, centroids fine-tuned with fixed assignments (baseline 6).</summary>
    DeepCompression,
    /// <summary>SpikeFit CAT at (M, b).</summary>
    Cat,
    /// <summary>CAT, then iterative structured pruning to the neuron budget with a criterion (FSC for SpikeFit).</summary>
    CatPruned,
}

/// <summary>One row of the comparison for one net and seed: a method key, its family, bits and M.</summary>
/// <param name="Key">The runs.csv method name.</param>
/// <param name="Family">reference, baseline, spikefit or pruning.</param>
/// <param name="Bits">Bit-width b (32 for float codebooks or FP32).</param>
/// <param name="M">Number of weight values per codebook (0 for FP32).</param>
/// <param name="Criterion">Pruning criterion for <see cref="M4Kind.CatPruned"/>.</param>
public sealed record M4Method(string Key, M4Kind Kind, string Family, int Bits, int M, string Criterion = "")
{
    /// <summary>Every row of DESIGN §5 plus the SpikeFit rows at M = 4 for the given bit-widths.</summary>
    public static IReadOnlyList<M4Method> All(IReadOnlyList<int> bits, int pruneBits)
    {
        const int m = M4Preset.M;
        var list = new List<M4Method>
        {
            new("fp32", M4Kind.Reference, "reference", 32, 0),
            new("ptq-kmeans", M4Kind.PtqKMeans, "baseline", 32, m),
        };
        list.AddRange(bits.Select(b => new M4Method("uniform-ptq", M4Kind.UniformPtq, "baseline", b, m)));
        list.AddRange(bits.Select(b => new M4Method("qat", M4Kind.Qat, "baseline", b, m)));
        list.Add(new("binary", M4Kind.Binary, "baseline", 1, 2));
        list.Add(new("ternary", M4Kind.Ternary, "baseline", 2, 3));
        list.Add(new("uniform-2bit", M4Kind.UniformTwoBit, "baseline", 2, m));
        list.Add(new("deep-compression", M4Kind.DeepCompression, "baseline", 32, m));
        list.AddRange(bits.Select(b => new M4Method("cat", M4Kind.Cat, "spikefit", b, m)));
        list.Add(new("cat-fsc", M4Kind.CatPruned, "spikefit", pruneBits, m, "fsc"));
        foreach (var c in new[] { "magnitude", "taylor", "firing-rate", "random" })
            list.Add(new($"cat-prune-{c}", M4Kind.CatPruned, "pruning", pruneBits, m, c));
        return list;
    }

    /// <summary>Identifies a row across runs (resume skips rows whose key is already in runs.csv).</summary>
    public string RowKey(string net, int seed) => $"{Key}|{net}|b{Bits}|seed{seed}";
}
