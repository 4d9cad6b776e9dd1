"""Concern x function coverage of two test lists (issue 13: "prove nothing was lost").

Each list is the output of
    dotnet test <test project> -c Release --no-build --list-tests -- NUnit.DisplayName=FullName
(the lines after "The following Tests are available:", leading spaces stripped). A test counts for a function when the
function's name appears as a word in its full name (namespace removed): the class of the old per-function files
(`EvidentialLossTests.`), the method, or the table entry in the arguments (`(EvidentialLoss)`, `(MaxNormLoss(...))`).
Its concern is the first rule in CONCERNS that matches the method name. The classification is a heuristic; the pairs
it reports lost are the ones to look at by hand.

Usage: python3 .ci/coverage-pairs.py BEFORE.txt AFTER.txt   (prints a Markdown table "before→after" and the lost pairs)
"""
import re, sys, collections
FUNCS = ["EvidentialLoss","DirichletMseLoss","UniformDirichletKl","MaxNormLoss","DirichletPNormLoss",
         "DirichletFisherRegularizer","Uncertainty","ModelUncertainty","DataUncertainty","Vacuity",
         "DirichletMean","DirichletMode","CrossEntropyUncertainty","ClampedExp","ToEvidence"]
ALIASES = {"EvidentialRegression": None, "MaxNormLossModule": None, "EvidentialLossModule": None,
           "PNorm": "DirichletPNormLoss", "Fisher": "DirichletFisherRegularizer", "Mse": "DirichletMseLoss",
           "Kl": "UniformDirichletKl"}
CONCERNS = [("cuda", r"Cuda|Device"), ("memory", r"Memory|Leak|Outlive|NoTensor|LiveTensor|Dispos"),
            ("validation", r"Validation|Reject|Throw|Invalid|Bad[A-Z]|Message"),
            ("weight/ignore", r"WeightIgnore|Weight|Ignore"),
            ("fused-vs-composed", r"Fused|Composed|KernelPath"),
            ("FD gradient", r"Gradient|FiniteDifference|Hessian|Backward"),
            ("reduction", r"Reduction|_Mean|_Sum|Mean\b|Sum\b"),
            ("reference value", r"Reference|Parity|Matches|ClosedForm|Python"),
            ("invariant", r".")]
def funcs_of(name):
    s = name.replace("UncertaintyLoss.Demo.Tests.", "").replace("UncertaintyLoss.Tests.", "").replace("UncertaintyLoss", "#")
    for a in ("EvidentialRegression", "MaxNormLossModule", "EvidentialLossModule"):
        s = s.replace(a, "#")
    found = set()
    for f in sorted(FUNCS, key=len, reverse=True):
        rx = r"(?<![A-Za-z])" + f + r"(?:(?![a-zA-Z])|(?=Tests))"
        if re.search(rx, s):
            found.add(f); s = re.sub(rx, "#", s)
    return found
def concern_of(name):
    cls_method = name.split("(")[0].split(".")[-1]
    for c, rx in CONCERNS:
        if re.search(rx, cls_method): return c
def table(path):
    cov = collections.defaultdict(int)
    for line in open(path):
        line = line.strip()
        if not line: continue
        fs = funcs_of(line)
        if not fs: continue
        c = concern_of(line)
        for f in fs: cov[(c, f)] += 1
    return cov
before, after = table(sys.argv[1]), table(sys.argv[2])
concerns = [c for c, _ in CONCERNS]
print("| concern | " + " | ".join(FUNCS) + " |")
print("|---|" + "---|" * len(FUNCS))
for c in concerns:
    print(f"| {c} | " + " | ".join(f"{before.get((c,f),0)}→{after.get((c,f),0)}" for f in FUNCS) + " |")
lost = [(c, f) for (c, f) in before if before[(c, f)] and not after.get((c, f))]
print("\nlost pairs:", lost)
