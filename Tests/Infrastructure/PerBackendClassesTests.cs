using SpikeFit.Kernels.Core;

namespace SpikeFit.Tests.Infrastructure;

/// <summary>
/// Guards the generated per-backend test classes (Tests/Generators): every abstract
/// <see cref="BackendTestBase"/> family must have exactly one sealed subclass per
/// <see cref="BackendKind"/>, named <c>&lt;Family&gt;_&lt;Kind&gt;</c> (CI filters and skip messages
/// use these names), whose <c>Kind</c> is that backend. A family the generator missed would
/// otherwise simply never run.
/// </summary>
public sealed class PerBackendClassesTests
{
    private static readonly Type[] TestTypes = typeof(BackendTestBase).Assembly.GetTypes();

    [Fact]
    public void Every_family_has_one_subclass_per_backend_with_the_matching_kind()
    {
        var families = TestTypes.Where(t => t.IsAbstract && t != typeof(BackendTestBase) && typeof(BackendTestBase).IsAssignableFrom(t)).ToList();
        Assert.True(families.Count >= 10, $"expected the kernel test families, found {families.Count}: {string.Join(", ", families.Select(f => f.Name))}");

        var problems = new List<string>();
        foreach (var family in families)
        {
            var subclasses = TestTypes.Where(t => t.BaseType == family).ToList();
            foreach (var kind in Enum.GetValues<BackendKind>())
            {
                string name = $"{family.Name}_{kind}";
                var matches = subclasses.Where(t => t.Name == name).ToList();
                if (matches.Count != 1) { problems.Add($"{family.FullName}: {matches.Count} classes named {name}"); continue; }
                var cls = matches[0];
                if (!cls.IsSealed || cls.Namespace != family.Namespace) problems.Add($"{cls.FullName}: not sealed or not in {family.Namespace}");
                var instance = (BackendTestBase)Activator.CreateInstance(cls)!;
                var actual = (BackendKind)typeof(BackendTestBase)
                    .GetProperty("Kind", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
                    .GetValue(instance)!;
                if (actual != kind) problems.Add($"{cls.FullName}: Kind is {actual}, expected {kind}");
            }
            if (subclasses.Count != Enum.GetValues<BackendKind>().Length)
                problems.Add($"{family.FullName}: {subclasses.Count} direct subclasses, expected one per backend ({Enum.GetValues<BackendKind>().Length})");
        }
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
