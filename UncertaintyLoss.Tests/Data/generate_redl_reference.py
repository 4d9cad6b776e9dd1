#!/usr/bin/env python3
"""Writes redl-reference.json: the R-EDL authors' loss (Chen, Gao and Xu, ICLR 2024) evaluated on fixed inputs.

Our script, not the authors' code: it reads code_classical/models/ModifiedEvidentialN.py at one commit of
MengyuanChen21/ICLR2024-REDL (from a git directory outside this repository), compiles only the two methods
ModifiedEvidentialNet.compute_mse and ModifiedEvidentialNet.compute_kl_loss from it (they use torch and self.lamb1/lamb2
only), and calls them on a stand-in `self` with lamb1 = 1 and lamb2 = lambda, as ModifiedEvidentialNet.forward does:

    loss = compute_mse(y_onehot, e) + reg * compute_kl_loss(e * (1 - y_onehot) + lambda, lambda)

(both return batch means; this is UL.RelaxedEvidentialLoss(e, t, reg, lambda) with Reduction.Mean). It stores only
numbers: inputs, the loss and its gradient with respect to the evidence (float64), for the authors' epsilon = 1e-8 inside
lgamma/digamma and for epsilon = 0 (the paper's formula). Usage (Data/README.md, "R-EDL"):

    PYTHONPATH= /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_redl_reference.py \
        --git-dir /work/.mirror/MengyuanChen21+ICLR2024-REDL/repo --commit <sha> [--date-utc ...] [--out PATH]
"""
import argparse, ast, datetime, json, os, subprocess, sys, types
import torch

PATH = "code_classical/models/ModifiedEvidentialN.py"
METHODS = ("compute_mse", "compute_kl_loss")


def load_methods(git_dir, commit):
    source = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{PATH}"], check=True,
                            capture_output=True, text=True).stdout
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ModifiedEvidentialNet")
    defs = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in METHODS]
    assert sorted(d.name for d in defs) == sorted(METHODS), "methods not found"
    namespace = {"torch": torch}
    exec(compile(ast.Module(body=defs, type_ignores=[]), PATH, "exec"), namespace)
    return namespace["compute_mse"], namespace["compute_kl_loss"]


def inputs(seed, n, c, kind):
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(n, c, generator=g, dtype=torch.float64)
    if kind == "unit":
        e = u                                   # [0, 1)
    elif kind == "ten":
        e = 10 * u                              # [0, 10)
    else:
        e = torch.pow(10.0, u * 7 - 3)          # log-uniform 1e-3 .. 1e4
    e[0, 0] = 0.0                               # exact zeros, true class and not
    e[1 % n, (1 % c)] = 0.0
    t = torch.randint(0, c, (n,), generator=g)
    t[0] = 0
    return e, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date-utc")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "redl-reference.json"))
    a = ap.parse_args()
    compute_mse, compute_kl_loss = load_methods(a.git_dir, a.commit)
    torch.set_num_threads(1)
    cases = []
    for c in (2, 3, 10):
        for lam in (0.1, 0.5, 1.0):
            for kind in ("unit", "ten", "wide"):
                for reg in (0.0, 0.7, 1.0):
                    seed = len(cases) + 1
                    e, t = inputs(seed, 5, c, kind)
                    y = torch.zeros(5, c, dtype=torch.float64).scatter_(-1, t.unsqueeze(-1), 1)
                    me = types.SimpleNamespace(lamb1=1.0, lamb2=lam)
                    results = {}
                    for name, eps in (("authors", 1e-8), ("exact", 0.0)):
                        leaf = e.clone().requires_grad_(True)
                        loss = compute_mse(me, y, leaf) + reg * compute_kl_loss(me, leaf * (1 - y) + lam, lam, epsilon=eps)
                        loss.backward()
                        for x in (loss, leaf.grad):
                            if not torch.isfinite(x).all():
                                sys.exit(f"non-finite result in case {seed}")
                        results[name] = (float(loss), [float(v) for v in leaf.grad.flatten().tolist()])
                    cases.append({
                        "id": f"redl_c{c}_lambda{lam}_{kind}_reg{reg}".replace(".", "p"),
                        "classes": c, "lambda": lam, "reg": reg, "evidence_kind": kind, "shape": list(e.shape),
                        "evidence": [float(v) for v in e.flatten().tolist()],
                        "target": [int(v) for v in t.tolist()],
                        "output_authors_eps": results["authors"][0], "grad_authors_eps": results["authors"][1],
                        "output_eps0": results["exact"][0], "grad_eps0": results["exact"][1],
                    })
    doc = {
        "format_version": 1,
        "provenance": {
            "reference": f"ModifiedEvidentialNet.compute_mse and compute_kl_loss ({PATH})",
            "repository": "github.com/MengyuanChen21/ICLR2024-REDL",
            "commit": a.commit,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "generator": "UncertaintyLoss.Tests/Data/generate_redl_reference.py",
            "date_utc": a.date_utc or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "note": "float64; loss = compute_mse(y, e) + reg * compute_kl_loss(e*(1-y) + lambda, lambda, epsilon) with "
                    "self.lamb1 = 1, self.lamb2 = lambda (batch means); loss.backward(); gradient w.r.t. the evidence; "
                    "epsilon = 1e-8 (the authors' default) and 0",
        },
        "cases": cases,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases -> {a.out}")


if __name__ == "__main__":
    main()
