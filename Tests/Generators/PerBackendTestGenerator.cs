using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace SpikeFit.Tests.Generators;

/// <summary>
/// Emits the per-backend test classes (ILGPU's test-suite pattern: an abstract class per kernel
/// family, a small sealed subclass per backend). For every abstract, top-level, non-generic class
/// of the test project that derives from <c>SpikeFit.Tests.Infrastructure.BackendTestBase</c>, it
/// writes one <c>&lt;Class&gt;_&lt;Backend&gt;</c> subclass per member of
/// <c>SpikeFit.Kernels.Core.BackendKind</c>, overriding <c>Kind</c>. The enum is the one list of
/// backends: a new backend gets every test family by adding its enum member, and a new test
/// family needs no hand-written subclasses.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PerBackendTestGenerator : IIncrementalGenerator
{
    private const string BaseTypeName = "SpikeFit.Tests.Infrastructure.BackendTestBase";
    private const string BackendEnumName = "SpikeFit.Kernels.Core.BackendKind";

    private static readonly DiagnosticDescriptor NotTopLevel = new(
        id: "SFT001",
        title: "Per-backend test class cannot be generated",
        messageFormat: "Abstract test class '{0}' derives from BackendTestBase but is {1}; per-backend subclasses are only generated for top-level, non-generic classes. Move it to namespace level or remove the type parameters.",
        category: "SpikeFit.Tests",
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor NoBackendEnum = new(
        id: "SFT002",
        title: "Backend list not found",
        messageFormat: "Per-backend test classes need the enum '" + BackendEnumName + "' (the list of backends); the test project must reference SpikeFit.Kernels",
        category: "SpikeFit.Tests",
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var families = context.SyntaxProvider
            .CreateSyntaxProvider(
                predicate: static (node, _) => node is ClassDeclarationSyntax c
                    && c.Modifiers.Any(m => m.Text == "abstract") && c.BaseList is not null,
                transform: static (ctx, ct) => Describe((INamedTypeSymbol?)ctx.SemanticModel.GetDeclaredSymbol(ctx.Node, ct)))
            .Where(static f => f is not null)
            .Select(static (f, _) => f!.Value)
            .Collect();

        var backends = context.CompilationProvider.Select(static (compilation, _) =>
        {
            var kind = compilation.GetTypeByMetadataName(BackendEnumName);
            if (kind is null || kind.TypeKind != TypeKind.Enum) return (Found: false, Members: ImmutableArray<string>.Empty);
            // Declaration order, so the generated file reads like the enum.
            var members = kind.GetMembers().OfType<IFieldSymbol>().Where(f => f.IsConst).Select(f => f.Name).ToImmutableArray();
            return (Found: true, Members: members);
        });

        context.RegisterSourceOutput(families.Combine(backends), static (spc, input) =>
        {
            var (all, (found, members)) = input;
            if (all.IsDefaultOrEmpty) return;
            if (!found)
            {
                spc.ReportDiagnostic(Diagnostic.Create(NoBackendEnum, Location.None));
                return;
            }
            // A partial class is seen once per declaration; emit it once.
            var seen = new HashSet<string>();
            foreach (var family in all.OrderBy(f => f.FullName, System.StringComparer.Ordinal))
            {
                if (!seen.Add(family.FullName)) continue;
                if (family.Problem is not null)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(NotTopLevel, family.Location, family.FullName, family.Problem));
                    continue;
                }
                spc.AddSource(family.FullName + ".PerBackend.g.cs", SourceText.From(Emit(family, members), Encoding.UTF8));
            }
        });
    }

    /// <summary>What the output needs of one abstract test class; null when it is not a per-backend family.</summary>
    private static Family? Describe(INamedTypeSymbol? type)
    {
        if (type is null || !type.IsAbstract || !DerivesFromBase(type)) return null;
        string? problem = type.ContainingType is not null ? "nested in another type"
            : type.IsGenericType ? "generic"
            : null;
        var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        // Location and the display string are plain values, so the incremental cache can compare them.
        // The subclasses get the family's accessibility (a public subclass of an internal class does not compile).
        string access = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        return new Family(type.ToDisplayString(), ns, type.Name, access, problem,
            type.Locations.FirstOrDefault() ?? Location.None);
    }

    private static bool DerivesFromBase(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == BaseTypeName) return true;
        return false;
    }

    private static string Emit(Family family, ImmutableArray<string> backends)
    {
        var sb = new StringBuilder();
        sb.AppendLine("// <auto-generated> by Tests/Generators/PerBackendTestGenerator.cs: one subclass per BackendKind member. </auto-generated>");
        sb.AppendLine("#nullable enable");
        if (family.Namespace is not null) sb.Append("namespace ").Append(family.Namespace).AppendLine(";");
        sb.AppendLine();
        foreach (var backend in backends)
        {
            sb.Append(family.Access).Append(" sealed class ").Append(family.Name).Append('_').Append(backend)
              .Append(" : ").Append(family.Name)
              .Append(" { protected override global::").Append(BackendEnumName).Append(" Kind => global::")
              .Append(BackendEnumName).Append('.').Append(backend).AppendLine("; }");
        }
        return sb.ToString();
    }

    private readonly record struct Family(string FullName, string? Namespace, string Name, string Access, string? Problem, Location Location);
}
