#!/usr/bin/env python3
"""Generates python-reference.json: reference numbers from the Python package uncertainty-loss (README.md here).

This script is ours. It imports the package (uncertainty_loss, 0.1.2 at commit 3d29eec of
github.com/agencyenterprise/uncertainty-loss) and stores only numbers: the inputs it builds, what the package returns
for them, and the defects it shows. None of the package's code is copied here. Every output is checked against a
40-digit mpmath evaluation of the formula and every gradient against a float64 torch implementation of the formula,
both written here from the maths.

Run it with Debian 12's python3, python3-torch (1.13) and python3-mpmath (1.2.1), the package on PYTHONPATH:

    mkdir -p /tmp/ulpy && git -C <clone of uncertainty-loss> archive 3d29eec3388ff4056ce4344ced40b4a67e51ab3e \\
        uncertainty_loss | tar -x -C /tmp/ulpy
    PYTHONPATH=/tmp/ulpy /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_python_reference.py

It writes UncertaintyLoss.Tests/Data/python-reference.json (or --out PATH). The output is deterministic apart from
provenance.date_utc (pin it with --date-utc to compare two runs byte for byte).
"""
import argparse
import datetime
import json
import math
import os
import platform
import sys

import mpmath
import torch
import torch.nn.functional as F

try:
    import uncertainty_loss as ul
except ImportError:
    sys.exit("generate_python_reference: the Python package uncertainty_loss is not importable; put its source on "
             "PYTHONPATH (see this file's docstring)")

PACKAGE_VERSION = "0.1.2"
MIRROR_COMMIT = "3d29eec3388ff4056ce4344ced40b4a67e51ab3e"
DTYPES = {"float64": torch.float64, "float32": torch.float32}
LOSSES = ("dirichlet_mse_loss", "uniform_dirichlet_kl", "dirichlet_pnorm_loss", "dirichlet_fisher_regulizer",
          "evidential_loss", "maxnorm_loss")
mpmath.mp.dps = 40


# ---- inputs: the recipe of provenance.input_generation ------------------------------------------------------------

def make_evidence(seed, shape, dtype):
    """Non-negative evidence: zeros, [0, 1), [0, 10), [0, 100) and [1e3, top), 3 decimals; first 0, last top."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(shape, dtype=torch.float64, generator=g)
    k = torch.randint(0, 10, shape, generator=g)
    top = 1e4 if dtype == torch.float64 else 1e3
    value = torch.where(k <= 1, torch.zeros_like(u),
                        torch.where(k <= 4, u,
                                    torch.where(k <= 6, 10 * u,
                                                torch.where(k <= 8, 100 * u, 1e3 + u * (top - 1e3)))))
    flat = (torch.round(value * 1000) / 1000).flatten()
    flat[0] = 0.0
    if flat.numel() >= 4:
        flat[-1] = top
    return flat.reshape(shape).to(dtype)


def make_signed(seed, shape, dtype, scale, first):
    """Signed inputs (logits) in [-scale, scale], 3 decimals; the first flat entries replaced by `first`."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(shape, dtype=torch.float64, generator=g)
    flat = (torch.round((2 * u - 1) * scale * 1000) / 1000).flatten()
    for i, v in enumerate(first[: flat.numel()]):
        flat[i] = v
    return flat.reshape(shape).to(dtype)


def make_index_target(seed, shape):
    g = torch.Generator().manual_seed(seed + 7919)
    return torch.randint(0, shape[1], (shape[0],) + tuple(shape[2:]), generator=g)


def make_soft_target(seed, shape, dtype):
    """Rows along dim 1 that sum to 1, about 25 % exact zeros, never a zero row maximum."""
    g = torch.Generator().manual_seed(seed + 104729)
    u = torch.rand(shape, dtype=torch.float64, generator=g)
    zero = (torch.rand(shape, dtype=torch.float64, generator=g) < 0.25) & (u < u.amax(dim=1, keepdim=True))
    w = torch.where(zero, torch.zeros_like(u), 0.05 + u)
    return (w / w.sum(dim=1, keepdim=True)).to(dtype)


def case_inputs(function, dtype, args, kind, shape, seed):
    """(evidence or logits, target or None) of one case."""
    if function == "clamped_exp":
        c = args["clamp"]
        x = make_signed(seed, shape, dtype, 12, [c, -c, 0.0, c + 2.5, -c - 2.5, 0.5])
    elif function == "cross_entropy_uncertainty":
        x = make_signed(seed, shape, dtype, 20, [0.0, 50.0, -50.0])
    else:
        x = make_evidence(seed, shape, dtype)
    if kind == "index":
        return x, make_index_target(seed, shape)
    if kind == "onehot":
        return x, F.one_hot(make_index_target(seed, shape), shape[1]).movedim(-1, 1).to(dtype)
    if kind == "soft":
        return x, make_soft_target(seed, shape, dtype)
    return x, None


def case_id(function, dtype, args, kind, shape):
    parts = [function, dtype]
    if "reduction" in args:
        parts.append(args["reduction"])
    if "reg_factor" in args:
        parts.append(f"reg{args['reg_factor']}")
    if "p_norm" in args:
        parts.append(f"p{args['p_norm']}")
    if "clamp" in args:
        parts.append(f"clamp{args['clamp']}")
    if "normalize" in args:
        parts.append(f"norm{str(args['normalize']).lower()}")
    if kind:
        parts.append(kind)
    parts.append("x".join(map(str, shape)))
    return "_".join(parts)


# ---- the package ----------------------------------------------------------------------------------------------------

def run_package(function, x, target, args, default_dtype):
    """(output, grad or None, backward error or None) of uncertainty_loss.<function>, with the given default dtype."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default_dtype)
    try:
        evidence = x.clone().requires_grad_(x.is_floating_point())
        # dirichlet_mode is not exported by the package's __init__ (evidence_to_proba, which is, calls it).
        call = getattr(ul, function) if hasattr(ul, function) else getattr(ul._torch, function)
        output = call(evidence, target, **args) if target is not None else call(evidence, **args)
        grad, error = None, None
        if evidence.requires_grad:
            try:
                output.sum().backward()
                grad = evidence.grad.detach().clone()
            except RuntimeError as e:
                error = f"RuntimeError: {e}"
        return output.detach().clone(), grad, error
    finally:
        torch.set_default_dtype(previous)


def error_of(call):
    """'ExceptionType: message' of what call() raises, or None."""
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the message is the data
        return f"{type(e).__name__}: {e}"
    return None


# ---- references written from the maths: mpmath (40 digits) for values, float64 torch for gradients -----------------

def one_hot_rows(target, c):
    """Target as (N, C, ...) float64: index targets one-hot, probability targets as they are."""
    if target.dim() == 1 or not target.is_floating_point():
        return F.one_hot(target, c).movedim(-1, 1).double()
    return target.double()


def positions(t):
    """(N, C, d1..dk) tensor -> the N * d1..dk class vectors (lists of C mpf), row-major."""
    n, c = t.shape[0], t.shape[1]
    rows = t.double().reshape(n, c, -1).tolist()
    return [[mpmath.mpf(rows[i][j][m]) for j in range(c)] for i in range(n) for m in range(len(rows[i][0]))]


def mp_mse(alpha, y):
    s = mpmath.fsum(alpha)
    return mpmath.fsum((yj - aj / s) ** 2 + (aj / s) * (1 - aj / s) / (s + 1) for aj, yj in zip(alpha, y))


def mp_kl(alpha, y):
    """KL(Dir(alpha~) || Dir(1, ..., 1)) with alpha~ = y + (1 - y) alpha."""
    at = [yj + (1 - yj) * aj for aj, yj in zip(alpha, y)]
    s = mpmath.fsum(at)
    return (mpmath.loggamma(s) - mpmath.fsum(mpmath.loggamma(v) for v in at) - mpmath.loggamma(len(at))
            + mpmath.fsum((v - 1) * (mpmath.digamma(v) - mpmath.digamma(s)) for v in at))


def mp_pnorm(alpha, y, p):
    """(E[(1 - p_t)^p] + sum_{j != t} E[p_j^p])^(1/p) under Dir(alpha), t the true class."""
    t = y.index(1)
    s = mpmath.fsum(alpha)
    total = mpmath.rf(s - alpha[t], p) + mpmath.fsum(mpmath.rf(a, p) for j, a in enumerate(alpha) if j != t)
    return (total / mpmath.rf(s, p)) ** (mpmath.mpf(1) / p)


def mp_fisher(alpha, y):
    """1/2 sum_{j != t} (alpha_j - 1)^2 (trigamma(alpha_j) - trigamma(S))."""
    s = mpmath.fsum(alpha)
    return mpmath.fsum((a - 1) ** 2 * (mpmath.psi(1, a) - mpmath.psi(1, s)) for a, yj in zip(alpha, y) if yj == 0) / 2


def mp_entropy(alpha):
    s = mpmath.fsum(alpha)
    return -mpmath.fsum(a / s * mpmath.log(a / s) for a in alpha)


def mp_expected_entropy(alpha):
    """E[H(p)] under Dir(alpha) = sum_j p_j (digamma(S + 1) - digamma(alpha_j + 1))."""
    s = mpmath.fsum(alpha)
    return mpmath.fsum(a / s * (mpmath.digamma(s + 1) - mpmath.digamma(a + 1)) for a in alpha)


def mp_at(function, vector, y, args):
    """The function at one position (one class vector of evidence or logits)."""
    if function == "cross_entropy_uncertainty":
        top = max(vector)
        log_z = top + mpmath.log(mpmath.fsum(mpmath.exp(v - top) for v in vector))
        return -mpmath.fsum(mpmath.exp(v - log_z) * (v - log_z) for v in vector)
    alpha = [e + 1 for e in vector]
    if function == "dirichlet_mse_loss":
        return mp_mse(alpha, y)
    if function == "uniform_dirichlet_kl":
        return mp_kl(alpha, y)
    if function == "evidential_loss":
        return mp_mse(alpha, y) + mpmath.mpf(args["reg_factor"]) * mp_kl(alpha, y)
    if function == "dirichlet_pnorm_loss":
        return mp_pnorm(alpha, y, args["p_norm"])
    if function == "dirichlet_fisher_regulizer":
        return mp_fisher(alpha, y)
    if function == "maxnorm_loss":
        return mp_pnorm(alpha, y, args["p_norm"]) + mpmath.mpf(args["reg_factor"]) * mp_fisher(alpha, y)
    if function == "uncertainty":
        return mp_entropy(alpha) / (mpmath.log(len(alpha)) if args["normalize"] else 1)
    if function == "model_uncertainty":
        return mp_entropy(alpha) - mp_expected_entropy(alpha)
    if function == "data_uncertainty":
        return mp_expected_entropy(alpha)
    raise ValueError(function)


def mp_reference(function, x, target, args):
    """The function's exact value (flat list of mpf, row-major) for evidence or logits x."""
    if function == "clamped_exp":
        c = mpmath.mpf(args["clamp"])
        return [mpmath.exp(min(max(mpmath.mpf(v), -c), c)) for v in x.double().flatten().tolist()]
    ys = positions(one_hot_rows(target, x.shape[1])) if target is not None else None
    values = [mp_at(function, vector, ys[i] if ys else None, args) for i, vector in enumerate(positions(x))]
    reduction = args.get("reduction", "none")
    if reduction == "mean":
        return [mpmath.fsum(values) / len(values)]
    if reduction == "sum":
        return [mpmath.fsum(values)]
    return values


def torch_formula(function, x, y, args):
    """The function by its formula in float64 torch operations (x float64, y one-hot/probability float64 or None)."""
    if function == "cross_entropy_uncertainty":
        p = torch.exp(torch.log_softmax(x, dim=1))
        return -(p * torch.log(p)).sum(1)
    c = x.shape[1]
    alpha = x + 1
    s = alpha.sum(1, keepdim=True)
    p = alpha / s
    reg = args.get("reg_factor", 0.0)
    expected_entropy = (p * (torch.digamma(s + 1) - torch.digamma(alpha + 1))).sum(1)
    entropy = -(p * torch.log(p)).sum(1)
    if function in ("dirichlet_mse_loss", "uniform_dirichlet_kl", "evidential_loss"):
        mse = ((y - p) ** 2 + p * (1 - p) / (s + 1)).sum(1)
        at = y + (1 - y) * alpha
        st = at.sum(1, keepdim=True)
        kl = (torch.lgamma(st) - math.lgamma(c)).squeeze(1) - torch.lgamma(at).sum(1) \
            + ((at - 1) * (torch.digamma(at) - torch.digamma(st))).sum(1)
        value = {"dirichlet_mse_loss": mse, "uniform_dirichlet_kl": kl, "evidential_loss": mse + reg * kl}[function]
    elif function in ("dirichlet_pnorm_loss", "dirichlet_fisher_regulizer", "maxnorm_loss"):
        pn = args.get("p_norm", 4)
        # log E[(1 - p_t)^p] and log E[p_j^p] (j != t) without their common factor Gamma(S) / Gamma(S + p).
        rest = s.squeeze(1) - (alpha * y).sum(1)              # S - alpha_t
        log_true = (torch.lgamma(rest + pn) - torch.lgamma(rest)).unsqueeze(1)
        log_wrong = torch.where(y > 0.5, torch.full_like(alpha, -math.inf),
                                torch.lgamma(alpha + pn) - torch.lgamma(alpha))
        log_sum = torch.logsumexp(torch.cat([log_true, log_wrong], dim=1), dim=1)
        pnorm = torch.exp(((torch.lgamma(s) - torch.lgamma(s + pn)).squeeze(1) + log_sum) / pn)
        fisher = 0.5 * ((1 - y) * (alpha - 1) ** 2 * (torch.polygamma(1, alpha) - torch.polygamma(1, s))).sum(1)
        value = {"dirichlet_pnorm_loss": pnorm, "dirichlet_fisher_regulizer": fisher,
                 "maxnorm_loss": pnorm + reg * fisher}[function]
    elif function == "uncertainty":
        value = entropy / math.log(c) if args["normalize"] else entropy
    elif function == "model_uncertainty":
        value = entropy - expected_entropy
    elif function == "data_uncertainty":
        value = expected_entropy
    else:
        raise ValueError(function)
    reduction = args.get("reduction", "none")
    return value.mean() if reduction == "mean" else value.sum() if reduction == "sum" else value


def formula_grad(function, x, target, args):
    """d(output.sum())/dx of the float64 formula; clamped_exp's by hand: exp(x) on [-clamp, clamp], else 0."""
    x64 = x.double()
    if function == "clamped_exp":
        return torch.where(x64.abs() <= args["clamp"], torch.exp(x64), torch.zeros_like(x64))
    x64 = x64.clone().requires_grad_(True)
    y = one_hot_rows(target, x.shape[1]) if target is not None else None
    torch_formula(function, x64, y, args).sum().backward()
    return x64.grad


def max_abs(a, b):
    return max((abs(u - v) for u, v in zip(a, b)), default=0.0)


# ---- cases ----------------------------------------------------------------------------------------------------------

def tensor_json(t):
    t = t.detach()
    data = t.flatten().tolist() if not t.is_floating_point() else t.double().flatten().tolist()
    return {"shape": list(t.shape), "data": data}


def build_case(index, function, dtype_name, args, kind, shape):
    dtype = DTYPES[dtype_name]
    seed = 1001 + index
    x, target = case_inputs(function, dtype, args, kind, shape, seed)
    output, grad, backward_error = run_package(function, x, target, args, dtype)
    case = {"id": case_id(function, dtype_name, args, kind, shape), "function": function, "dtype": dtype_name,
            "seed": seed, "evidence": tensor_json(x)}
    if target is not None:
        case["target"] = {"kind": "index" if kind == "index" else "probability", **tensor_json(target)}
        if kind != "index":
            case["target"]["one_hot"] = kind == "onehot"
    case["args"] = dict(args)
    case["output"] = tensor_json(output)
    if grad is not None:
        case["grad"] = tensor_json(grad)
    else:
        case["grad_unavailable"] = f"backward() raises in the Python package: {backward_error}"
    case["torch_default_dtype"] = dtype_name

    if dtype == torch.float64:
        # The package with torch's stock default dtype (float32): recorded where it changes a float64 result.
        output32, grad32, _ = run_package(function, x, target, args, torch.float32)
        diff = {"output_max_abs_diff": max_abs(output.flatten().tolist(), output32.flatten().tolist())}
        if grad is not None:
            diff["grad_max_abs_diff"] = max_abs(grad.flatten().tolist(), grad32.flatten().tolist())
        if any(v != 0 for v in diff.values()):
            case["with_default_dtype_float32"] = diff

    reference = mp_reference(function, x, target, args)
    got = output.double().flatten().tolist()
    tolerance = 1e-9 if dtype == torch.float64 else 5e-2
    for g, r in zip(got, reference):
        if abs(mpmath.mpf(g) - r) / (1 + abs(r)) > tolerance:
            raise AssertionError(f"{case['id']}: the package gives {g}, the formula {mpmath.nstr(r, 17)}")
    case["check"] = {"mpmath_output_max_abs_err": max_abs(got, [float(r) for r in reference])}
    if grad is not None:
        case["check"]["float64_formula_grad_max_abs_err"] = max_abs(
            grad.double().flatten().tolist(), formula_grad(function, x, target, args).flatten().tolist())
    return case


# ---- defects: where the package is wrong (README.md, "Defects found in the Python package") -------------------------

SHARED_EVIDENCE = [[0.0, 2.0, 5.0], [1.5, 0.0, 0.25], [10.0, 3.0, 0.0]]
SHARED_TARGET = [2, 0, 1]


def finite_or_text(value):
    """Non-finite numbers as the strings "inf", "-inf" and "nan" (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return [finite_or_text(v) for v in value]
    if isinstance(value, dict):
        return {k: finite_or_text(v) for k, v in value.items()}
    return value


def flat(t):
    return t.detach().double().flatten().tolist()


def package(function, x, target=None, default=torch.float64, **args):
    return run_package(function, x, target, args, default)[0]


def exact(function, x, target, args):
    return [float(v) for v in mp_reference(function, x, target, args)]


def defect(defect_id, **fields):
    function, description = DESCRIPTIONS[defect_id]
    return {"id": defect_id, "function": function, "description": description, **fields}


def given(x, target=None, target_dtype=None, dtype="float64", args=None, torch_default_dtype=None):
    fields = {"evidence": tensor_json(x)}
    if target is not None:
        fields["target"] = tensor_json(target)
    if target_dtype:
        fields["target_dtype"] = target_dtype
    fields["dtype"] = dtype
    if args is not None:
        fields["args"] = args
    if torch_default_dtype:
        fields["torch_default_dtype"] = torch_default_dtype
    return fields


def python_output(out):
    return {"python_output_shape": list(out.shape), "python_output": flat(out)}


def correct(function, x, target, args, shape):
    return {"correct_output_shape": shape, "correct_output": exact(function, x, target, args)}


def build_defects():
    x = torch.tensor(SHARED_EVIDENCE, dtype=torch.float64)
    t = torch.tensor(SHARED_TARGET)
    kl, mse = "uniform_dirichlet_kl", "dirichlet_mse_loss"
    none, mean, total = {"reduction": "none"}, {"reduction": "mean"}, {"reduction": "sum"}
    defects = []

    defects.append(defect("kl_none_NxN", input=given(x, t, args=none), **python_output(package(kl, x, t, **none)),
                          **correct(kl, x, t, none, [3])))
    x2 = torch.stack([x, 2 * x], dim=-1)
    t2 = torch.stack([t, torch.tensor([1, 2, 0])], dim=-1)
    defects.append(defect("kl_none_NxN_extra_dims", input=given(x2, t2, args=none),
                          **python_output(package(kl, x2, t2, **none)), **correct(kl, x2, t2, none, [3, 2])))
    defects.append(defect("kl_none_N1_extra_axis", input=given(x[:1], t[:1], args=none),
                          **python_output(package(kl, x[:1], t[:1], **none)), **correct(kl, x[:1], t[:1], none, [1])))
    defects.append(defect("kl_sum_N_times_too_large", input=given(x, t, args=total),
                          **python_output(package(kl, x, t, **total)), **correct(kl, x, t, total, []),
                          python_mean_output=package(kl, x, t, **mean).item(),
                          correct_mean_output=exact(kl, x, t, mean)[0]))

    reg_none = {"reg_factor": 0.5, "reduction": "none"}
    defects.append(defect("evidential_none_reg_raises", input=given(x, t, args=reg_none),
                          python_error=error_of(lambda: ul.evidential_loss(x, t, **reg_none)),
                          **correct("evidential_loss", x, t, reg_none, [3]),
                          python_error_N1=error_of(lambda: ul.evidential_loss(x[:1], t[:1], **reg_none))))
    reg_sum = {"reg_factor": 0.5, "reduction": "sum"}
    # Correct: the MSE sum (float64 formula) plus 0.5 times the exact sum of the per-sample KLs.
    right = torch_formula(mse, x, one_hot_rows(t, 3), total).item() + 0.5 * exact(kl, x, t, total)[0]
    defects.append(defect("evidential_sum_reg_kl_N_times", input=given(x, t, args=reg_sum),
                          **python_output(package("evidential_loss", x, t, **reg_sum)),
                          correct_output_shape=[], correct_output=[right]))
    defects.append(defect("reduction_None_rejected", input=given(x, t, args={"reduction": None}),
                          python_error=error_of(lambda: ul.dirichlet_mse_loss(x, t, reduction=None)),
                          correct_output_shape=[3]))

    xm = torch.tensor([[0.0, 2.0, 5.0], [1.5, 0.0, 0.25], [0.0, 0.0, 0.0]], dtype=torch.float64)
    mode = package("dirichlet_mode", xm)
    alphas = [[mpmath.mpf(v) + 1 for v in row] for row in xm.tolist()]
    defects.append(defect("dirichlet_mode_not_a_distribution", input=given(xm), **python_output(mode),
                          correct_output_shape=[3, 3], python_row_sums=mode.sum(1).tolist(),
                          dirichlet_mean_alpha_over_S=[float(a / mpmath.fsum(r)) for r in alphas for a in r],
                          dirichlet_mode_alpha_minus_1_over_S_minus_K=[
                              float((a - 1) / (mpmath.fsum(r) - len(r))) if mpmath.fsum(r) > len(r) else math.nan
                              for r in alphas for a in r]))

    xs = torch.tensor([[2.0, 1.0, 4.0]], dtype=torch.float64)
    soft = torch.tensor([[0.7, 0.3, 0.0]], dtype=torch.float64)
    class0 = torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64)
    both = torch.tensor([[1.0, 1.0, 0.0]], dtype=torch.float64)
    for function, args in (("dirichlet_pnorm_loss", {"p_norm": 4, "reduction": "none"}),
                           ("dirichlet_fisher_regulizer", {"reduction": "none"})):
        defects.append(defect(f"{function}_soft_target_two_true_classes", input=given(xs, soft, args=args),
                              **python_output(package(function, xs, soft, **args)), correct_output_shape=[1],
                              python_output_with_onehot_class0=flat(package(function, xs, class0, **args)),
                              python_output_with_multihot_110=flat(package(function, xs, both, **args))))

    x3, t3 = x.reshape(3, 3, 1), t.reshape(3, 1)
    for reduction, shape in (("none", [3, 1]), ("mean", []), ("sum", [])):
        args = {"p_norm": 4, "reduction": reduction}
        fields = {}
        if reduction == "none":
            fields["also"] = {"evidence_shape": [2, 3, 1, 2], "python_output_shape": list(package(
                "dirichlet_pnorm_loss", torch.zeros(2, 3, 1, 2, dtype=torch.float64),
                torch.zeros(2, 1, 2, dtype=torch.long), **args).shape), "correct_output_shape": [2, 1, 2]}
            fields["note_N1_ok"] = {"evidence_shape": [1, 3, 2], "python_output_shape": list(package(
                "dirichlet_pnorm_loss", torch.zeros(1, 3, 2, dtype=torch.float64),
                torch.zeros(1, 2, dtype=torch.long), **args).shape),
                "comment": "N == 1 alone is harmless: the squeezed term right-aligns."}
        defects.append(defect(f"pnorm_squeeze_misbroadcast_{reduction}", input=given(x3, t3, args=args),
                              **python_output(package("dirichlet_pnorm_loss", x3, t3, **args)),
                              **correct("dirichlet_pnorm_loss", x3, t3, args, shape), **fields))

    xk = torch.tensor([[0.0, 2.0, 5.0, 1.0, 0.5, 3.0, 7.0], [1.5, 0.0, 0.25, 9.0, 0.0, 0.0, 2.0]], dtype=torch.float64)
    tk = torch.tensor([2, 0])
    stock = package(kl, xk, tk, default=torch.float32, **mean)
    right = exact(kl, xk, tk, mean)
    defects.append(defect("kl_float64_beta_default_dtype",
                          input=given(xk, tk, args=mean, torch_default_dtype="float32"),
                          **python_output(stock), correct_output_shape=[], correct_output=right,
                          abs_error=abs(stock.item() - right[0]),
                          lgamma_C_float32=torch.lgamma(torch.tensor(7.0, dtype=torch.float32)).item(),
                          lgamma_C_float64=math.lgamma(7.0)))
    normalized = {"normalize": True}
    stock = package("uncertainty", x[:2], default=torch.float32, **normalized)
    right = exact("uncertainty", x[:2], None, normalized)
    defects.append(defect("uncertainty_normalize_float64_default_dtype",
                          input=given(x[:2], args=normalized, torch_default_dtype="float32"),
                          **python_output(stock), correct_output_shape=[2], correct_output=right,
                          abs_error=max_abs(flat(stock), right)))

    xi, ti = torch.tensor([[0, 2, 5], [1, 0, 3]]), torch.tensor([2, 0])
    per_function = {}
    for function in LOSSES + (
            "uncertainty", "model_uncertainty", "data_uncertainty", "cross_entropy_uncertainty", "dirichlet_mode",
            "clamped_exp"):
        is_loss = function in LOSSES
        target = ti if is_loss else None
        problem = error_of(lambda: package(function, xi, target, default=torch.float32))
        if problem:
            per_function[function] = {"error": problem}
            continue
        out = package(function, xi, target, default=torch.float32)
        per_function[function] = {"dtype": str(out.dtype)}
        if is_loss:
            per_function[function]["value"] = out.item()
        else:
            per_function[function].update(shape=list(out.shape), value=flat(out))
    defects.append(defect("integer_evidence", input=given(xi, ti, dtype="int64"),
                          python_error=per_function["cross_entropy_uncertainty"]["error"], correct_output_shape=[2],
                          per_function=per_function))
    t32 = torch.tensor([2, 0], dtype=torch.int32)
    defects.append(defect("int32_index_target", input=given(x[:2], t32, target_dtype="int32"),
                          python_error=error_of(lambda: ul.dirichlet_mse_loss(x[:2], t32)), correct_output_shape=[]))
    args = {"reg_factor": 0.5, "p_norm": 4, "reduction": "none"}
    out, _, backward_error = run_package("maxnorm_loss", x, t, args, torch.float64)
    defects.append(defect("maxnorm_none_reg_backward_raises", input=given(x, t, args=args), **python_output(out),
                          **correct("maxnorm_loss", x, t, args, [3]), python_backward_error=backward_error))

    observations = []
    zeros = torch.zeros(2, 3, dtype=torch.float64)
    for function in LOSSES:
        out, grad, _ = run_package(function, zeros, t[:2], {}, torch.float64)
        observations.append({"function": function, "evidence": "zeros(2,3)", "output": out.item(),
                             "grad_all_finite": bool(torch.isfinite(grad).all())})
    out, grad, _ = run_package("dirichlet_mode", torch.zeros(1, 3, dtype=torch.float64), None, {}, torch.float64)
    observations.append({"function": "dirichlet_mode", "evidence": "zeros(1,3)", "output": flat(out),
                         "grad": flat(grad)})
    for text, logits in (("[[1e4,0,0]] float32", torch.tensor([[1e4, 0.0, 0.0]], dtype=torch.float32)),
                         ("[[-inf,0,1]] float64", torch.tensor([[-math.inf, 0.0, 1.0]], dtype=torch.float64))):
        out, grad, _ = run_package("cross_entropy_uncertainty", logits, None, {}, logits.dtype)
        observations.append({"function": "cross_entropy_uncertainty", "input": text, "output": flat(out),
                             "grad": flat(grad)})
    problem = error_of(lambda: package("dirichlet_pnorm_loss", x, t, p_norm=0))
    observations.append({"function": "dirichlet_pnorm_loss", "input": "p_norm=0",
                         "output": None if problem else package("dirichlet_pnorm_loss", x, t, p_norm=0).item(),
                         "error": problem})
    defects.append(defect("nan_inf_probe", observations=observations))
    return [finite_or_text(d) for d in defects]


# ---- the file -------------------------------------------------------------------------------------------------------

def provenance(date_utc):
    return {
        "package": "uncertainty-loss",
        "package_version": PACKAGE_VERSION,
        "source": "git mirror of github.com/agencyenterprise/uncertainty-loss, module uncertainty_loss/_torch.py",
        "mirror_commit": MIRROR_COMMIT,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "mpmath_version": mpmath.__version__,
        "date_utc": date_utc,
        "device": "cpu",
        "only_numbers_stored": ONLY_NUMBERS_STORED,
        "input_generation": INPUT_GENERATION,
        "how_outputs_were_produced": HOW_OUTPUTS_WERE_PRODUCED,
    }


def write(path, prov, cases, defects):
    compact = {"separators": (",", ":")}
    text = "\n".join([
        '{"format_version":1,',
        '"provenance":{',
        ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in prov.items()),
        "},",
        '"cases":[',
        ",\n".join(json.dumps(c, **compact) for c in cases),
        "],",
        '"defects":[',
        ",\n".join(json.dumps(d, **compact) for d in defects),
        "]}",
    ]) + "\n"
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "python-reference.json"))
    parser.add_argument("--date-utc", help="provenance.date_utc to write (default: now)")
    options = parser.parse_args()
    print(f"uncertainty_loss from {os.path.dirname(ul.__file__)}; torch {torch.__version__}; "
          f"mpmath {mpmath.__version__}; Python {platform.python_version()}")
    date_utc = options.date_utc or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cases = [build_case(i, *case) for i, case in enumerate(CASES)]
    defects = build_defects()
    write(options.out, provenance(date_utc), cases, defects)
    print(f"wrote {options.out}: {len(cases)} cases, {len(defects)} defects")


# ---- tables ------------------------------------------------------------------------------------------------------

ONLY_NUMBERS_STORED = (
    'This file stores only input/output numbers produced by running the Python package; none of its code is '
    'included. The generator, UncertaintyLoss.Tests/Data/generate_python_reference.py, is ours: it imports '
    'the package.'
)
INPUT_GENERATION = (
    'Every case uses its own integer seed s (1001, 1002, ... in case order) and '
    'torch.Generator().manual_seed(s) on CPU. Evidence (non-negative): u = torch.rand(shape, float64), k = '
    'torch.randint(0,10,shape); value = 0 if k<=1, u if k<=4, 10u if k<=6, 100u if k<=8, else 1e3 + '
    'u*(L-1e3); rounded to 3 decimals; then flat element 0 is set to 0 and (if numel>=4) the last flat '
    'element is set to L; L = 1e4 for float64 cases and 1e3 for float32 cases; finally cast to the case dtype '
    '(float32 values are stored exactly as doubles). Index targets: torch.randint(0, C, (N,d1..dk)) with seed '
    's+7919, int64. One-hot targets: F.one_hot of those indices moved to dim 1, cast to the case dtype. Soft '
    'targets (seed s+104729): u = rand(shape), z = (rand(shape) < 0.25) & (u < max of u along dim 1), w = '
    'where(z, 0, 0.05+u), normalised along dim 1 in float64 then cast. Signed inputs for clamped_exp / '
    'cross_entropy_uncertainty: round((2u-1)*scale, 3 decimals) with scale 12 (clamped_exp) or 20 '
    '(cross_entropy_uncertainty); the first flat entries are overwritten with [clamp, -clamp, 0, clamp+2.5, '
    '-clamp-2.5, 0.5] (clamped_exp) or [0, 50, -50] (cross_entropy_uncertainty). All stored inputs are '
    'authoritative; the recipe is documentation only.'
)
HOW_OUTPUTS_WERE_PRODUCED = (
    'For each case: torch.set_default_dtype(<case dtype>); evidence = stored evidence with requires_grad; '
    'output = uncertainty_loss.<function>(evidence, target, **args) (args passed explicitly by keyword); '
    'output.sum().backward(); grad = evidence.grad. Each output was checked against a 40-digit mpmath '
    'evaluation of the mathematical formula written independently (relative error <= 1e-9 for float64, <= '
    '5e-2 for float32, measured as |py-ref|/(1+|ref|)); each gradient was checked against an independent '
    'float64 torch implementation of the formula. Cases where the package is wrong were not stored (see '
    '`defects`).'
)

# (function, dtype, args passed by keyword, target: index / onehot / soft / None, evidence shape); seeds 1001, 1002, ...
CASES = [
    ('dirichlet_mse_loss', 'float64', {'reduction': 'mean'}, 'index', (4, 3)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'mean'}, 'onehot', (3, 4, 2)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'mean'}, 'soft', (2, 3, 2, 3)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'sum'}, 'index', (2, 3, 5)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'sum'}, 'soft', (6, 7)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'none'}, 'index', (5, 2, 3, 2)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'none'}, 'onehot', (6, 7)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'none'}, 'soft', (3, 4, 2)),
    ('dirichlet_mse_loss', 'float64', {'reduction': 'none'}, 'soft', (1, 5)),
    ('dirichlet_mse_loss', 'float32', {'reduction': 'mean'}, 'index', (2, 3, 2, 3)),
    ('dirichlet_mse_loss', 'float32', {'reduction': 'mean'}, 'soft', (4, 3)),
    ('dirichlet_mse_loss', 'float32', {'reduction': 'sum'}, 'onehot', (4, 3)),
    ('dirichlet_mse_loss', 'float32', {'reduction': 'none'}, 'index', (3, 4, 2)),
    ('dirichlet_mse_loss', 'float32', {'reduction': 'none'}, 'soft', (2, 2)),
    ('uniform_dirichlet_kl', 'float64', {'reduction': 'mean'}, 'index', (5, 4)),
    ('uniform_dirichlet_kl', 'float64', {'reduction': 'mean'}, 'onehot', (3, 3, 2)),
    ('uniform_dirichlet_kl', 'float64', {'reduction': 'mean'}, 'soft', (4, 5)),
    ('uniform_dirichlet_kl', 'float64', {'reduction': 'mean'}, 'index', (2, 3, 2, 3)),
    ('uniform_dirichlet_kl', 'float64', {'reduction': 'mean'}, 'soft', (2, 6, 3)),
    ('uniform_dirichlet_kl', 'float64', {'reduction': 'sum'}, 'index', (1, 6)),
    ('uniform_dirichlet_kl', 'float64', {'reduction': 'sum'}, 'soft', (1, 3, 2, 2)),
    ('uniform_dirichlet_kl', 'float32', {'reduction': 'mean'}, 'index', (6, 3)),
    ('uniform_dirichlet_kl', 'float32', {'reduction': 'mean'}, 'onehot', (2, 4, 3)),
    ('uniform_dirichlet_kl', 'float32', {'reduction': 'mean'}, 'soft', (3, 2)),
    ('uniform_dirichlet_kl', 'float32', {'reduction': 'sum'}, 'onehot', (1, 7)),
    ('evidential_loss', 'float64', {'reg_factor': 0.0, 'reduction': 'mean'}, 'index', (4, 3)),
    ('evidential_loss', 'float64', {'reg_factor': 0.0, 'reduction': 'sum'}, 'soft', (3, 5)),
    ('evidential_loss', 'float64', {'reg_factor': 0.0, 'reduction': 'none'}, 'onehot', (2, 3, 4)),
    ('evidential_loss', 'float32', {'reg_factor': 0.0, 'reduction': 'none'}, 'index', (5, 2)),
    ('evidential_loss', 'float64', {'reg_factor': 0.5, 'reduction': 'mean'}, 'index', (6, 4)),
    ('evidential_loss', 'float64', {'reg_factor': 0.5, 'reduction': 'mean'}, 'soft', (3, 3, 2)),
    ('evidential_loss', 'float64', {'reg_factor': 1.0, 'reduction': 'mean'}, 'onehot', (2, 3, 2, 2)),
    ('evidential_loss', 'float64', {'reg_factor': 1.0, 'reduction': 'mean'}, 'index', (3, 7, 2)),
    ('evidential_loss', 'float64', {'reg_factor': 1.0, 'reduction': 'sum'}, 'index', (1, 4)),
    ('evidential_loss', 'float64', {'reg_factor': 0.5, 'reduction': 'sum'}, 'soft', (1, 3, 3)),
    ('evidential_loss', 'float32', {'reg_factor': 0.5, 'reduction': 'mean'}, 'onehot', (4, 5)),
    ('evidential_loss', 'float32', {'reg_factor': 1.0, 'reduction': 'mean'}, 'index', (2, 3, 3)),
    ('evidential_loss', 'float32', {'reg_factor': 1.0, 'reduction': 'mean'}, 'soft', (5, 3)),
    ('evidential_loss', 'float32', {'reg_factor': 0.5, 'reduction': 'sum'}, 'index', (1, 5)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 1, 'reduction': 'mean'}, 'index', (4, 3)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 2, 'reduction': 'mean'}, 'onehot', (3, 4, 2)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 4, 'reduction': 'mean'}, 'index', (2, 3, 2, 3)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 7, 'reduction': 'mean'}, 'index', (5, 6)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 1, 'reduction': 'sum'}, 'onehot', (6, 2)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 4, 'reduction': 'sum'}, 'index', (3, 5, 2)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 7, 'reduction': 'sum'}, 'index', (2, 4, 2, 2)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 2, 'reduction': 'none'}, 'index', (5, 3)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 4, 'reduction': 'none'}, 'onehot', (2, 3, 3)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 7, 'reduction': 'none'}, 'index', (3, 2, 2, 3)),
    ('dirichlet_pnorm_loss', 'float64', {'p_norm': 4, 'reduction': 'none'}, 'index', (1, 5)),
    ('dirichlet_pnorm_loss', 'float32', {'p_norm': 4, 'reduction': 'mean'}, 'index', (4, 3)),
    ('dirichlet_pnorm_loss', 'float32', {'p_norm': 2, 'reduction': 'sum'}, 'onehot', (3, 4, 2)),
    ('dirichlet_pnorm_loss', 'float32', {'p_norm': 1, 'reduction': 'none'}, 'index', (6, 7)),
    ('dirichlet_pnorm_loss', 'float32', {'p_norm': 7, 'reduction': 'none'}, 'onehot', (2, 3, 2)),
    ('dirichlet_fisher_regulizer', 'float64', {'reduction': 'mean'}, 'index', (4, 3)),
    ('dirichlet_fisher_regulizer', 'float64', {'reduction': 'mean'}, 'onehot', (2, 3, 2, 2)),
    ('dirichlet_fisher_regulizer', 'float64', {'reduction': 'sum'}, 'index', (3, 5, 2)),
    ('dirichlet_fisher_regulizer', 'float64', {'reduction': 'none'}, 'index', (6, 7)),
    ('dirichlet_fisher_regulizer', 'float64', {'reduction': 'none'}, 'onehot', (3, 2, 3)),
    ('dirichlet_fisher_regulizer', 'float32', {'reduction': 'mean'}, 'onehot', (5, 4)),
    ('dirichlet_fisher_regulizer', 'float32', {'reduction': 'sum'}, 'index', (2, 3, 3)),
    ('dirichlet_fisher_regulizer', 'float32', {'reduction': 'none'}, 'index', (4, 6)),
    ('maxnorm_loss', 'float64', {'reg_factor': 0.0, 'p_norm': 4, 'reduction': 'mean'}, 'index', (4, 3)),
    ('maxnorm_loss', 'float64', {'reg_factor': 0.5, 'p_norm': 4, 'reduction': 'mean'}, 'onehot', (3, 4, 2)),
    ('maxnorm_loss', 'float64', {'reg_factor': 1.0, 'p_norm': 2, 'reduction': 'mean'}, 'index', (2, 3, 2, 3)),
    ('maxnorm_loss', 'float64', {'reg_factor': 0.5, 'p_norm': 7, 'reduction': 'sum'}, 'index', (5, 5)),
    ('maxnorm_loss', 'float64', {'reg_factor': 1.0, 'p_norm': 1, 'reduction': 'sum'}, 'onehot', (2, 6, 2)),
    ('maxnorm_loss', 'float64', {'reg_factor': 0.0, 'p_norm': 2, 'reduction': 'none'}, 'index', (3, 3, 2)),
    ('maxnorm_loss', 'float64', {'reg_factor': 0.5, 'p_norm': 4, 'reduction': 'none'}, 'index', (6, 4)),
    ('maxnorm_loss', 'float64', {'reg_factor': 1.0, 'p_norm': 7, 'reduction': 'none'}, 'onehot', (2, 2, 2, 2)),
    ('maxnorm_loss', 'float32', {'reg_factor': 0.5, 'p_norm': 4, 'reduction': 'mean'}, 'index', (4, 5)),
    ('maxnorm_loss', 'float32', {'reg_factor': 1.0, 'p_norm': 2, 'reduction': 'sum'}, 'onehot', (3, 3)),
    ('maxnorm_loss', 'float32', {'reg_factor': 0.5, 'p_norm': 1, 'reduction': 'none'}, 'index', (2, 4, 3)),
    ('maxnorm_loss', 'float32', {'reg_factor': 0.0, 'p_norm': 7, 'reduction': 'none'}, 'index', (5, 2)),
    ('clamped_exp', 'float64', {'clamp': 0.0}, None, (3, 4)),
    ('clamped_exp', 'float64', {'clamp': 1.0}, None, (2, 3, 2)),
    ('clamped_exp', 'float64', {'clamp': 10.0}, None, (4, 3)),
    ('clamped_exp', 'float32', {'clamp': 0.0}, None, (2, 3)),
    ('clamped_exp', 'float32', {'clamp': 1.0}, None, (3, 2, 2)),
    ('clamped_exp', 'float32', {'clamp': 10.0}, None, (2, 5)),
    ('uncertainty', 'float64', {'normalize': False}, None, (4, 3)),
    ('uncertainty', 'float64', {'normalize': True}, None, (3, 5, 2)),
    ('uncertainty', 'float64', {'normalize': True}, None, (2, 7)),
    ('uncertainty', 'float64', {'normalize': False}, None, (2, 3, 2, 2)),
    ('uncertainty', 'float32', {'normalize': False}, None, (6, 4)),
    ('uncertainty', 'float32', {'normalize': True}, None, (2, 3, 3)),
    ('model_uncertainty', 'float64', {}, None, (5, 3)),
    ('model_uncertainty', 'float64', {}, None, (2, 4, 3)),
    ('model_uncertainty', 'float64', {}, None, (2, 2, 2, 3)),
    ('model_uncertainty', 'float32', {}, None, (3, 6)),
    ('data_uncertainty', 'float64', {}, None, (4, 4)),
    ('data_uncertainty', 'float64', {}, None, (3, 3, 2)),
    ('data_uncertainty', 'float64', {}, None, (1, 5)),
    ('data_uncertainty', 'float32', {}, None, (2, 3, 2, 2)),
    ('cross_entropy_uncertainty', 'float64', {}, None, (4, 3)),
    ('cross_entropy_uncertainty', 'float64', {}, None, (2, 5, 3)),
    ('cross_entropy_uncertainty', 'float64', {}, None, (2, 3, 2, 2)),
    ('cross_entropy_uncertainty', 'float32', {}, None, (3, 4)),
]

# Defect id -> (function, description).
DESCRIPTIONS = {
    'kl_none_NxN': (
        'uniform_dirichlet_kl',
        "reduction='none' broadcasts lgamma(s_alpha) of shape (N,1) against sum(lgamma(alpha),dim=1) of "
        'shape (N) and returns an N x N matrix M[i,j] = lgamma(S_i) - sum_k lgamma(alpha_jk) - lgamma(C) '
        '+ digamma_term_j instead of the per-sample KL vector (N). The diagonal is the correct '
        'per-sample KL.'
    ),
    'kl_none_NxN_extra_dims': (
        'uniform_dirichlet_kl',
        'Same broadcast with extra dims: (N,C,d1) evidence gives (N,N,d1) instead of (N,d1).'
    ),
    'kl_none_N1_extra_axis': (
        'uniform_dirichlet_kl',
        "With N == 1 and reduction='none' the values are right but the shape has an extra axis: (1,1) "
        'instead of (1); for (1,C,d1) evidence (1,1,d1) instead of (1,d1).'
    ),
    'kl_sum_N_times_too_large': (
        'uniform_dirichlet_kl',
        "reduction='sum' sums the N x N matrix, i.e. returns N * (sum of per-sample KL) (exactly: sum_i "
        "lgamma(S_i)*N - N*sum_j(...)). reduction='mean' is correct because the mean of a_i - b_j over "
        "i,j equals mean(a) - mean(b). For N == 1 'sum' is correct."
    ),
    'evidential_none_reg_raises': (
        'evidential_loss',
        "evidential_loss(reduction='none', reg_factor>0) raises, because the in-place `loss += reg*kl` "
        'adds the (N,N) KL matrix to the (N,) mse vector. Also raises for N == 1 ((1,) vs (1,1)).'
    ),
    'evidential_sum_reg_kl_N_times': (
        'evidential_loss',
        "evidential_loss(reduction='sum', reg_factor>0): the KL part is N times too large (see "
        'kl_sum_N_times_too_large).'
    ),
    'reduction_None_rejected': (
        'dirichlet_mse_loss (all losses)',
        "Docstrings say reduction may be None ('If None or 'none' no reduction is performed') but "
        '_get_reducer raises ValueError for None.'
    ),
    'dirichlet_mode_not_a_distribution': (
        'dirichlet_mode',
        'dirichlet_mode (and evidence_to_proba) returns alpha/(S-K) = (e+1)/sum(e). Rows do not sum to 1 '
        '(they sum to 1 + K/sum(e)); all-zero evidence gives inf. The Dirichlet mode is (alpha-1)/(S-K) '
        '(defined for alpha>1), the mean is alpha/S; both sum to 1.'
    ),
    'dirichlet_pnorm_loss_soft_target_two_true_classes': (
        'dirichlet_pnorm_loss',
        'The true class is found with `mask = target > 0`, so a soft target [0.7,0.3,0] marks classes 0 '
        "AND 1 as 'true': both are removed from the wrong-class terms. python_output_with_onehot_class0 "
        'shows the value for the one-hot target [1,0,0]; python_output_with_both_true equals the output '
        'for the multi-hot [1,1,0] target. Only index or exact one-hot targets are meaningful.'
    ),
    'dirichlet_fisher_regulizer_soft_target_two_true_classes': (
        'dirichlet_fisher_regulizer',
        'The true class is found with `mask = target > 0`, so a soft target [0.7,0.3,0] marks classes 0 '
        "AND 1 as 'true': both are removed from the wrong-class terms. python_output_with_onehot_class0 "
        'shows the value for the one-hot target [1,0,0]; python_output_with_both_true equals the output '
        'for the multi-hot [1,1,0] target. Only index or exact one-hot targets are meaningful.'
    ),
    'pnorm_squeeze_misbroadcast_none': (
        'dirichlet_pnorm_loss',
        'torch.squeeze(lgamma(S)-lgamma(S+p)) removes ALL size-1 axes: for (N,C,1) evidence the (N,1,1) '
        'term becomes (N) and broadcasts against the (N,1) logsumexp term to (N,N). All reductions are '
        'wrong (the mean/sum are over the N x N matrix of exp((f_i+l_j)/p)). Same for any size-1 extra '
        'dim, e.g. (N,C,1,d2) -> (N,N,d2). maxnorm_loss inherits it.'
    ),
    'pnorm_squeeze_misbroadcast_mean': (
        'dirichlet_pnorm_loss',
        'torch.squeeze(lgamma(S)-lgamma(S+p)) removes ALL size-1 axes: for (N,C,1) evidence the (N,1,1) '
        'term becomes (N) and broadcasts against the (N,1) logsumexp term to (N,N). All reductions are '
        'wrong (the mean/sum are over the N x N matrix of exp((f_i+l_j)/p)). Same for any size-1 extra '
        'dim, e.g. (N,C,1,d2) -> (N,N,d2). maxnorm_loss inherits it.'
    ),
    'pnorm_squeeze_misbroadcast_sum': (
        'dirichlet_pnorm_loss',
        'torch.squeeze(lgamma(S)-lgamma(S+p)) removes ALL size-1 axes: for (N,C,1) evidence the (N,1,1) '
        'term becomes (N) and broadcasts against the (N,1) logsumexp term to (N,N). All reductions are '
        'wrong (the mean/sum are over the N x N matrix of exp((f_i+l_j)/p)). Same for any size-1 extra '
        'dim, e.g. (N,C,1,d2) -> (N,N,d2). maxnorm_loss inherits it.'
    ),
    'kl_float64_beta_default_dtype': (
        'uniform_dirichlet_kl',
        'beta = torch.ones(...) is created with the global default dtype (float32), so for float64 '
        'evidence lgamma(sum(beta)) = lgamma(C) is evaluated in float32 and the float64 result is off by '
        'up to ~1e-7 absolute (exactly lgamma_f32(C) - lgamma_f64(C)); the output dtype is still '
        'float64. All float64 cases in `cases` were produced with '
        'torch.set_default_dtype(torch.float64), which removes the leak.'
    ),
    'uncertainty_normalize_float64_default_dtype': (
        'uncertainty (entropy)',
        'entropy(normalize=True) divides by torch.log(torch.tensor(C)); torch.tensor(C) is int64 and its '
        'log has the default dtype (float32), so float64 results carry a float32-rounded log(C) '
        '(relative error ~1e-8).'
    ),
    'integer_evidence': (
        'cross_entropy_uncertainty (python_error); all functions in per_function',
        'int64 evidence is accepted by every function except cross_entropy_uncertainty (softmax is not '
        'implemented for Long); the others silently promote to the default float dtype (float32). '
        'Gradients are impossible for integer tensors. per_function lists what each function returned '
        "for this input (reduction='mean')."
    ),
    'int32_index_target': (
        'dirichlet_mse_loss (all losses)',
        'Index targets must be int64: F.one_hot rejects int32 (and other non-Long) index tensors.'
    ),
    'maxnorm_none_reg_backward_raises': (
        'maxnorm_loss',
        "maxnorm_loss(reduction='none', reg_factor>0): the forward value is correct, but `loss += "
        'reg*fisher` modifies in place the output of torch.exp inside dirichlet_pnorm_loss (ExpBackward '
        "saves its output), so backward() raises. With 'mean'/'sum' the reducer creates a new tensor "
        'first and backward works. Cases with this configuration are stored with output only (field '
        'grad_unavailable).'
    ),
    'nan_inf_probe': (
        'several',
        'Probe for NaN/inf values or gradients. Only the listed inputs were tried. No NaN gradient was '
        'found for the losses (masked lgamma(0) terms get their gradient zeroed by the index_put '
        'backward). NaN/inf appear for dirichlet_mode with all-zero evidence, for -inf logits in '
        'cross_entropy_uncertainty and p_norm=0.'
    ),
}


if __name__ == "__main__":
    main()
