#!/usr/bin/env python3
"""Writes alpha-reference.json: the authors' own loss code for belief matching and reverse-KL Prior Networks, run in
float64 on fixed concentrations alpha.

Our script, not the authors' code. It extracts one module from each repository's git history into a temporary folder
outside this repository and imports it (nothing is copied into the repository; only numbers are stored):

- belief matching (Joo, Chung, Seo, ICML 2020): tjoo512/belief-matching-framework, loss.py, BeliefMatchingLoss(coeff,
  prior).forward(logits, targets) -- alpha = exp(logits), class-index targets, batch mean;
- reverse-KL Prior Networks (Malinin & Gales, NeurIPS 2019): KaosEngineer/PriorNetworks,
  prior_networks/priornet/dpn_losses.py, DirichletKLLoss(target_concentration, concentration=1.0, reverse=True)
  .forward(alphas, labels, reduction='none') (labels None for out-of-distribution rows, as the authors' trainer calls
  its ood_criterion), and the same module's dirichlet_reverse_kl_divergence(alphas, target_alphas, epsilon=0.0) on the
  target concentrations DirichletKLLoss.compute_loss builds (concentration everywhere plus target_concentration at the
  label), to separate the effect of its epsilon = 1e-8.

Gradients are taken with respect to alpha, explicitly: belief matching's forward takes logits, so it is called on
logits = log(alpha) with alpha the leaf (exp(log(alpha)) equals alpha to a rounding, 1e-16 relative); the Prior
Network's forward takes alpha itself. Usage (Data/README.md):

    PYTHONPATH= /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_alpha_reference.py \
        --bm-mirror /work/.mirror/tjoo512+belief-matching-framework/repo \
        --pn-mirror /work/.mirror/KaosEngineer+PriorNetworks/repo [--date-utc ...] [--out PATH]
"""
import argparse, datetime, importlib.util, json, os, subprocess, sys, tempfile
import torch


def commit_of(mirror):
    return subprocess.check_output(["git", "-C", mirror, "log", "-1", "--format=%H"], text=True).strip()


def load(mirror, commit, path, name, folder):
    source = subprocess.check_output(["git", "-C", mirror, "show", f"{commit}:{path}"])
    file = os.path.join(folder, name + ".py")
    with open(file, "wb") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def alphas(seed, n, c, low, high):
    """Log-uniform concentrations in [10^low, 10^high], one row with a dominant class."""
    g = torch.Generator().manual_seed(seed)
    a = torch.pow(10.0, torch.rand(n, c, generator=g, dtype=torch.float64) * (high - low) + low)
    a[0, 0] = 10.0 ** high * 3
    t = torch.randint(0, c, (n,), generator=g)
    return a, t


def flat(x):
    return [float(v) for v in x.detach().flatten().tolist()]


def finite(*xs):
    for x in xs:
        if not torch.isfinite(x).all():
            sys.exit("non-finite result")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bm-mirror", required=True)
    ap.add_argument("--pn-mirror", required=True)
    ap.add_argument("--date-utc")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "alpha-reference.json"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    bm_commit, pn_commit = commit_of(a.bm_mirror), commit_of(a.pn_mirror)
    with tempfile.TemporaryDirectory() as folder:
        bm = load(a.bm_mirror, bm_commit, "loss.py", "bm_loss", folder)
        pn = load(a.pn_mirror, pn_commit, "prior_networks/priornet/dpn_losses.py", "pn_losses", folder)

        cases = []
        # ---- belief matching: per row (a batch of one: the mean is the row's value) and the batch mean ----
        for k, low, high in ((2, -2, 2), (5, -2, 2), (10, 0, 4), (100, -1, 1), (3, 2, 6)):
            for coeff, prior in ((0.01, 1.0), (0.003, 1.0), (1.0, 0.5), (0.1, 3.0)):
                seed = len(cases) + 1
                alpha, t = alphas(seed, 5, k, low, high)
                leaf = alpha.clone().requires_grad_(True)
                loss = bm.BeliefMatchingLoss(coeff, prior)(torch.log(leaf), t)
                loss.backward()
                rows = []
                for i in range(alpha.shape[0]):
                    rows.append(float(bm.BeliefMatchingLoss(coeff, prior)(torch.log(alpha[i:i + 1]), t[i:i + 1])))
                finite(loss, leaf.grad)
                cases.append({
                    "id": f"bm_k{k}_a{low}to{high}_coeff{coeff}_prior{prior}".replace(".", "p").replace("-", "m"),
                    "loss": "belief_matching", "coeff": coeff, "prior": prior, "shape": list(alpha.shape),
                    "alpha": flat(alpha), "target": [int(v) for v in t.tolist()],
                    "per_row": rows, "mean": float(loss), "grad_of_mean": flat(leaf.grad),
                })

        # ---- reverse-KL Prior Network: in-distribution rows (labels) and out-of-distribution rows (labels None) ----
        for k, low, high in ((2, -2, 2), (5, -2, 2), (10, 0, 4), (100, -1, 1), (3, 2, 6)):
            for tau in (100.0, 1000.0, 10.0):
                seed = len(cases) + 1
                alpha, t = alphas(seed, 6, k, low, high)
                n_in = 4                                    # rows 0..3 in distribution, 4..5 out of distribution
                loss_in = pn.DirichletKLLoss(target_concentration=tau, concentration=1.0, reverse=True)
                loss_out = pn.DirichletKLLoss(target_concentration=0.0, concentration=1.0, reverse=True)
                # The constructor stores target_concentration as a 0-dim float32 tensor, which torch 1.13's scatter_ takes
                # as a source tensor and refuses ("Expected self.dtype to be equal to src.dtype" in float64; "Index tensor
                # must have the same number of dimensions as src tensor" in float32): the same value as a Python float,
                # which scatter_ takes as the value to write, as the older torch the code was written for did.
                loss_in.target_concentration = tau
                leaf = alpha.clone().requires_grad_(True)
                shipped = torch.cat([loss_in.forward(leaf[:n_in], t[:n_in], reduction="none"),
                                     loss_out.forward(leaf[n_in:], None, reduction="none")])
                shipped.sum().backward()
                grad_shipped = leaf.grad.clone()

                # The same function with epsilon = 0, on the target concentrations compute_loss builds.
                target_alphas = torch.ones_like(alpha)
                target_alphas[:n_in] += torch.zeros_like(alpha[:n_in]).scatter_(1, t[:n_in, None], tau)
                leaf0 = alpha.clone().requires_grad_(True)
                exact = pn.dirichlet_reverse_kl_divergence(alphas=leaf0, target_alphas=target_alphas, epsilon=0.0)
                exact.sum().backward()
                finite(shipped, grad_shipped, exact, leaf0.grad)
                cases.append({
                    "id": f"pn_k{k}_a{low}to{high}_tau{tau}".replace(".", "p").replace("-", "m"),
                    "loss": "prior_network", "target_concentration": tau, "shape": list(alpha.shape),
                    "alpha": flat(alpha), "target": [int(v) for v in t[:n_in].tolist()] + [-1] * (alpha.shape[0] - n_in),
                    "output_shipped": flat(shipped), "grad_shipped": flat(grad_shipped),
                    "output_epsilon0": flat(exact), "grad_epsilon0": flat(leaf0.grad),
                })

    doc = {
        "format_version": 1,
        "provenance": {
            "belief_matching": {
                "repository": "github.com/tjoo512/belief-matching-framework", "commit": bm_commit,
                "file": "loss.py", "function": "BeliefMatchingLoss(coeff, prior).forward(logits, targets)",
            },
            "prior_networks": {
                "repository": "github.com/KaosEngineer/PriorNetworks", "commit": pn_commit,
                "file": "prior_networks/priornet/dpn_losses.py",
                "function": "DirichletKLLoss(target_concentration, concentration=1.0, reverse=True).forward(alphas, labels, "
                            "reduction='none') (labels None and target_concentration 0 for out-of-distribution rows); "
                            "dirichlet_reverse_kl_divergence(alphas, target_alphas, epsilon=0.0). The instance's "
                            "target_concentration (a 0-dim float32 tensor, which torch 1.13's scatter_ rejects as a "
                            "source) is replaced by the same value as a Python float",
            },
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "dtype": "float64",
            "generator": "UncertaintyLoss.Tests/Data/generate_alpha_reference.py",
            "date_utc": a.date_utc or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "note": "Gradients are with respect to alpha. Belief matching: called on logits = log(alpha), alpha the leaf; "
                    "per_row = the loss of each row alone, mean = the batch mean, grad_of_mean = d mean / d alpha. "
                    "Prior networks: target -1 marks the out-of-distribution rows; grad_* = d sum(output) / d alpha.",
        },
        "cases": cases,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases -> {a.out}")


if __name__ == "__main__":
    main()
