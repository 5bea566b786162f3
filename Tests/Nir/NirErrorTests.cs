using SpikeFit.Training.Nir;
using static SpikeFit.Tests.Nir.NirTestSupport;

namespace SpikeFit.Tests.Nir;

/// <summary>What the importer refuses, and that every refusal names the node or the file.</summary>
public class NirErrorTests
{
    /// <summary>Input [12] → Affine 'fc' [8, 12] → LIF 'lif' → Affine 'head' [5, 8] → LI 'li' → Output.</summary>
    private static NirGraph Valid()
    {
        var rng = new Random(1);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        double[] Fill(int n, double v) => Enumerable.Repeat(v, n).ToArray();
        NirNode Lif(int n) => new NirNode("LIF").With("tau", NirTensor.Of(Fill(n, 1e-3), (ulong)n)).With("r", NirTensor.Of(Fill(n, 10), (ulong)n))
            .With("v_leak", NirTensor.Of(Fill(n, 0), (ulong)n)).With("v_threshold", NirTensor.Of(Fill(n, 1), (ulong)n)).With("v_reset", NirTensor.Of(Fill(n, 0), (ulong)n));
        return new NirGraph().Chain(
            ("input", new NirNode("Input").With("shape", NirTensor.Of(new long[] { 12 }, 1))),
            ("fc", new NirNode("Affine").With("weight", NirTensor.Of(R(96), 8, 12)).With("bias", NirTensor.Of(R(8), 8))),
            ("lif", Lif(8)),
            ("head", new NirNode("Affine").With("weight", NirTensor.Of(R(40), 5, 8)).With("bias", NirTensor.Of(R(5), 5))),
            ("li", new NirNode("LI").With("tau", NirTensor.Of(Fill(5, 1e-3), 5)).With("r", NirTensor.Of(Fill(5, 10), 5)).With("v_leak", NirTensor.Of(Fill(5, 0), 5))),
            ("output", new NirNode("Output").With("shape", NirTensor.Of(new long[] { 5 }, 1))));
    }

    [Fact]
    public void TheValidGraph_Imports()
    {
        var import = NirImporter.Import(Valid());
        Assert.Equal(new[] { 8 }, import.Spec.Hidden);
        Assert.Equal(0.9f, import.Spec.Beta);
    }

    [Theory]
    [InlineData("Delay")]
    [InlineData("CubaLIF")]
    [InlineData("Conv1d")]
    public void UnsupportedNode_IsNamedWithItsType(string type)
    {
        var g = Valid();
        g.Nodes["lif"] = new NirNode(type).With("delay", NirTensor.Of(new double[8], 8));
        var e = Assert.ThrowsAny<Exception>(() => NirImporter.Import(g, source: "g.nir"));
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("'lif'", e.Message);
        Assert.Contains(type, e.Message);
    }

    [Fact]
    public void DanglingEdge_NamesTheMissingNode()
    {
        var g = Valid();
        g.Edges.Add(("lif", "ghost"));
        var e = Assert.Throws<InvalidDataException>(() => NirImporter.Import(g, source: "g.nir"));
        Assert.Contains("'ghost'", e.Message);
        Assert.Contains("dangling", e.Message);
    }

    [Fact]
    public void Branch_IsRefusedNamingTheNode()
    {
        var g = Valid();
        g.Edges.Add(("lif", "li"));
        var e = Assert.Throws<InvalidDataException>(() => NirImporter.Import(g));
        Assert.Contains("'lif'", e.Message);
    }

    [Fact]
    public void ShapeMismatch_NamesBothNodes()
    {
        var g = Valid();
        g.Nodes["head"] = new NirNode("Affine").With("weight", NirTensor.Of(new float[5 * 9], 5, 9)).With("bias", NirTensor.Of(new float[5], 5));
        var e = Assert.Throws<InvalidDataException>(() => NirImporter.Import(g));
        Assert.Contains("'head'", e.Message);
        Assert.Contains("'lif'", e.Message);
        Assert.Contains("shape mismatch", e.Message);
    }

    [Fact]
    public void PerNeuronTimeConstants_AreRefusedNamingTheNode()
    {
        var g = Valid();
        g.Nodes["lif"].Fields["tau"] = NirTensor.Of(Enumerable.Range(1, 8).Select(i => i * 1e-3).ToArray(), 8);
        var e = Assert.Throws<InvalidDataException>(() => NirImporter.Import(g));
        Assert.Contains("'lif'", e.Message);
        Assert.Contains("tau", e.Message);
    }

    [Fact]
    public void TruncatedFile_NamesTheFile()
    {
        string dir = TempDir();
        string full = Path.Combine(dir, "full.nir"), cut = Path.Combine(dir, "cut.nir");
        NirFile.Write(Valid(), full);
        var bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => NirFile.Read(cut));
        Assert.Contains(cut, e.Message);
    }

    [Fact]
    public void NonHdf5File_NamesTheFile()
    {
        string path = Path.Combine(TempDir(), "notes.nir");
        File.WriteAllText(path, "this is not an HDF5 file, just text that is long enough to be read as a header\n");
        var e = Assert.Throws<InvalidDataException>(() => NirFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("HDF5", e.Message);
    }

    [Fact]
    public void MissingFile_NamesTheFile()
    {
        string path = Path.Combine(TempDir(), "absent.nir");
        var e = Assert.Throws<FileNotFoundException>(() => NirFile.Read(path));
        Assert.Contains(path, e.Message);
    }
}
