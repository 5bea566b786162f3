using SpikeFit.Experiments.Sweep;
using Xunit.Abstractions;

namespace SpikeFit.Tests.Experiments;

/// <summary>Grid files: validation with errors naming the file, key and fix; deterministic expansion, ids and hashes.</summary>
public sealed class SweepGridTests(ITestOutputHelper output) : SweepTestBase(output)
{
    [Theory]
    [InlineData("""{"grid": {"lrr": [0.1]}}""", "grid.lrr", "did you mean 'lr'?")]
    [InlineData("""{"base": {"codebook-m": 4}}""", "base.codebook-m", "did you mean 'codebook_m'?")]
    [InlineData("""{"grid": {"t": [4]}}""", "grid.t", "did you mean 'T'?")]
    [InlineData("""{"gird": {"lr": [0.1]}}""", "gird", "did you mean 'grid'?")]
    [InlineData("""{"grid": {"T": [8, "16"]}}""", "grid.T[1]", "expected an integer")]
    [InlineData("""{"grid": {"T": [8.5]}}""", "grid.T[0]", "expected an integer")]
    [InlineData("""{"grid": {"lr": "0.1"}}""", "grid.lr", "must be a list of values")]
    [InlineData("""{"grid": {"lr": []}}""", "grid.lr", "empty list")]
    [InlineData("""{"grid": {"seed": [1, 2, 1]}}""", "grid.seed", "lists 1 twice")]
    [InlineData("""{"grid": {"lr": [0.001, 1e-3]}}""", "grid.lr", "lists 0.001 twice")]
    [InlineData("""{"grid": [1, 2]}""", "grid", "must be a JSON object")]
    [InlineData("""{"base": 3}""", "base", "must be a JSON object")]
    [InlineData("""{"grid": {"lr": [0.1], "lr": [0.2]}}""", "grid.lr", "appears twice")]
    [InlineData("""{"base": {"lr": 0.1}, "grid": {"lr": [0.2]}}""", "grid.lr", "both \"base\" and \"grid\"")]
    [InlineData("""{"base": {"lr": [0.1, 0.2]}}""", "base.lr", "move it to \"grid\"")]
    [InlineData("""{"grid": {"method": ["fp32", "ptq"]}}""", "grid.method[1]", "unknown method 'ptq'; known: fp32")]
    [InlineData("""{"base": {"schedule": "cosin"}}""", "base.schedule", "is not one of Constant, Cosine, Step")]
    [InlineData("""{"base": {"max_batches": null, "epochs": null}}""", "base.epochs", "null is not allowed")]
    [InlineData("""{"grid": {"lr": [0.001, -1]}}""", "point 0001-", "learning rate must be positive")]
    [InlineData("""{"base": {"codebook_m": 32, "codebook_bits": 4}}""", "point 0000-", "codebook_m must be in 2..16")]
    [InlineData("""{"name": "a b", "grid": {"lr": [0.1]}}""", "name", "letters, digits")]
    [InlineData("""{"description": "only this"}""", "", "neither \"base\" nor \"grid\"")]
    [InlineData("""[1, 2]""", "", "must be a JSON object")]
    [InlineData("""{"grid": {"lr": [0.1,}""", "", "not valid JSON")]
    public void MalformedGridsNameTheFileTheKeyAndTheFix(string json, string key, string fragment)
    {
        var e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse(json, "my-grid.json", SweepMethods.WithTraining()));
        Assert.StartsWith("my-grid.json: ", e.Message);
        Assert.StartsWith(key, e.Key);
        Assert.Contains(fragment, e.Message);
        Assert.IsAssignableFrom<ArgumentException>(e); // the CLI prints it as one clear line, exit 2
    }

    [Fact]
    public void MissingGridFileIsAClearError()
    {
        var e = Assert.Throws<SweepGridException>(() => SweepGrid.Load(Path.Combine(_root, "nope.json"), SweepMethods.WithTraining()));
        Assert.Contains("nope.json: file not found", e.Message);
    }

    [Fact]
    public void ExpansionIsSortedKeysValuesInFileOrderLastKeyFastest()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse("""{"base": {"method": "fake"}, "grid": {"seed": [2, 1], "lr": [0.1, 0.2], "hidden": [8, [4, 4]]}}""", "g.json", methods);
        Assert.Equal(["hidden", "lr", "seed"], grid.AxisKeys);
        Assert.Equal(["hidden", "lr", "method", "seed"], grid.Keys);
        var order = grid.Points.Select(p => $"{p.Text("hidden")}/{p.Text("lr")}/{p.Text("seed")}").ToList();
        Assert.Equal(["8/0.1/2", "8/0.1/1", "8/0.2/2", "8/0.2/1", "4-4/0.1/2", "4-4/0.1/1", "4-4/0.2/2", "4-4/0.2/1"], order);
        Assert.Equal(Enumerable.Range(0, 8), grid.Points.Select(p => p.Index));
        Assert.All(grid.Points, p => Assert.Matches(@"^\d{4}-[0-9a-f]{8}$", p.Id));
        Assert.Equal(grid.Points.Count, grid.Points.Select(p => p.Id[5..]).Distinct().Count());
        Assert.Equal([4, 4], grid.Points[4].GetIntList("hidden", []));
    }

    [Fact]
    public void IdsAndHashAreStableAcrossSpellingsButNotValues()
    {
        var (methods, _) = Fake();
        var a = SweepGrid.Parse("""{"name": "a", "base": {"method": "fake", "epochs": 2}, "grid": {"lr": [0.001, 0.01], "seed": [1, 2]}}""", "a.json", methods);
        // Other key order, other number spellings, a comment, another name: the same grid.
        var b = SweepGrid.Parse("""
            // same points
            {"grid": {"seed": [1, 2], "lr": [1e-3, 1.0E-2]}, "base": {"epochs": 2, "method": "fake"}, "name": "b",}
            """, "b.json", methods);
        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal(a.Points.Select(p => p.Id), b.Points.Select(p => p.Id));
        var c = SweepGrid.Parse("""{"base": {"method": "fake", "epochs": 3}, "grid": {"lr": [0.001, 0.01], "seed": [1, 2]}}""", "c.json", methods);
        Assert.NotEqual(a.Hash, c.Hash);
        Assert.All(a.Points.Zip(c.Points), pair => Assert.NotEqual(pair.First.Id, pair.Second.Id));
        // Value order is part of the grid: it decides the indices.
        var d = SweepGrid.Parse("""{"base": {"method": "fake", "epochs": 2}, "grid": {"lr": [0.01, 0.001], "seed": [1, 2]}}""", "d.json", methods);
        Assert.NotEqual(a.Hash, d.Hash);
    }

    [Fact]
    public void MethodDefaultsToFp32AndRunnersCanAddKeys()
    {
        var grid = SweepGrid.Parse("""{"grid": {"seed": [1]}}""", "g.json", SweepMethods.WithTraining());
        Assert.Equal("fp32", grid.Points[0].Method);
        Assert.Contains("method", grid.Keys);

        var methods = SweepMethods.WithTraining();
        methods.Register("m4-test", new FakeRunner(), new SweepKey("bits", SweepValueKind.Int, "weight bit-width"));
        var m4 = SweepGrid.Parse("""{"grid": {"method": ["fp32", "m4-test"], "bits": [2, 4]}}""", "g.json", methods);
        Assert.Equal(4, m4.Points.Count);
        Assert.Equal(new[] { "fp32", "m4-test" }, methods.Names);
        Assert.Throws<ArgumentException>(() => methods.Register("fp32", new FakeRunner()));
        Assert.Throws<ArgumentException>(() => methods.Register("x", new FakeRunner(), new SweepKey("lr", SweepValueKind.Int, "clash")));
        Assert.Throws<ArgumentException>(() => methods.Register("y", new FakeRunner(), new SweepKey("seconds", SweepValueKind.Float, "reserved")));
    }

    [Fact]
    public void AUnionOfGridsExpandsBlockByBlockAndRefusesRepeatedPoints()
    {
        var (methods, _) = Fake();
        var grid = SweepGrid.Parse("""
            { "name": "union", "base": { "method": "fake" },
              "grids": [ { "base": { "epochs": 1 }, "grid": { "lr": [0.1, 0.2] } },
                         { "base": { "epochs": 2, "lr": 0.3 }, "grid": { "seed": [1, 2] } } ] }
            """, "u.json", methods);
        Assert.Equal(4, grid.Points.Count);
        Assert.Equal(["epochs=1 lr=0.1", "epochs=1 lr=0.2", "epochs=2 lr=0.3", "epochs=2 lr=0.3"],
            grid.Points.Select(p => p.Describe(["epochs", "lr"])));
        Assert.Equal(["", "", "1", "2"], grid.Points.Select(p => p.Text("seed")));
        Assert.Equal(Enumerable.Range(0, 4), grid.Points.Select(p => p.Index));
        Assert.Equal(["epochs", "lr", "method", "seed"], grid.Keys);
        Assert.Equal(["epochs", "lr", "seed"], grid.AxisKeys);

        var e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""
            { "base": { "method": "fake" }, "grids": [ { "grid": { "lr": [0.1, 0.2] } }, { "grid": { "lr": [0.2] } } ] }
            """, "u.json", methods));
        Assert.Contains("are the same point", e.Message);
        e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""
            { "base": { "method": "fake" }, "grids": [ { "base": { "method": "fake" } } ] }
            """, "u.json", methods));
        Assert.Contains("grids[0].base.method", e.Message);
        e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""{ "grid": { "lr": [0.1] }, "grids": [ {} ] }""", "u.json", methods));
        Assert.Contains("goes without", e.Message);
        e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""{ "grids": [] }""", "u.json", methods));
        Assert.Contains("non-empty list", e.Message);
        e = Assert.Throws<SweepGridException>(() => SweepGrid.Parse("""{ "report": "m5", "grid": { "lr": [0.1] } }""", "u.json", methods));
        Assert.Contains("report", e.Key);
    }
}
