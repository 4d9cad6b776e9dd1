#!/usr/bin/env python3
"""Writes red-reference.json: the RED authors' loss (Pandey and Yu, ICML 2023) evaluated on fixed inputs.

Our script, not the authors' code: it reads MainMnistExperiment/losses.py at one commit of
pandeydeep9/EvidentialResearch2023 (from a git directory outside this repository), compiles only its loss functions
(relu_evidence, kl_divergence, loglikelihood_loss, mse_loss, edl_loss, edl_mse_loss, edl_log_loss, edl_digamma_loss)
with stand-ins for the module's globals (`args`: unc_act = "exp", use_vac_reg = True, kl_strength; `get_device`: CPU),
and calls edl_<type>_loss(logits, one_hot_target, epoch, num_classes, annealing_step) as their training loop does. With
exp evidence their correct-evidence term, -sum(vacuity * logits * target) / N, is -nu * ln e_y; the whole loss is
UL.RedEvidentialLoss(exp(logits), t, regFactor = kl_strength * min(1, epoch / annealing_step), 1, Mean, risk).

It stores only numbers: logits, targets, the loss and its gradient with respect to the logits (float64), twice: as
their code runs, and with their float32 constants (torch.float32 in kl_divergence's `ones`, hence ln Gamma(K) in float32,
and in the annealing coefficient) made float64 ("exact"), by compiling the functions against a torch stand-in whose
float32 is float64. Usage (Data/README.md, "RED"):

    PYTHONPATH= /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_red_reference.py \
        --git-dir /work/.mirror/pandeydeep9+EvidentialResearch2023/repo --commit <sha> [--date-utc ...] [--out PATH]
"""
import argparse, ast, datetime, json, os, subprocess, sys, types
import torch
import torch.nn.functional as F

PATH = "MainMnistExperiment/losses.py"
FUNCTIONS = ("relu_evidence", "kl_divergence", "loglikelihood_loss", "mse_loss", "edl_loss",
             "edl_mse_loss", "edl_log_loss", "edl_digamma_loss")
EPOCH, ANNEALING_STEP = 5, 10          # annealing coefficient 0.5, exact in float32


class Float64Torch:
    """torch, except that torch.float32 is torch.float64."""
    float32 = torch.float64

    def __getattr__(self, name):
        return getattr(torch, name)


def load(git_dir, commit, args, torch_module):
    source = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{PATH}"], check=True,
                            capture_output=True, text=True).stdout
    defs = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name in FUNCTIONS]
    assert sorted(d.name for d in defs) == sorted(FUNCTIONS), "functions not found"
    namespace = {"torch": torch_module, "F": F, "args": args, "get_device": lambda: torch.device("cpu")}
    exec(compile(ast.Module(body=defs, type_ignores=[]), PATH, "exec"), namespace)
    return namespace


def inputs(seed, n, c):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, c, generator=g, dtype=torch.float64) * 18 - 10     # logits in [-10, 8)
    t = torch.randint(0, c, (n,), generator=g)
    x[0, t[0]] = -11.0                                                   # the zero-evidence region, above ln 1e-5
    x[1, t[1]] = 7.5
    return x, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date-utc")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "red-reference.json"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    cases = []
    for c in (2, 3, 10):
        for unc_type in ("log", "digamma", "mse"):
            for kl_strength in (0.0, 0.5, 1.0):
                seed = len(cases) + 1
                x, t = inputs(seed, 6, c)
                y = torch.zeros(6, c, dtype=torch.float64).scatter_(-1, t.unsqueeze(-1), 1)
                args = types.SimpleNamespace(unc_act="exp", use_vac_reg=True, kl_strength=kl_strength)
                results = {}
                for name, torch_module in (("authors", torch), ("exact", Float64Torch())):
                    loss_fn = load(a.git_dir, a.commit, args, torch_module)[f"edl_{unc_type}_loss"]
                    leaf = x.clone().requires_grad_(True)
                    loss = loss_fn(leaf, y, EPOCH, c, ANNEALING_STEP, device=torch.device("cpu"))
                    loss.backward()
                    if loss.dtype != torch.float64:
                        sys.exit(f"case {seed}: loss in {loss.dtype}")
                    for v in (loss, leaf.grad):
                        if not torch.isfinite(v).all():
                            sys.exit(f"non-finite result in case {seed}")
                    results[name] = (float(loss), [float(v) for v in leaf.grad.flatten().tolist()])
                cases.append({
                    "id": f"red_c{c}_{unc_type}_kl{kl_strength}".replace(".", "p"),
                    "classes": c, "unc_type": unc_type, "kl_strength": kl_strength,
                    "reg_factor": kl_strength * min(1.0, EPOCH / ANNEALING_STEP),
                    "shape": list(x.shape),
                    "logits": [float(v) for v in x.flatten().tolist()],
                    "target": [int(v) for v in t.tolist()],
                    "output_authors": results["authors"][0], "grad_authors": results["authors"][1],
                    "output_float64_constants": results["exact"][0], "grad_float64_constants": results["exact"][1],
                })
    doc = {
        "format_version": 1,
        "provenance": {
            "reference": f"edl_log_loss, edl_digamma_loss, edl_mse_loss and their helpers ({PATH})",
            "repository": "github.com/pandeydeep9/EvidentialResearch2023",
            "commit": a.commit,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "generator": "UncertaintyLoss.Tests/Data/generate_red_reference.py",
            "date_utc": a.date_utc or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "note": f"float64 logits; args.unc_act='exp', args.use_vac_reg=True; epoch {EPOCH}, annealing_step "
                    f"{ANNEALING_STEP}; loss.backward(); gradient w.r.t. the logits; 'authors' as their code runs, "
                    "'float64_constants' with torch.float32 read as float64",
        },
        "cases": cases,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases -> {a.out}")


if __name__ == "__main__":
    main()
