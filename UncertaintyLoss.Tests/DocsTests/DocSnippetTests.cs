using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>
/// Code in the documentation is compiled: every <c>```csharp</c> block of README.md, docs/*.md, the package README and
/// the samples' READMEs must be preceded by <c>&lt;!-- snippet: path#region[+region…] --&gt;</c>, and its text must equal
/// those <c>#region</c>s of that C# source file (each dedented, joined by one blank line). The regions live in compiled
/// sources, mostly the tests of this folder, which also run them.
/// </summary>
[TestFixture]
public sealed class DocSnippetTests
{
    private static readonly Regex Marker = new(@"^<!--\s*snippet:\s*(?<path>[^#\s]+)#(?<regions>[^\s]+)\s*-->$", RegexOptions.Compiled);

    /// <summary>One <c>```csharp</c> block of a Markdown file, with the snippet marker before it (null when missing).</summary>
    public sealed record Block(string File, int Line, string Text, string? MarkerPath, string[] Regions)
    {
        public override string ToString() => $"{File}:{Line}";
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "UncertaintyLoss.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("UncertaintyLoss.sln not found above the test directory.");
    }

    private static IEnumerable<string> MarkdownFiles(string root)
    {
        yield return Path.Combine(root, "README.md");
        yield return Path.Combine(root, "UncertaintyLoss", "PACKAGE.md");
        foreach (var f in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").OrderBy(f => f, StringComparer.Ordinal))
            yield return f;
        foreach (var f in Directory.GetFiles(Path.Combine(root, "samples"), "README.md", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            yield return f;
    }

    /// <summary>Every csharp block of every documentation file.</summary>
    public static IEnumerable<Block> Blocks()
    {
        string root = RepoRoot();
        foreach (var file in MarkdownFiles(root).Where(File.Exists))
        {
            var lines = File.ReadAllLines(file);
            string rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```csharp")
                    continue;
                int start = i;
                var body = new List<string>();
                for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
                    body.Add(lines[i]);
                int prev = start - 1;
                while (prev >= 0 && lines[prev].Trim().Length == 0)
                    prev--;
                var m = prev >= 0 ? Marker.Match(lines[prev].Trim()) : Match.Empty;
                yield return m.Success
                    ? new Block(rel, start + 1, Normalize(body), m.Groups["path"].Value, m.Groups["regions"].Value.Split('+'))
                    : new Block(rel, start + 1, Normalize(body), null, []);
            }
        }
    }

    /// <summary>Trailing blanks removed, common indentation removed, leading and trailing empty lines removed.</summary>
    internal static string Normalize(IEnumerable<string> lines)
    {
        var list = lines.Select(l => l.TrimEnd()).ToList();
        while (list.Count > 0 && list[0].Length == 0) list.RemoveAt(0);
        while (list.Count > 0 && list[^1].Length == 0) list.RemoveAt(list.Count - 1);
        int indent = list.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", list.Select(l => l.Length >= indent ? l[indent..] : l));
    }

    /// <summary>The text of <c>#region name</c> … <c>#endregion</c> in a source file, normalised.</summary>
    internal static string Region(string sourceText, string name)
    {
        var lines = sourceText.Replace("\r\n", "\n").Split('\n');
        int begin = Array.FindIndex(lines, l => l.Trim() == "#region " + name);
        if (begin < 0)
            throw new InvalidOperationException($"#region {name} not found");
        int depth = 0;
        var body = new List<string>();
        for (int i = begin + 1; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (t.StartsWith("#region", StringComparison.Ordinal)) depth++;
            if (t.StartsWith("#endregion", StringComparison.Ordinal))
            {
                if (depth == 0) return Normalize(body);
                depth--;
            }
            body.Add(lines[i]);
        }
        throw new InvalidOperationException($"#region {name} has no #endregion");
    }

    [Test]
    public void Docs_HaveCsharpBlocks_AndTheCheckFindsThem()
    {
        var blocks = Blocks().ToList();
        Assert.That(blocks, Has.Count.GreaterThanOrEqualTo(10));
        Assert.That(blocks.Select(b => b.File), Does.Contain("docs/getting-started.md"));
    }

    [TestCaseSource(nameof(Blocks))]
    public void CsharpBlock_MatchesACompiledRegion(Block block)
    {
        Assert.That(block.MarkerPath, Is.Not.Null,
            $"{block}: a ```csharp block needs <!-- snippet: path#region --> on the line before it (docs/contributing.md).");
        string root = RepoRoot();
        string path = block.MarkerPath!;
        Assert.That(path, Does.EndWith(".cs").And.Not.Contain(".."), $"{block}: the snippet must come from a C# source in the repository.");
        Assert.That(path.Split('/')[0], Is.AnyOf("UncertaintyLoss.Tests", "samples", "UncertaintyLoss"),
            $"{block}: the snippet must come from a compiled project (tests, samples or the library).");
        string full = Path.Combine(root, path);
        Assert.That(File.Exists(full), Is.True, $"{block}: {path} does not exist.");
        string source = File.ReadAllText(full);
        string expected = string.Join("\n\n", block.Regions.Select(r => Region(source, r)));
        Assert.That(block.Text, Is.EqualTo(expected), $"{block}: the block differs from {path}#{string.Join('+', block.Regions)}; copy the region into the doc.");
    }

    [Test]
    public void Region_NestedAndIndented_IsDedentedAndComplete()
    {
        const string source = "class A\n{\n    #region outer\n    int a;\n    #region inner\n    int b;\n    #endregion\n    #endregion\n}\n";
        Assert.That(Region(source, "outer"), Is.EqualTo("int a;\n#region inner\nint b;\n#endregion"));
        Assert.That(Region(source, "inner"), Is.EqualTo("int b;"));
        Assert.That(() => Region(source, "missing"), Throws.InvalidOperationException);
    }
}
