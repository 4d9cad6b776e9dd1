#!/usr/bin/env python3
"""Summarise VSTest TRX files (dotnet test --logger trx), one line per file: passed, failed, skipped, with the skip
reasons counted and the failed tests named. With --total, print only the sum over all files as the closing line
'tests: N passed, N failed, N skipped'. Exits 1 when a file has failed tests or none at all, or cannot be read.

Usage: python3 .ci/trx-summary.py [--total] FILE.trx...   (called by .ci/run)
"""
import collections
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def read(path):
    """(passed, failed, skipped, skip reasons Counter, failed test names) of one TRX file."""
    root = ET.parse(path).getroot()
    names = {}
    for test in root.iterfind("t:TestDefinitions/t:UnitTest", NS):
        method = test.find("t:TestMethod", NS)
        name = test.get("name")
        names[test.get("id")] = f"{method.get('className')}.{name}" if method is not None else name
    counts = collections.Counter()
    reasons = collections.Counter()
    failed = []
    for result in root.iterfind("t:Results/t:UnitTestResult", NS):
        outcome = result.get("outcome")
        counts[outcome] += 1
        if outcome == "NotExecuted":
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
            # "CUDA is not available (a CUDA TorchSharp backend ...)." -> "CUDA is not available"
            reasons[message.split(" (")[0].rstrip(".") or "no reason given"] += 1
        elif outcome != "Passed":
            failed.append(f"{names.get(result.get('testId'), result.get('testName'))} ({outcome})")
    passed = counts["Passed"]
    skipped = counts["NotExecuted"]
    return passed, sum(counts.values()) - passed - skipped, skipped, reasons, failed


def main(args):
    total_only = args[:1] == ["--total"]
    files = args[1:] if total_only else args
    if not files:
        print("trx-summary: no TRX file given", file=sys.stderr)
        return 1
    ok = True
    sums = [0, 0, 0]
    for path in files:
        try:
            passed, failed, skipped, reasons, failures = read(path)
        except (OSError, ET.ParseError) as error:
            print(f"trx-summary: cannot read {path}: {error}", file=sys.stderr)
            ok = False
            continue
        sums = [sums[0] + passed, sums[1] + failed, sums[2] + skipped]
        if failed or passed + failed + skipped == 0:
            ok = False
        if total_only:
            continue
        name = os.path.basename(path)[: -len(".trx")]
        print(f"  {name}: {passed} passed, {failed} failed, {skipped} skipped"
              + (" (no test ran)" if passed + failed + skipped == 0 else ""))
        for reason, count in reasons.most_common():
            print(f"    {count} skipped: {reason}")
        for test in failures:
            print(f"    failed: {test}")
    if total_only:
        print(f"tests: {sums[0]} passed, {sums[1]} failed, {sums[2]} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
