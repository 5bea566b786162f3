using System.Text.Json;
using SpikeFit.Experiments.Commands;

namespace SpikeFit.Tests.Hardware;

public class FitCommandTests
{
    [Fact]
    public void FitOnTheExampleWritesEveryChipAndTheEnergy()
    {
        string example = Path.Combine(ModelSummaryTests.RepoRoot(), "Experiments", "examples", "mlp-784-512-10.json");
        string outFile = Path.Combine(Path.GetTempPath(), $"spikefit-fit-{Guid.NewGuid():N}.json");
        try
        {
            int rc = FitCommand.Create().Parse(["fit", example, "--json", outFile]).Invoke();
            Assert.Equal(0, rc);
            using var doc = JsonDocument.Parse(File.ReadAllText(outFile));
            var fit = doc.RootElement.GetProperty("fit");
            Assert.Equal(7, fit.GetArrayLength());
            var tn = fit.EnumerateArray().Single(e => e.GetProperty("chip").GetString() == "TrueNorth");
            Assert.False(tn.GetProperty("fits").GetBoolean());
            Assert.Contains(tn.GetProperty("violations").EnumerateArray(), v => v.GetString()!.Contains("fan-in 784"));
            // fc1: 401,408 MACs × 4.6 pJ; fc2: 0.1 × 512 × 16 × 10 = 8,192 SOPs.
            var energy = doc.RootElement.GetProperty("energy");
            Assert.Equal(8192, energy.GetProperty("totalSops").GetDouble(), 6);
            Assert.Equal(401408, energy.GetProperty("totalMacs").GetDouble(), 6);
        }
        finally
        {
            File.Delete(outFile);
        }
    }
}
