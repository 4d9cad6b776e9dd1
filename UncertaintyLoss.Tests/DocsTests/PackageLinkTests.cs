using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>
/// Links that work from inside the package: the XML documentation (IntelliSense), the package README
/// (UncertaintyLoss/PACKAGE.md, shown on nuget.org) and the messages of buildTransitive/UncertaintyLoss.targets are read
/// where the repository's docs/ folder does not exist, so they link to it by absolute address. The address is the one
/// defined in Directory.Build.props (UlDocsUrl, derived from UlRepositoryUrl; this project passes it in as assembly
/// metadata), and every link must name a page of docs/ that exists, with a heading for its anchor.
/// </summary>
[TestFixture]
public sealed class PackageLinkTests
{
    private static string DocsUrl() =>
        typeof(PackageLinkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "UlDocsUrl")?.Value
        ?? throw new InvalidOperationException("UlDocsUrl assembly metadata missing (UncertaintyLoss.Tests.csproj).");

    /// <summary>(file, line number, text) of every line the package shows a reader: the library's XML doc comments, PACKAGE.md, the targets.</summary>
    private static IEnumerable<(string File, int Line, string Text)> PackageText()
    {
        string root = DocSnippetTests.RepoRoot();
        string library = Path.Combine(root, "UncertaintyLoss");
        char sep = Path.DirectorySeparatorChar;
        var sources = Directory.GetFiles(library, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{sep}obj{sep}", StringComparison.Ordinal) && !f.Contains($"{sep}bin{sep}", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal);
        foreach (var file in sources)
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("///", StringComparison.Ordinal))
                    yield return (Path.GetRelativePath(root, file).Replace('\\', '/'), i + 1, lines[i]);
            }
        }
        foreach (var rel in new[] { "UncertaintyLoss/PACKAGE.md", "UncertaintyLoss/buildTransitive/UncertaintyLoss.targets" })
        {
            var lines = File.ReadAllLines(Path.Combine(root, rel));
            for (int i = 0; i < lines.Length; i++)
                yield return (rel, i + 1, lines[i]);
        }
    }

    [Test]
    public void PackageText_NoRelativeDocsLinks()
    {
        string docsUrl = DocsUrl();
        var relative = PackageText()
            .Where(l => Regex.IsMatch(l.Text.Replace(docsUrl, "https://docs.invalid/", StringComparison.Ordinal), @"(^|[^\w/.-])docs/|href=""(?!https?://)")
                        || (l.File.EndsWith(".md", StringComparison.Ordinal) && Regex.IsMatch(l.Text, @"\]\((?!https?://|#)")))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.That(relative, Is.Empty,
            $"Text shown from inside the package must link to the documentation by its absolute address, {docsUrl}<page>.md.");
    }

    [Test]
    public void PackageText_DocsLinks_NameExistingPagesAndHeadings()
    {
        string docsUrl = DocsUrl();
        string repoUrl = docsUrl[..docsUrl.IndexOf("/blob/", StringComparison.Ordinal)];
        string docs = Path.Combine(DocSnippetTests.RepoRoot(), "docs");
        var problems = new List<string>();
        int links = 0;
        foreach (var (file, line, text) in PackageText())
        {
            foreach (Match m in Regex.Matches(text, @"https?://[^\s""'<>)\]]+"))
            {
                string url = m.Value.TrimEnd('.', ',', ';');
                if (!url.StartsWith(repoUrl, StringComparison.Ordinal) || url == repoUrl)
                    continue;
                links++;
                if (!url.StartsWith(docsUrl, StringComparison.Ordinal))
                {
                    problems.Add($"{file}:{line}: {url} is not under {docsUrl}");
                    continue;
                }
                string[] parts = url[docsUrl.Length..].Split('#', 2);
                string page = Path.Combine(docs, parts[0]);
                if (!File.Exists(page))
                    problems.Add($"{file}:{line}: {url}: docs/{parts[0]} does not exist");
                else if (parts.Length == 2 && !Anchors(page).Contains(parts[1]))
                    problems.Add($"{file}:{line}: {url}: no heading of docs/{parts[0]} has the anchor #{parts[1]}");
            }
        }
        Assert.That(problems, Is.Empty);
        Assert.That(links, Is.GreaterThan(40), "the library's XML docs link to the documentation in many places; were they found?");
    }

    [Test]
    public void Anchors_FollowGitHubHeadingIds()
    {
        string file = Path.Combine(Path.GetTempPath(), $"ul-anchors-{Guid.NewGuid():N}.md");
        File.WriteAllText(file, "# Title\n\n## Value checks and GPU synchronisation\n\n```bash\n# not a heading\n```\n\n### Shapes (as `cross_entropy`)\n");
        try
        {
            Assert.That(Anchors(file), Is.EquivalentTo(new[] { "title", "value-checks-and-gpu-synchronisation", "shapes-as-cross_entropy" }));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>GitHub's ids of a Markdown page's headings: lower case, punctuation other than - and _ removed, spaces to -.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        bool inCode = false;
        foreach (var line in File.ReadLines(markdown))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                inCode = !inCode;
            var m = Regex.Match(line, @"^#{1,6}\s+(.*?)\s*#*\s*$");
            if (inCode || !m.Success)
                continue;
            string id = Regex.Replace(m.Groups[1].Value.ToLowerInvariant(), @"[^\p{L}\p{N}\s_-]", "");
            anchors.Add(Regex.Replace(id, @"\s", "-"));
        }
        return anchors;
    }
}
