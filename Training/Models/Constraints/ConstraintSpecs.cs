using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// The registry of <see cref="ConstraintSpec"/> kinds by name: the name is the "$type" member of a
/// constraint in JSON (checkpoint and deployed-model headers), so a checkpoint names the constraint
/// it was trained under and reads back as the same spec type. The built-in kinds are registered
/// here; a new one adds one <see cref="Register{TSpec}"/> line (before its checkpoints are read).
/// </summary>
public static class ConstraintSpecs
{
    private static readonly object Gate = new();
    private static readonly List<(string Name, Type Type)> Kinds = new();

    static ConstraintSpecs()
    {
        Register<CodebookSpec>("cat");
        Register<SteSpec>("ste");
        Register<SharedWeightsSpec>("shared-weights");
        Register<LsqSpec>("lsq");
        Register<DkmSpec>("dkm");
        Register<MintSpec>("mint");
        Register<ConnectivitySpec>("connectivity");
        Register<TrueNorthSpec>("truenorth");
    }

    /// <summary>Registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names
    {
        get { lock (Gate) return Kinds.Select(k => k.Name).ToArray(); }
    }

    /// <summary>Registers <typeparamref name="TSpec"/> under <paramref name="name"/>; a name or a type registered twice is refused.</summary>
    public static void Register<TSpec>(string name) where TSpec : ConstraintSpec
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace))
            throw new ArgumentException($"A weight constraint needs a name without spaces (e.g. \"pow2\"), got '{name}'.");
        lock (Gate)
        {
            foreach (var (n, t) in Kinds)
            {
                if (n == name)
                    throw new ArgumentException($"The weight constraint name '{name}' is already registered for {t.Name}; choose another name.");
                if (t == typeof(TSpec))
                    throw new ArgumentException($"{t.Name} is already registered as weight constraint '{n}'; register each spec type once.");
            }
            Kinds.Add((name, typeof(TSpec)));
        }
    }

    /// <summary>The spec type registered under <paramref name="name"/>.</summary>
    public static Type TypeOf(string name)
    {
        lock (Gate)
            foreach (var (n, t) in Kinds)
                if (n == name) return t;
        throw new ArgumentException($"Unknown weight constraint '{name}': registered are {string.Join(", ", Names)}. " +
                                    $"A constraint defined in code must be registered with ConstraintSpecs.Register<TSpec>(\"{name}\") before it is read.");
    }

    /// <summary>The name <paramref name="type"/> is registered under.</summary>
    public static string NameOf(Type type)
    {
        lock (Gate)
            foreach (var (n, t) in Kinds)
                if (t == type) return n;
        throw new ArgumentException($"{type.Name} is not a registered weight constraint: call ConstraintSpecs.Register<{type.Name}>(\"name\") once at startup.");
    }
}

/// <summary>
/// Writes a <see cref="ConstraintSpec"/> as its registered name ("$type", first) followed by the
/// concrete record's members, and reads it back through <see cref="ConstraintSpecs"/>. A converter
/// rather than System.Text.Json's polymorphism attributes, so kinds registered after the options were
/// first used (a constraint added by a library user) are still found.
/// </summary>
public sealed class ConstraintSpecJsonConverter : JsonConverter<ConstraintSpec>
{
    public const string TypeProperty = "$type";

    public override ConstraintSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (JsonNode.Parse(ref reader) is not JsonObject body)
            throw new JsonException($"A weight constraint is a JSON object with a \"{TypeProperty}\" member naming its kind.");
        if (!body.TryGetPropertyValue(TypeProperty, out var kind) || kind is not JsonValue value || !value.TryGetValue(out string? name))
            throw new JsonException($"A weight constraint needs a \"{TypeProperty}\" member naming its kind ({string.Join(", ", ConstraintSpecs.Names)}).");
        body.Remove(TypeProperty);
        Type type;
        try { type = ConstraintSpecs.TypeOf(name); }
        catch (ArgumentException e) { throw new JsonException(e.Message, e); }
        return (ConstraintSpec?)body.Deserialize(type, options)
               ?? throw new JsonException($"Weight constraint '{name}' read as null.");
    }

    public override void Write(Utf8JsonWriter writer, ConstraintSpec value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString(TypeProperty, ConstraintSpecs.NameOf(value.GetType()));
        using (var body = JsonSerializer.SerializeToDocument(value, value.GetType(), options))
            foreach (var member in body.RootElement.EnumerateObject())
                member.WriteTo(writer);
        writer.WriteEndObject();
    }
}
