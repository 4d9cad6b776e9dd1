#!/usr/bin/env python3
"""Writes postnet-reference.json: Posterior Network's loss (Charpentier et al., NeurIPS 2020) evaluated on fixed inputs.

Our script, not the authors' code: it reads src/posterior_networks/PosteriorNetwork.py at one commit of
sharpenb/Posterior-Network (from a git directory outside this repository), compiles only the method
PosteriorNetwork.UCE_loss from it (it uses torch, autograd, Dirichlet and self.output_dim / self.regr only) and calls it
on a stand-in `self` with alpha = evidence + 1 (the flat prior beta_prior = 1 plus the pseudo-counts) and one-hot
targets, as PosteriorNetwork.forward does. UCE_loss sums over the batch: this is
UL.PosteriorNetworkLoss(evidence, t, regr, Reduction.Sum). It stores only numbers: inputs, the loss and its gradient with
respect to the evidence (float64). Usage (Data/README.md, "Posterior Network"):

    PYTHONPATH= /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_postnet_reference.py \
        --git-dir /work/.mirror/sharpenb+Posterior-Network/repo --commit <sha> [--date-utc ...] [--out PATH]
"""
import argparse, ast, datetime, json, os, subprocess, sys, types
import torch
from torch import autograd
from torch.distributions.dirichlet import Dirichlet

PATH = "src/posterior_networks/PosteriorNetwork.py"


def load_uce(git_dir, commit):
    source = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{PATH}"], check=True,
                            capture_output=True, text=True).stdout
    cls = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "PosteriorNetwork")
    defs = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "UCE_loss"]
    assert len(defs) == 1, "UCE_loss not found"
    namespace = {"torch": torch, "autograd": autograd, "Dirichlet": Dirichlet}
    exec(compile(ast.Module(body=defs, type_ignores=[]), PATH, "exec"), namespace)
    return namespace["UCE_loss"]


def inputs(seed, n, c, kind):
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(n, c, generator=g, dtype=torch.float64)
    e = 10 * u if kind == "ten" else torch.pow(10.0, u * 7 - 3)     # [0, 10) or log-uniform 1e-3 .. 1e4
    e[0, 0] = 0.0
    t = torch.randint(0, c, (n,), generator=g)
    return e, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date-utc")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "postnet-reference.json"))
    a = ap.parse_args()
    uce_loss = load_uce(a.git_dir, a.commit)
    torch.set_num_threads(1)
    cases = []
    for c in (2, 3, 10):
        for kind in ("ten", "wide"):
            for regr in (0.0, 1e-5, 0.5):
                seed = len(cases) + 1
                e, t = inputs(seed, 5, c, kind)
                y = torch.zeros(5, c, dtype=torch.float64).scatter_(-1, t.unsqueeze(-1), 1)
                leaf = e.clone().requires_grad_(True)
                loss = uce_loss(types.SimpleNamespace(output_dim=c, regr=regr), leaf + 1, y)
                loss.backward()
                for v in (loss, leaf.grad):
                    if not torch.isfinite(v).all():
                        sys.exit(f"non-finite result in case {seed}")
                cases.append({
                    "id": f"postnet_c{c}_{kind}_regr{regr}".replace(".", "p").replace("-", "m"),
                    "classes": c, "regr": regr, "evidence_kind": kind, "shape": list(e.shape),
                    "evidence": [float(v) for v in e.flatten().tolist()],
                    "target": [int(v) for v in t.tolist()],
                    "output": float(loss), "grad": [float(v) for v in leaf.grad.flatten().tolist()],
                })
    doc = {
        "format_version": 1,
        "provenance": {
            "reference": f"PosteriorNetwork.UCE_loss ({PATH})",
            "repository": "github.com/sharpenb/Posterior-Network",
            "commit": a.commit,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "generator": "UncertaintyLoss.Tests/Data/generate_postnet_reference.py",
            "date_utc": a.date_utc or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "note": "float64; UCE_loss(self(output_dim=K, regr), evidence + 1, one_hot) (a batch sum); loss.backward(); "
                    "gradient w.r.t. the evidence",
        },
        "cases": cases,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases -> {a.out}")


if __name__ == "__main__":
    main()
