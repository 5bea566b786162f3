namespace SpikeFit.Training.Nir;

/// <summary>Orders a NIR graph's nodes from its Input to its Output, refusing what is not a single chain.</summary>
public static class NirChain
{
    /// <summary>The node names from the Input node to the Output node; errors name the node (and <paramref name="source"/>, e.g. the file).</summary>
    public static List<string> Walk(NirGraph graph, string source)
    {
        foreach (var (from, to) in graph.Edges)
            foreach (var end in new[] { from, to })
                if (!graph.Nodes.ContainsKey(end))
                    throw new InvalidDataException($"{source}: the edge '{from}' → '{to}' names node '{end}', which the graph does not have (dangling edge).");
        var inputs = graph.Nodes.Where(n => n.Value.Type == "Input").Select(n => n.Key).ToList();
        if (inputs.Count != 1)
            throw new InvalidDataException($"{source}: the graph has {inputs.Count} Input nodes ({string.Join(", ", inputs)}); a SpikingNetwork has exactly one input.");
        var outgoing = graph.Edges.GroupBy(e => e.Source).ToDictionary(g => g.Key, g => g.Select(e => e.Target).Distinct().ToList());
        var incoming = graph.Edges.GroupBy(e => e.Target).ToDictionary(g => g.Key, g => g.Select(e => e.Source).Distinct().ToList());
        var chain = new List<string> { inputs[0] };
        var seen = new HashSet<string> { inputs[0] };
        string current = inputs[0];
        while (graph.Nodes[current].Type != "Output")
        {
            var next = outgoing.GetValueOrDefault(current) ?? new List<string>();
            string type = graph.Nodes[current].Type;
            if (next.Count == 0)
                throw new InvalidDataException($"{source}: node '{current}' ({type}) has no outgoing edge and is not an Output node.");
            if (next.Count > 1)
                throw new InvalidDataException($"{source}: node '{current}' ({type}) feeds {next.Count} nodes ({string.Join(", ", next)}); only chains (no branches) can be imported.");
            string to = next[0];
            var into = incoming[to];
            if (into.Count > 1)
                throw new InvalidDataException($"{source}: node '{to}' ({graph.Nodes[to].Type}) has {into.Count} inputs ({string.Join(", ", into)}); only chains (no merges or recurrence) can be imported.");
            if (!seen.Add(to))
                throw new InvalidDataException($"{source}: node '{to}' ({graph.Nodes[to].Type}) is reached twice (a cycle); recurrent graphs cannot be imported.");
            chain.Add(to);
            current = to;
        }
        var off = graph.Nodes.Keys.Where(k => !seen.Contains(k)).ToList();
        if (off.Count > 0)
            throw new InvalidDataException($"{source}: node '{off[0]}' ({graph.Nodes[off[0]].Type}) is not on the path from '{inputs[0]}' to '{current}'; only single chains can be imported.");
        return chain;
    }
}
