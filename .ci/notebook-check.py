#!/usr/bin/env python3
"""Runs docs/notebooks/quickstart.ipynb's code cells as a console program, so the notebook cannot rot.

The .NET Interactive kernel cannot run in CI, so this converts the notebook into what the kernel would do:
  - `#r "nuget: Id, Version"` lines become PackageReferences of a temporary net10.0 console project outside the
    repository (the version as written, `*-*` included);
  - `#i "nuget: <source>"` lines (the folder feed of docs/getting-started.md, step 1) become a source in the project's
    nuget.config that points at a feed this script packs from the repository (`dotnet pack`, a unique dev version);
  - `using` directives move to the top of Program.cs, the code cells follow in order as top-level statements;
  - the kernel's `display(...)` and `HTML(...)` are replaced by local functions that write each displayed value to
    <out>/display-<n>.html, which this script then checks (an <img> holding a PNG) and decodes to <out>/display-<n>.png.
Any other magic command (`#!…`) fails the check, so a new kind of cell is noticed. The program must print
"training accuracy <a>" with a >= 0.9.

Usage: python3 .ci/notebook-check.py [--out DIR]   (called by .ci/run; DIR defaults to artifacts/notebook)
"""
import argparse
import base64
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(REPO, "docs", "notebooks", "quickstart.ipynb")


def fail(message):
    print(f"notebook-check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(args, cwd, env=None):
    print("notebook-check: $ " + " ".join(args), flush=True)
    result = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        fail(f"{' '.join(args)} exited with {result.returncode}")
    return result.stdout


def convert(notebook):
    """(packages [(id, version)], feed lines, usings, body) from the notebook's code cells."""
    packages, sources, usings, body = [], [], [], []
    using_line = re.compile(r"^using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[A-Za-z_][\w.<>]*)?\s*;\s*$")
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        kernel = cell.get("metadata", {}).get("polyglot_notebook", {}).get("kernelName", "csharp")
        if kernel != "csharp":
            fail(f"cell {number} uses the {kernel} kernel; this check runs C# cells only")
        body.append(f"// cell {number}")
        for line in "".join(cell["source"]).splitlines():
            stripped = line.strip()
            m = re.fullmatch(r'#r\s+"nuget:\s*([^,"]+?)\s*(?:,\s*([^"]+?)\s*)?"', stripped)
            if m:
                if not m.group(2):
                    fail(f"cell {number}: pin a version in {stripped}")
                packages.append((m.group(1), m.group(2)))
                continue
            m = re.fullmatch(r'#i\s+"nuget:\s*([^"]+?)\s*"', stripped)
            if m:
                sources.append(m.group(1))
                continue
            if stripped.startswith("#"):
                fail(f"cell {number}: unknown magic command {stripped}")
            if using_line.match(line):
                usings.append(stripped)
                continue
            body.append(line)
    return packages, sources, usings, body


SHIM = r'''
// .NET Interactive's display and HTML (notebook-check.py): each displayed value goes to a file.
static void display(object value)
{
    string dir = Environment.GetEnvironmentVariable("UL_NOTEBOOK_OUT") ?? throw new InvalidOperationException("UL_NOTEBOOK_OUT is not set");
    string path = Path.Combine(dir, $"display-{Directory.GetFiles(dir, "display-*.html").Length + 1}.html");
    File.WriteAllText(path, value?.ToString() ?? "");
    Console.WriteLine($"display -> {path}");
}
static string HTML(string html) => html;
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(REPO, "artifacts", "notebook"))
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    with open(NOTEBOOK, encoding="utf-8") as f:
        notebook = json.load(f)
    packages, sources, usings, body = convert(notebook)
    ids = [p for p, _ in packages]
    if "UncertaintyLoss" not in ids or not any(p.startswith("TorchSharp-") for p in ids):
        fail(f"the notebook must reference UncertaintyLoss and a TorchSharp backend, found {ids}")
    if len(sources) > 1:
        fail(f"one #i source expected (the folder feed), found {sources}")

    work = tempfile.mkdtemp(prefix="ul-notebook.")
    packages_folder = subprocess.run(["dotnet", "nuget", "locals", "global-packages", "--list"], stdout=subprocess.PIPE,
                                     text=True, check=True).stdout.split(":", 1)[1].strip().rstrip("/")
    version = None
    try:
        feed = os.path.join(work, "feed")
        run(["dotnet", "pack", os.path.join(REPO, "UncertaintyLoss", "UncertaintyLoss.csproj"), "-c", "Release", "-o", feed,
             "--nologo"], cwd=REPO)
        nupkgs = [p for p in glob.glob(os.path.join(feed, "UncertaintyLoss.*.nupkg")) if not p.endswith(".snupkg")]
        if len(nupkgs) != 1:
            fail(f"expected one package in {feed}, found {nupkgs}")
        version = os.path.basename(nupkgs[0])[len("UncertaintyLoss."):-len(".nupkg")]

        app = os.path.join(work, "app")
        os.makedirs(app)
        with open(os.path.join(REPO, "nuget.config"), encoding="utf-8") as f:
            repo_sources = re.findall(r'<add key="([^"]*)" value="([^"]*)"', f.read())
        config = ['<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <packageSources>", "    <clear />",
                  f'    <add key="ul-notebook-feed" value="{feed}" />']
        config += [f'    <add key="{k}" value="{v}" />' for k, v in repo_sources]
        config += ["  </packageSources>", "  <packageSourceMapping>",
                   '    <packageSource key="ul-notebook-feed"><package pattern="UncertaintyLoss" /></packageSource>']
        config += [f'    <packageSource key="{k}"><package pattern="*" /></packageSource>' for k, _ in repo_sources]
        config += ["  </packageSourceMapping>", "</configuration>", ""]
        with open(os.path.join(app, "nuget.config"), "w", encoding="utf-8") as f:
            f.write("\n".join(config))
        refs = "\n".join(f'    <PackageReference Include="{p}" Version="{v}" />' for p, v in packages)
        with open(os.path.join(app, "Notebook.csproj"), "w", encoding="utf-8") as f:
            f.write(f'''<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <!-- The C# kernel's defaults: the common namespaces imported, nullable annotations off. -->
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>disable</Nullable>
    <NoWarn>$(NoWarn);NU1603</NoWarn>
  </PropertyGroup>
  <ItemGroup>
{refs}
  </ItemGroup>
</Project>
''')
        with open(os.path.join(app, "Program.cs"), "w", encoding="utf-8") as f:
            f.write("// Generated by .ci/notebook-check.py from docs/notebooks/quickstart.ipynb.\n")
            f.write("\n".join(usings + [""] + body) + "\n" + SHIM)

        env = dict(os.environ, UL_NOTEBOOK_OUT=out)
        run(["dotnet", "build", "-c", "Release", "--nologo", "-warnaserror", "-warnnotaserror:NU1603"], cwd=app, env=env)
        output = run(["dotnet", "run", "-c", "Release", "--no-build"], cwd=app, env=env)

        m = re.search(r"training accuracy ([0-9.]+)", output)
        if not m or float(m.group(1)) < 0.9:
            fail("the notebook must print 'training accuracy' of at least 0.9")
        shown = sorted(glob.glob(os.path.join(out, "display-*.html")))
        if not shown:
            fail("the notebook displayed nothing")
        for html in shown:
            with open(html, encoding="utf-8") as f:
                text = f.read()
            m = re.search(r'<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
            if not m:
                fail(f"{html} holds no PNG <img>")
            png = base64.b64decode(m.group(1))
            if not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) < 10_000:
                fail(f"{html}: not a PNG of a plot ({len(png)} bytes)")
            with open(html[:-len(".html")] + ".png", "wb") as f:
                f.write(png)
        print(f"notebook-check: passed (UncertaintyLoss {version}; {len(shown)} plot(s) in {out})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if version:
            shutil.rmtree(os.path.join(packages_folder, "uncertaintyloss", version), ignore_errors=True)


if __name__ == "__main__":
    main()
