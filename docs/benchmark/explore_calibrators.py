# Exploratory (docs/recipes.md, "Calibrators tried"): the 15-bin ECE of the test set after other post-hoc calibrators,
# fitted on the validation split, from the benchmark runner's saved predictions (<out>/predictions/<model>-seed<n>.json).
#   /usr/bin/python3 docs/benchmark/explore_calibrators.py benchmark-results/predictions/iedl-seed*.json
# Needs PyTorch (Debian: apt-get install python3-torch). Methods: raw; "ts" = one temperature on the calibration logits
# (what the runner does); "vector" = per-class scale and bias; "ts-shift" (Dirichlet models) = softmax(ln(α − c)/T) with
# c in (0, 1): a temperature and a re-chosen prior weight 1 − c. The ECE here is the runner's definition (equal-width bins).
import json, sys, glob, torch, math
torch.set_default_dtype(torch.float64)
def ece(p, y, bins=15):
    conf, pred = p.max(1); acc = (pred == y).double()
    e = 0.0
    edges = torch.linspace(0, 1, bins + 1)
    for i in range(bins):
        m = (conf > edges[i]) & (conf <= edges[i+1]) if i > 0 else (conf >= 0) & (conf <= edges[1])
        if m.any(): e += m.double().mean() * (acc[m].mean() - conf[m].mean()).abs()
    return float(e)
def fit(params, f, L, y, iters=300):
    opt = torch.optim.LBFGS(params, lr=0.5, max_iter=iters, line_search_fn='strong_wolfe')
    def closure():
        opt.zero_grad(); l = torch.nn.functional.cross_entropy(f(L), y); l.backward(); return l
    opt.step(closure)
for path in sys.argv[1:]:
    d = json.load(open(path))
    if d.get('validationCalibrationLogits') is None: continue
    C = d['classes']
    Lv = torch.tensor(d['validationCalibrationLogits']).view(-1, C); yv = torch.tensor(d['validationLabels'])
    Lt = torch.tensor(d['testCalibrationLogits']).view(-1, C); yt = torch.tensor(d['labels'])
    out = {'raw': ece(Lt.softmax(1), yt)}
    t = torch.zeros(1, requires_grad=True); fit([t], lambda L: L / t.exp(), Lv, yv)
    out['ts'] = ece((Lt / t.exp()).softmax(1), yt); T = float(t.exp())
    w = torch.zeros(C, requires_grad=True); b = torch.zeros(C, requires_grad=True)
    fit([w, b], lambda L: L * w.exp() + b, Lv, yv); out['vector'] = ece((Lt * w.exp() + b).softmax(1), yt)
    # TS with a bias-free power on alpha minus a learned shift: softmax(log(alpha - c)/T), c in (0, 1)
    if not d['model'].startswith(('cross', 'ensemble', 'mc-')):
        a_v, a_t = Lv.exp(), Lt.exp()
        t2 = torch.zeros(1, requires_grad=True); c = torch.zeros(1, requires_grad=True)
        f = lambda A: torch.log(A - torch.sigmoid(c) * 0.999) / t2.exp()
        fit([t2, c], lambda A: f(A), a_v, yv); out['ts-shift'] = ece(f(a_t).softmax(1), yt)
    print(f"{d['model']:28s} seed {d['seed']}  T={T:.3f}  " + "  ".join(f"{k} {v:.4f}" for k, v in out.items()))
