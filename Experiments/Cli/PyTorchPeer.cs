using System.Text.Json;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// The PyTorch comparators of a benchmark run in one invocation: the snnTorch-style script (Python
/// loop, every layer at every step, the way many users write it) and the multi-step script (every
/// stateless layer once over T·B rows, only the LIF recurrence looped: the strongest plain-PyTorch
/// way). The headline ratio is always against the faster of the two; the other is context.
/// </summary>
public sealed record PyTorchPeer(string Style, string Label, JsonElement Result)
{
    /// <summary>The two styles, in the order they are run and printed.</summary>
    public static readonly (string Style, string Label)[] Styles =
    {
        ("snntorch", "snnTorch style, Python loop over T"),
        ("multistep", "multi-step: layers over T·B, LIF loop only"),
    };

    /// <summary>Runs <paramref name="run"/> for every style; a failed script is left out (PythonBench has printed why).</summary>
    public static List<PyTorchPeer> RunAll(Func<string, JsonElement?> run)
    {
        var peers = new List<PyTorchPeer>();
        foreach (var (style, label) in Styles)
            if (run(style) is { } result)
            {
                bool compiled = result.TryGetProperty("compiled", out var c) && c.ValueKind == JsonValueKind.True;
                peers.Add(new PyTorchPeer(style, compiled ? label + ", torch.compile" : label, result));
            }
        return peers;
    }

    /// <summary>The fastest peer by <paramref name="speed"/> (larger = faster), or null when none ran.</summary>
    public static PyTorchPeer? Fastest(IReadOnlyList<PyTorchPeer> peers, Func<JsonElement, double> speed) =>
        peers.Count == 0 ? null : peers.MaxBy(p => speed(p.Result));

    public object Raw => JsonSerializer.Deserialize<object>(Result.GetRawText())!;
}
