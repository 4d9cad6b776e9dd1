"""Would float32 lanes hold the accuracy contract for the evidential KL? (issue 18, docs/accuracy.md)

The fused kernel's KL regulariser sums, per position, ln Gamma(alpha_j) and e_j psi(alpha_j) over the wrong classes and
subtracts terms of the Dirichlet strength; the sum cancels. This script computes the KL in float64 and again with every
per-element term rounded to float32 (the best a float32 evaluation of the special functions could do: correctly rounded,
summed in double), and prints the worst relative error of the result. Above 1e-5 (the tests' float32 contract) float32
lanes cannot be used for that term.

Run: /usr/bin/python3 UncertaintyLoss.Benchmarks/python/float32_kl_cancellation.py  (Debian's python3-torch, PyTorch 1.13)
"""
import math

import torch

torch.manual_seed(0)

for classes in [10, 100, 1000]:
    for scale in [1.0, 10.0, 1e3, 1e6]:
        e = torch.rand(2000, classes, dtype=torch.float64) * scale
        wrong = e[:, 1:]                      # true class 0: alpha~_0 = 1
        alpha = wrong + 1.0
        s_tilde = 1.0 + alpha.sum(1)
        lg = torch.lgamma(alpha)
        edg = wrong * torch.digamma(alpha)
        rest = torch.lgamma(s_tilde) - math.lgamma(classes) - wrong.sum(1) * torch.digamma(s_tilde)
        kl64 = rest - lg.sum(1) + edg.sum(1)
        kl32 = rest - lg.float().double().sum(1) + edg.float().double().sum(1)
        worst = ((kl32 - kl64).abs() / kl64.abs()).max().item()
        print(f"C={classes:5d} evidence U(0, {scale:g}): median KL {kl64.abs().median().item():.3g}, "
              f"worst relative error with float32 per-element terms {worst:.2g}")
