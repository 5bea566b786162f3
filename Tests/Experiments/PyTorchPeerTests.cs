using System.Text.Json;
using SpikeFit.Experiments.Cli;

namespace SpikeFit.Tests.Experiments;

/// <summary>The PyTorch comparators of a benchmark: both styles run, and the headline is the faster one.</summary>
public class PyTorchPeerTests
{
    private static JsonElement Result(double samplesPerSecond, bool compiled = false) =>
        JsonDocument.Parse($$"""{"samples_per_second": {{samplesPerSecond}}, "compiled": {{(compiled ? "true" : "false")}}}""").RootElement.Clone();

    [Fact]
    public void Both_styles_run_in_order_and_the_headline_is_the_faster()
    {
        var asked = new List<string>();
        var peers = PyTorchPeer.RunAll(style => { asked.Add(style); return Result(style == "multistep" ? 7000 : 900, compiled: style == "multistep"); });
        Assert.Equal(["snntorch", "multistep"], asked);
        Assert.Equal(2, peers.Count);
        Assert.EndsWith("torch.compile", peers[1].Label);
        Assert.DoesNotContain("torch.compile", peers[0].Label);
        var fastest = PyTorchPeer.Fastest(peers, r => r.GetProperty("samples_per_second").GetDouble());
        Assert.Equal("multistep", fastest!.Style);
        // W3 passes times: the fastest has the fewest milliseconds (speed = −ms).
        var times = PyTorchPeer.RunAll(style => Result(style == "multistep" ? 100 : 50));
        Assert.Equal("snntorch", PyTorchPeer.Fastest(times, r => -r.GetProperty("samples_per_second").GetDouble())!.Style);
    }

    [Fact]
    public void A_script_that_fails_is_left_out_and_none_gives_no_headline()
    {
        var peers = PyTorchPeer.RunAll(style => style == "snntorch" ? null : Result(10));
        Assert.Equal("multistep", Assert.Single(peers).Style);
        Assert.Null(PyTorchPeer.Fastest(PyTorchPeer.RunAll(_ => null), r => 0));
    }
}
