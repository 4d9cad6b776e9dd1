#!/usr/bin/env python3
"""Writes dec-reference.json: torch-uncertainty's DECLoss (Sensoy et al. 2018, eqs. 3-5) run on fixed inputs.

Our script, not torch-uncertainty's code: it loads the one module that defines DECLoss
(src/torch_uncertainty/losses/classification.py, which imports only torch) from a checkout outside this repository,
calls DECLoss(reg_weight, loss_type, reduction) on deterministic inputs and stores only numbers: inputs, outputs and the
gradient of output.sum() with respect to the evidence. Usage (Data/README.md, "torch-uncertainty DECLoss"):

    PYTHONPATH= /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_dec_reference.py \
        --module /tmp/tu/src/torch_uncertainty/losses/classification.py --commit <sha> [--date-utc ...] [--out PATH]

Inputs are strictly positive: DECLoss applies a ReLU to the evidence, whose gradient PyTorch takes as 0 at exactly 0,
where ours (no ReLU: evidence must already be non-negative) is the derivative of the formula (docs/evidential.md).
"""
import argparse, datetime, importlib.util, json, math, os, sys
import torch


def load_dec_loss(path):
    spec = importlib.util.spec_from_file_location("tu_classification", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DECLoss


def inputs(seed, n, c, dtype):
    g = torch.Generator().manual_seed(seed)
    # log-uniform evidence over 1e-3 .. 1e3, and one row with a dominant class
    e = torch.pow(10.0, torch.rand(n, c, generator=g, dtype=torch.float64) * 6 - 3)
    e[0, 0] = 5e4
    t = torch.randint(0, c, (n,), generator=g)
    return e.to(dtype), t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--module", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date-utc")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "dec-reference.json"))
    a = ap.parse_args()
    DECLoss = load_dec_loss(a.module)
    torch.set_num_threads(1)
    cases = []
    for dtype_name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        for loss_type in ("log", "digamma", "mse"):
            for reg in (None, 0.5):
                for reduction in ("none", "mean", "sum"):
                    seed = len(cases) + 1
                    e, t = inputs(seed, 6, 4, dtype)
                    leaf = e.clone().requires_grad_(True)
                    loss = DECLoss(reg_weight=reg, loss_type=loss_type, reduction=reduction)(leaf, t)
                    loss.sum().backward()
                    out = loss.detach()
                    if reduction == "none":
                        out = out.squeeze(1)   # DECLoss keeps a class dimension of size 1 for "none"
                    for x in (out, leaf.grad):
                        if not torch.isfinite(x).all():
                            sys.exit(f"non-finite result in case {seed}")
                    cases.append({
                        "id": f"dec_{loss_type}_{dtype_name}_{reduction}_reg{0 if reg is None else reg}".replace(".", "p"),
                        "loss_type": loss_type, "reg_weight": 0.0 if reg is None else reg, "reduction": reduction,
                        "dtype": dtype_name, "shape": list(e.shape),
                        "evidence": [float(v) for v in e.flatten().tolist()],
                        "target": [int(v) for v in t.tolist()],
                        "output_shape": list(out.shape),
                        "output": [float(v) for v in out.flatten().tolist()],
                        "grad": [float(v) for v in leaf.grad.flatten().tolist()],
                    })
    doc = {
        "format_version": 1,
        "provenance": {
            "reference": "torch-uncertainty DECLoss (src/torch_uncertainty/losses/classification.py)",
            "repository": "github.com/ENSTA-U2IS-AI/torch-uncertainty",
            "commit": a.commit,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "generator": "UncertaintyLoss.Tests/Data/generate_dec_reference.py",
            "date_utc": a.date_utc or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "note": "DECLoss(reg_weight, loss_type, reduction)(evidence, target); output.sum().backward(); "
                    "'none' outputs squeezed from (N, 1) to (N)",
        },
        "cases": cases,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases -> {a.out}")


if __name__ == "__main__":
    main()
