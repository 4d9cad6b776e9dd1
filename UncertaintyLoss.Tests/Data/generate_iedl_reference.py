#!/usr/bin/env python3
"""Writes iedl-reference.json: I-EDL's loss (Deng et al., ICML 2023) as the authors' code computes it, on fixed inputs.

Our script, not the authors' code: it imports their model class FisherEvidentialN from a checkout of danruod/IEDL
outside this repository (code_classical/models/FisherEvidentialN.py) and calls its two loss methods, which use nothing
of the model instance, as plain functions:

    loss = mse + var + fisher_c * det_fisher + kl_c * kl
    (mse, var, det_fisher) = FisherEvidentialN.compute_fisher_mse(None, one_hot, alpha)
    kl = FisherEvidentialN.compute_kl_loss(None, alpha_tilde, target, 1.0)       # target_con = 1, as the class fixes it
    alpha = evidence + 1, alpha_tilde = (alpha - 1) * (1 - one_hot) + 1           # as FisherEvidentialN.forward

That is the class's `grad_loss` with `kl_c` in place of its annealing factor min(1, epoch/10). Each method returns a batch
mean, so every row is evaluated alone (a batch of one) to get per-position values. Two evaluations are stored:

- "as_published": the methods as they are (torch.polygamma(1, .) and the KL's epsilon = 1e-8);
- "exact_formula": the same methods with epsilon = 0 and torch.polygamma(1, .) replaced by an accurate trigamma (the
  recurrence psi1(x) = psi1(x + 1) + 1/x^2 up to x >= 12, then the asymptotic series; checked here against mpmath to
  2e-16). This is the paper's formula, which our library implements (docs/iedl.md).

Plus "large_evidence": for a few rows with evidence up to 1e12, the loss at 50 digits with mpmath (the formula written
from the paper, not the authors' code) and the authors' code in float32 and float64, to show where the formula as written
loses its digits. Usage (Data/README.md, "I-EDL"):

    git -C <mirror of danruod/IEDL> archive <commit> code_classical/models code_classical/architectures | tar -x -C /tmp/iedl
    PYTHONPATH=/tmp/iedl/code_classical /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_iedl_reference.py \
        --commit <commit> [--date-utc ...] [--out PATH]
"""
import argparse, datetime, json, math, os, sys
import mpmath as mp
import torch
from models.FisherEvidentialN import FisherEvidentialN

_polygamma = torch.polygamma


def accurate_trigamma(x):
    """psi1(x) for x > 0: recurrence up to x + n >= 12, then 1/z + 1/(2z^2) + sum B_2k / z^(2k+1), smallest terms first."""
    n = torch.clamp(torch.ceil(12.0 - x), min=0.0)
    z = x + n
    w = 1.0 / (z * z)
    bern = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6]
    series = torch.zeros_like(x)
    for b in reversed(bern):
        series = series * w + b
    result = series * w / z + 0.5 * w + 1.0 / z
    for k in range(11, -1, -1):
        result = result + torch.where(k < n, 1.0 / ((x + k) ** 2), torch.zeros_like(x))
    return result


def exact_polygamma(order, x):
    if order != 1:
        raise ValueError("only the trigamma is replaced")
    return accurate_trigamma(x)


def check_trigamma():
    worst = 0.0
    for v in [1.0, 1.0 + 1e-9, 1.5, 2.0, 3.7, 11.99, 12.0, 12.5, 100.0, 1e4, 1e8, 1e12]:
        ours = accurate_trigamma(torch.tensor([v], dtype=torch.float64)).item()
        exact = mp.psi(1, mp.mpf(v))
        worst = max(worst, abs(float((ours - exact) / exact)))
    if worst > 2e-16:
        sys.exit(f"accurate_trigamma off by {worst}")
    return worst


def authors_loss(evidence, target, fisher_c, kl_c, epsilon, trigamma):
    """The authors' per-row loss (a batch of one row)."""
    torch.polygamma = trigamma
    try:
        alpha = evidence + 1.0
        one_hot = torch.zeros_like(alpha).scatter_(-1, target.unsqueeze(-1), 1)
        mse, var, det = FisherEvidentialN.compute_fisher_mse(None, one_hot, alpha)
        alpha_tilde = (alpha - 1.0) * (1 - one_hot) + 1.0
        kl = FisherEvidentialN.compute_kl_loss(None, alpha_tilde, target, 1.0, epsilon=epsilon)
        return mse + var + fisher_c * det + kl_c * kl
    finally:
        torch.polygamma = _polygamma


def evaluate(e_rows, targets, fisher_c, kl_c, dtype, exact):
    values, grads = [], []
    for row, t in zip(e_rows, targets):
        leaf = torch.tensor([row], dtype=dtype, requires_grad=True)
        loss = authors_loss(leaf, torch.tensor([t]), fisher_c, kl_c, 0.0 if exact else 1e-8,
                            exact_polygamma if exact else _polygamma)
        loss.backward()
        values.append(float(loss.item()))
        grads.extend(float(g) for g in leaf.grad.flatten().tolist())
    return values, grads


def mp_loss(e_row, t, fisher_c, kl_c):
    """The paper's formula at 50 digits."""
    mp.mp.dps = 50
    a = [mp.mpf(v) + 1 for v in e_row]
    k, s = len(a), mp.fsum(a)
    tri = [mp.psi(1, x) for x in a]
    mse = mp.fsum(tri[j] * ((int(j == t) - a[j] / s) ** 2 + (a[j] / s) * (1 - a[j] / s) / (s + 1)) for j in range(k))
    logdet = mp.fsum(mp.log(x) for x in tri) + mp.log(1 - mp.psi(1, s) * mp.fsum(1 / x for x in tri))
    at = [mp.mpf(1) if j == t else a[j] for j in range(k)]
    st = mp.fsum(at)
    kl = mp.loggamma(st) - mp.loggamma(k) - mp.fsum(mp.loggamma(x) for x in at) \
        + mp.fsum((x - 1) * (mp.digamma(x) - mp.digamma(st)) for x in at)
    return mse - fisher_c * logdet + kl_c * kl


def inputs(seed, n, c):
    g = torch.Generator().manual_seed(seed)
    # log-uniform evidence over 1e-3 .. 1e3, one row with a dominant class, one exact zero
    e = torch.pow(10.0, torch.rand(n, c, generator=g, dtype=torch.float64) * 6 - 3)
    e[0, 0] = 5e4
    e[1, c - 1] = 0.0
    t = torch.randint(0, c, (n,), generator=g)
    return e, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date-utc")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "iedl-reference.json"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    trigamma_error = check_trigamma()
    cases = []
    for c in (2, 4, 10):
        for fisher_c in (0.005, 0.05, 1.0):
            for kl_c in (0.0, 0.5):
                seed = len(cases) + 1
                e, t = inputs(seed, 5, c)
                case = {
                    "id": f"iedl_k{c}_fisher{fisher_c}_kl{kl_c}".replace(".", "p"),
                    "fisher_c": fisher_c, "kl_c": kl_c, "shape": list(e.shape),
                    "evidence": [float(v) for v in e.flatten().tolist()],
                    "target": [int(v) for v in t.tolist()],
                }
                for name, exact in (("as_published", False), ("exact_formula", True)):
                    values, grads = evaluate(e.tolist(), t.tolist(), fisher_c, kl_c, torch.float64, exact)
                    if not all(math.isfinite(v) for v in values + grads):
                        sys.exit(f"non-finite result in case {case['id']}")
                    case[name] = {"output": values, "grad": grads}
                cases.append(case)

    large = []
    for row, t in (([1e6, 0.5, 2.0], 0), ([1e9, 1e9, 1e9, 1e9], 2), ([1e12, 0.0, 0.0], 0),
                   ([3e7] + [1.0] * 9, 0), ([1e4, 1e4], 1), ([0.0, 0.0], 0)):
        for kl_c in (0.0, 1.0):
            entry = {"evidence": row, "target": t, "fisher_c": 0.005, "kl_c": kl_c,
                     "mpmath_50_digits": mp.nstr(mp_loss(row, t, 0.005, kl_c), 25)}
            for dname, dtype in (("float32", torch.float32), ("float64", torch.float64)):
                with torch.no_grad():
                    v = authors_loss(torch.tensor([row], dtype=dtype), torch.tensor([t]), 0.005, kl_c, 1e-8, _polygamma)
                entry["as_published_" + dname] = repr(float(v.item()))
            large.append(entry)

    doc = {
        "format_version": 1,
        "provenance": {
            "reference": "FisherEvidentialN.compute_fisher_mse and compute_kl_loss (code_classical/models/FisherEvidentialN.py)",
            "repository": "github.com/danruod/IEDL",
            "commit": a.commit,
            "torch": torch.__version__,
            "mpmath": mp.__version__,
            "python": sys.version.split()[0],
            "generator": "UncertaintyLoss.Tests/Data/generate_iedl_reference.py",
            "date_utc": a.date_utc or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "accurate_trigamma_max_relative_error_vs_mpmath": trigamma_error,
            "note": "per row: mse + var + fisher_c * det_fisher + kl_c * kl with alpha = evidence + 1; grad = d loss / d evidence; "
                    "as_published: torch.polygamma and epsilon 1e-8; exact_formula: accurate trigamma and epsilon 0",
        },
        "cases": cases,
        "large_evidence": large,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases, {len(large)} large-evidence rows -> {a.out}")


if __name__ == "__main__":
    main()
