#!/usr/bin/env python3
"""The peer column of docs/performance.md: the Python package uncertainty-loss on PyTorch, timed like our C# benchmark.

This script is ours (issue 18). It imports the package (uncertainty_loss 0.1.2, commit 3d29eec of
agencyenterprise/uncertainty-loss) and times, for each shape of UncertaintyLoss.Benchmarks (128x10, 4096x1000,
8x21x128x128), forward + backward from float32 logits with 2 intra-op threads:
  cross_entropy(logits, target)                                   the baseline
  evidential_loss(clamped_exp(logits), target, reg_factor=1.0)    the package's evidential loss
  maxnorm_loss(clamped_exp(logits), target, reg_factor=1.0)       the package's max-norm loss
interleaved (one call of each per round, so that machine noise hits all three alike), and prints each loss's median time
and its ratio to cross_entropy's median in the same run. Inputs as in LossBenchmarkBase: randn logits and randint
targets from a fixed seed. A loss the package cannot compute at a shape (it has no segmentation shapes) is reported as
the error it raised.

Run with Debian 12's python3 and python3-torch (1.13), the package's source on PYTHONPATH:
    git clone https://github.com/agencyenterprise/uncertainty-loss /tmp/ul-src   # or any copy of commit 3d29eec
    PYTHONPATH=/tmp/ul-src /usr/bin/python3 UncertaintyLoss.Benchmarks/python/compare_python.py [--rounds 30] [--json out.json]
"""
import argparse
import datetime
import json
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F

try:
    import uncertainty_loss as ul
except ImportError:
    sys.exit("compare_python: uncertainty_loss is not importable; put its source on PYTHONPATH (see the docstring)")

SHAPES = ["128x10", "4096x1000", "8x21x128x128"]
SEED = 20261122


def inputs(shape):
    dims = [int(d) for d in shape.split("x")]
    g = torch.Generator().manual_seed(SEED)
    logits = torch.randn(dims, generator=g, dtype=torch.float32).requires_grad_(True)
    target = torch.randint(0, dims[1], [dims[0]] + dims[2:], generator=g)
    return logits, target


def step(loss_fn, logits, target):
    logits.grad = None
    loss = loss_fn(logits, target)
    loss.backward()


LOSSES = {
    "cross_entropy": lambda z, y: F.cross_entropy(z, y),
    "evidential_loss(clamped_exp)": lambda z, y: ul.evidential_loss(ul.clamped_exp(z), y, reg_factor=1.0),
    "maxnorm_loss(clamped_exp)": lambda z, y: ul.maxnorm_loss(ul.clamped_exp(z), y, reg_factor=1.0),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(2)
    results = {}
    for shape in args.shapes.split(","):
        logits, target = inputs(shape)
        usable, errors = {}, {}
        for name, fn in LOSSES.items():
            try:
                step(fn, logits, target)   # warm-up, and a check that the package computes this shape
                if logits.grad is None or logits.grad.shape != logits.shape:
                    raise RuntimeError(f"gradient of shape {None if logits.grad is None else tuple(logits.grad.shape)}")
                usable[name] = fn
            except Exception as e:  # noqa: BLE001 - reported, not hidden
                errors[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
        times = {name: [] for name in usable}
        for _ in range(args.rounds):
            for name, fn in usable.items():
                t0 = time.perf_counter()
                step(fn, logits, target)
                times[name].append(time.perf_counter() - t0)
        base = statistics.median(times["cross_entropy"])
        results[shape] = {name: {"median_s": statistics.median(t), "ratio": statistics.median(t) / base} for name, t in times.items()}
        results[shape].update({name: {"error": err} for name, err in errors.items()})
        for name, r in results[shape].items():
            text = r["error"] if "error" in r else f"{r['median_s'] * 1e3:10.3f} ms  {r['ratio']:7.2f}x"
            print(f"{shape:>14}  {name:30}  {text}", flush=True)
    provenance = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "torch": torch.__version__, "python": platform.python_version(), "machine": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(), "rounds": args.rounds, "dtype": "float32", "pass": "forward+backward",
        "uncertainty_loss": getattr(ul, "__version__", "0.1.2 (commit 3d29eec)"),
    }
    print(json.dumps(provenance))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"provenance": provenance, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
