namespace SpikeFit.Training.Pruning;

/// <summary>
/// The registry of pruning criteria by name: the CLI's <c>--criterion</c> values (fsc, taylor,
/// magnitude, firing-rate, random) and the experiment engine's <c>cat-prune-&lt;name&gt;</c> methods
/// come from <see cref="Names"/>. A new criterion is one <see cref="PruneCriterion"/> subclass plus
/// one <see cref="Register"/> line.
/// </summary>
public static class PruneCriteria
{
    private static readonly object Gate = new();
    private static readonly List<PruneCriterion> Registered = new();

    static PruneCriteria()
    {
        Register(PruneCriterion.Fsc);
        Register(PruneCriterion.Taylor);
        Register(PruneCriterion.Magnitude);
        Register(PruneCriterion.FiringRate);
        Register(PruneCriterion.Random);
    }

    /// <summary>Registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names
    {
        get { lock (Gate) return Registered.Select(c => c.Name).ToArray(); }
    }

    /// <summary>Registers <paramref name="criterion"/> under its name and aliases; a name taken by a registered criterion is refused.</summary>
    public static void Register(PruneCriterion criterion)
    {
        var names = new[] { criterion.Name }.Concat(criterion.Aliases).ToArray();
        foreach (var n in names)
            if (string.IsNullOrWhiteSpace(n) || n != n.ToLowerInvariant() || n.Any(char.IsWhiteSpace))
                throw new ArgumentException($"{criterion.GetType().Name}: criterion names are lower case without spaces (e.g. \"outgoing-l2\"), got '{n}'.");
        lock (Gate)
        {
            foreach (var other in Registered)
                foreach (var n in names)
                    if (other.Name == n || other.Aliases.Contains(n))
                        throw new ArgumentException($"The pruning criterion name '{n}' is already registered ({other.GetType().Name}); choose another name.");
            Registered.Add(criterion);
        }
    }

    /// <summary>The criterion named <paramref name="name"/> (or one of its aliases), any case.</summary>
    public static PruneCriterion Parse(string name)
    {
        string key = name.ToLowerInvariant();
        lock (Gate)
            foreach (var c in Registered)
                if (c.Name == key || c.Aliases.Contains(key)) return c;
        throw new ArgumentException($"Unknown pruning criterion '{name}': use {string.Join(", ", Names)}.");
    }

    /// <summary>The criterion's command-line name (its registered <see cref="PruneCriterion.Name"/>).</summary>
    public static string CliName(this PruneCriterion c) => c.Name;
}
