#!/usr/bin/env python3
"""Runs the documented shell commands of README.md and docs/getting-started.md as written.

Every fenced ```bash block of those pages is a command a reader will type, so CI runs it. Per page, the blocks run in
order in one bash session (`set -euo pipefail`; a `cd` in one block holds for the next), starting in the repository's
root, as the pages assume a clone. HOME is a fresh, empty folder, so `~/ul-feed` and `cd ~` touch nothing of the
machine's; NuGet's global packages folder and the user's NuGet.Config are the machine's (no download of what is already
there), and this run's development versions of UncertaintyLoss are removed from the global packages folder afterwards.

A block may be marked by an HTML comment on the line before it (used sparingly; the reason goes in the comment):
  <!-- ci: run by .ci/run -->   .ci/run runs these commands itself (the README's two: the tests with a TRX logger added,
                                the sample with an output folder); each command line must appear in .ci/run verbatim.
  <!-- ci: skip: <reason> -->   not run at all, e.g. a command that installs system packages.
Blocks in other languages are not run; a ```sh, ```shell or ```console block fails the check (write ```bash).

Usage: python3 .ci/doc-commands.py [--list] [PAGE...]   (called by .ci/run; --list prints what would run)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md", "docs/getting-started.md"]
MARKER = re.compile(r"^<!--\s*ci:\s*(run by \.ci/run|skip:\s*\S.*?)\s*-->$")


def fail(message):
    print(f"doc-commands: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def blocks(page):
    """[(line number, marker or None, text)] of the page's ```bash blocks."""
    with open(os.path.join(REPO, page), encoding="utf-8") as f:
        lines = f.read().splitlines()
    found, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)(```+)\s*(\S*)", lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(2), m.group(3), i
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), None)
        if end is None:
            fail(f"{page}:{start + 1}: unclosed code block")
        if lang in ("sh", "shell", "console", "zsh"):
            fail(f"{page}:{start + 1}: a ```{lang} block; write ```bash so that CI runs it")
        if lang == "bash":
            before = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
            marker = MARKER.match(before)
            if before.startswith("<!-- ci:") and not marker:
                fail(f"{page}:{start}: unknown marker {before}")
            found.append((start + 1, marker.group(1) if marker else None, "\n".join(lines[start + 1:end])))
        i = end + 1
    return found


def command_lines(text):
    """The block's commands: lines without their trailing comments, comment-only and blank lines left out."""
    result = []
    for line in text.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            result.append(line)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true")
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    with open(os.path.join(REPO, ".ci", "run"), encoding="utf-8") as f:
        ci_run = f.read()

    scripts = {}
    for page in args.pages:
        runnable = []
        for line, marker, text in blocks(page):
            if marker == "run by .ci/run":
                for command in command_lines(text):
                    if command not in ci_run:
                        fail(f"{page}:{line}: marked 'run by .ci/run', but .ci/run does not run: {command}")
                print(f"doc-commands: {page}:{line}: run by .ci/run: {'; '.join(command_lines(text))}")
            elif marker:
                print(f"doc-commands: {page}:{line}: {marker}")
            else:
                runnable.append((line, text))
        if runnable:
            parts = ["set -euo pipefail", f"cd {shlex_quote(REPO)}"]
            for line, text in runnable:
                parts.append(f"echo {shlex_quote(f'doc-commands: {page}:{line}')}")
                parts.append(text)
            scripts[page] = "\n".join(parts) + "\n"
    if args.list:
        for page, script in scripts.items():
            print(f"--- {page}\n{script}")
        return

    packages = subprocess.run(["dotnet", "nuget", "locals", "global-packages", "--list"], stdout=subprocess.PIPE,
                              text=True, check=True).stdout.split(":", 1)[1].strip().rstrip("/")
    before = set(os.listdir(os.path.join(packages, "uncertaintyloss"))) if os.path.isdir(
        os.path.join(packages, "uncertaintyloss")) else set()
    for page, script in scripts.items():
        home = tempfile.mkdtemp(prefix="ul-doc-home.")
        user_config = os.path.expanduser("~/.nuget/NuGet/NuGet.Config")
        if os.path.exists(user_config):
            os.makedirs(os.path.join(home, ".nuget", "NuGet"))
            shutil.copy(user_config, os.path.join(home, ".nuget", "NuGet", "NuGet.Config"))
        env = dict(os.environ, HOME=home, NUGET_PACKAGES=packages)
        start = time.time()
        print(f"doc-commands: running the commands of {page} (HOME={home})", flush=True)
        try:
            status = subprocess.run(["bash", "-c", script], cwd=REPO, env=env).returncode
        finally:
            shutil.rmtree(home, ignore_errors=True)
            folder = os.path.join(packages, "uncertaintyloss")
            for version in (set(os.listdir(folder)) if os.path.isdir(folder) else set()) - before:
                if "-dev." in version:
                    shutil.rmtree(os.path.join(folder, version), ignore_errors=True)
        if status != 0:
            fail(f"a command of {page} failed (exit {status})")
        print(f"doc-commands: {page}: every command ran ({time.time() - start:.0f} s)")


def shlex_quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'"


if __name__ == "__main__":
    main()
