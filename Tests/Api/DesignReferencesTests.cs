using System.Text.RegularExpressions;

namespace SpikeFit.Tests.Api;

/// <summary>
/// Every section citation in the repository must be one a reader can open: code and documents cite
/// docs/DESIGN.md as "DESIGN §N" (or §N.M), and the old citations of a document outside the
/// repository must not come back (for example through a merge of an older branch).
/// </summary>
public sealed class DesignReferencesTests
{
    // Split so that this file does not itself contain the token it forbids.
    private static readonly string OldToken = "SPEC" + " §";
    // Likewise for the synthetic citations below, which cite sections the real DESIGN.md lacks.
    private static readonly string New = "DESIGN" + " §";

    /// <summary>"DESIGN §5", and the sections chained after it: "DESIGN §5/§7", "DESIGN §3–§4", "DESIGN §5, §7".</summary>
    private static readonly Regex Citation = new(@"DESIGN §(?<s>\d+(?:\.\d+)?)(?:\s*(?:/|,|–|-|and)\s*§(?<s>\d+(?:\.\d+)?))*", RegexOptions.Compiled);

    /// <summary>"## 4. Title" and "### 4.2 Title" headings of DESIGN.md.</summary>
    private static readonly Regex Heading = new(@"^(?:##\s+(?<s>\d+)\.|###\s+(?<s>\d+\.\d+)\.?)\s", RegexOptions.Compiled | RegexOptions.Multiline);

    private static readonly string[] Extensions = { ".cs", ".md", ".json", ".py" };

    [Fact]
    public void Every_section_citation_resolves_to_a_heading_of_DESIGN_md()
    {
        string root = FindRoot();
        string designPath = Path.Combine(root, "docs", "DESIGN.md");
        Assert.True(File.Exists(designPath), $"{designPath} is missing: it holds the definitions the code cites as DESIGN §N.");
        var sections = Sections(File.ReadAllText(designPath));
        Assert.Contains("4", sections);

        var problems = new List<string>();
        int citations = 0;
        foreach (string file in SourceFiles(root))
        {
            string relative = Path.GetRelativePath(root, file);
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var found = Check(lines[i], sections, out int cited);
                citations += cited;
                problems.AddRange(found.Select(p => $"{relative}:{i + 1}: {p}"));
            }
        }
        Assert.True(problems.Count == 0,
            $"{problems.Count} unresolvable section citation(s); cite docs/DESIGN.md as DESIGN §N, with N a '## N.' heading there:\n"
            + string.Join("\n", problems));
        // Guards the scan itself: the code cites DESIGN.md in dozens of places.
        Assert.True(citations >= 20, $"only {citations} DESIGN § citations found under {root}; is the scan looking at the right files?");
    }

    [Fact]
    public void The_check_flags_old_citations_and_missing_sections()
    {
        var sections = Sections("# T\n## 3. Network\n## 4. Methods\n### 4.1 CAT\n");
        Assert.Equal(new[] { "3", "4", "4.1" }, sections.Order());
        Assert.Empty(Check($"see {New}3–§4 and {New}4.1", sections, out int ok));
        Assert.Equal(3, ok);
        Assert.Single(Check($"see {OldToken}4", sections, out _));
        var missing = Check($"{New}5/§4.2 and {New}3", sections, out int cited);
        Assert.Equal(3, cited);
        Assert.Equal(2, missing.Count);
        Assert.Contains(missing, m => m.Contains("§5"));
        Assert.Contains(missing, m => m.Contains("§4.2"));
    }

    /// <summary>The problems of one line; <paramref name="cited"/> counts the sections it cites.</summary>
    private static List<string> Check(string line, ISet<string> sections, out int cited)
    {
        var problems = new List<string>();
        if (line.Contains(OldToken, StringComparison.Ordinal))
            problems.Add($"'{OldToken}' cites a document outside the repository; use DESIGN §N (docs/DESIGN.md)");
        cited = 0;
        foreach (Match m in Citation.Matches(line))
            foreach (Capture c in m.Groups["s"].Captures)
            {
                cited++;
                if (!sections.Contains(c.Value)) problems.Add($"§{c.Value} (in \"{m.Value}\") has no heading in docs/DESIGN.md");
            }
        return problems;
    }

    private static HashSet<string> Sections(string design) =>
        Heading.Matches(design).Select(m => m.Groups["s"].Value).ToHashSet();

    /// <summary>Source and documentation files, skipping build output, run outputs and dot-folders (.git, caches).</summary>
    private static IEnumerable<string> SourceFiles(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string sub in Directory.EnumerateDirectories(dir))
            {
                string name = Path.GetFileName(sub);
                if (name is "bin" or "obj" or "runs" || name.StartsWith('.')) continue;
                pending.Push(sub);
            }
            foreach (string file in Directory.EnumerateFiles(dir))
                if (Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                    yield return file;
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SpikeFit.Gpu.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Repository root (SpikeFit.Gpu.sln) not found above the test binaries.");
    }
}
