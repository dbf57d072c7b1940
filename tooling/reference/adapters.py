"""Reference for @bctkit/adapters: symmetric eigendecomposition (numpy eigh), orthogonal
Procrustes (numpy SVD, and scipy's orthogonal_procrustes where the widths agree), ridge affine
maps (scikit-learn Ridge) and their reduced-rank form (numpy), and a few full-batch AdamW steps
of the mlp and fct networks from given initial weights (PyTorch).

Run with Debian's python3-sklearn and python3-torch:  /usr/bin/python3 tooling/reference/adapters.py
"""

import json
from pathlib import Path

import numpy as np
import torch
from scipy.linalg import orthogonal_procrustes
from sklearn.linear_model import Ridge

OUT = Path(__file__).resolve().parents[2] / "packages/adapters/src/fixtures/adapters.json"


def unit(x):
    x = x.astype(np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def floats(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def paired(rng, rows, p, q, noise=0.2):
    """Rows in two spaces related by a random linear map plus noise (float32, unnormalised)."""
    x = rng.normal(size=(rows, p)).astype(np.float32) * rng.uniform(0.5, 3.0, size=(rows, 1))
    a = rng.normal(size=(p, q)) / np.sqrt(p)
    y = (unit(x) @ a + noise * rng.normal(size=(rows, q))).astype(np.float32) * 2.0
    return x.astype(np.float32), y.astype(np.float32)


def main():
    rng = np.random.default_rng(20261205)
    out = {}

    s = rng.normal(size=(7, 7))
    s = s + s.T
    s[0, 0] += 1e-9  # distinct eigenvalues
    values, vectors = np.linalg.eigh(s)
    order = np.argsort(-values)
    out["eigen"] = {"n": 7, "matrix": floats(s), "values": floats(values[order]), "vectors": floats(vectors[:, order])}

    out["procrustes"] = []
    for p, q in [(8, 8), (6, 10), (10, 6)]:
        x, y = paired(rng, 60, p, q)
        xn, yn = unit(x), unit(y)
        u, _, vt = np.linalg.svd(xn.T @ yn, full_matrices=False)
        w = u @ vt
        if p == q:
            r, _ = orthogonal_procrustes(xn, yn)
            assert np.allclose(r, w, atol=1e-10)
        out["procrustes"].append({"from": floats(x), "to": floats(y), "rows": 60, "p": p, "q": q, "w": floats(w)})

    out["affine"] = []
    for p, q, ridge, rank in [(8, 5, 1e-3, None), (8, 6, 0.05, 3)]:
        x, y = paired(rng, 80, p, q, noise=0.3)
        xn, yn = unit(x), unit(y)
        model = Ridge(alpha=ridge * len(xn), fit_intercept=True).fit(xn, yn)
        w, b = model.coef_.T, model.intercept_
        if rank is not None:
            fitted = (xn - xn.mean(0)) @ w
            _, vecs = np.linalg.eigh(fitted.T @ fitted)
            v = vecs[:, ::-1][:, :rank]
            w = w @ v @ v.T
            b = yn.mean(0) - xn.mean(0) @ w
        out["affine"].append({
            "from": floats(x), "to": floats(y), "rows": 80, "p": p, "q": q, "ridge": ridge, "rank": rank,
            "w": floats(w), "b": floats(b),
        })

    # Network training: 6 full-batch AdamW steps from given float32 weights.
    torch.manual_seed(0)
    nets = {}
    for name in ["mlp", "fct"]:
        p, q, h, rows = 6, 5, 7, 40
        x, y = paired(rng, rows, p, q)
        xn = torch.tensor(unit(x), dtype=torch.float32)
        yn = torch.tensor(unit(y), dtype=torch.float32)
        g = lambda *shape: torch.tensor(rng.normal(size=shape) * 0.4, dtype=torch.float32)
        if name == "mlp":
            init = {"p": g(p, q), "w1": g(p, h), "b1": g(h), "w2": g(h, q), "b2": g(q)}
            forward = lambda t, z: z @ t["p"] + torch.relu(z @ t["w1"] + t["b1"]) @ t["w2"] + t["b2"]
        else:
            init = {"w1": g(p, h), "b1": g(h), "w2": g(h, h), "b2": g(h), "w3": g(h, q), "b3": g(q)}

            def forward(t, z):
                hidden = torch.relu(z @ t["w1"] + t["b1"])
                hidden = hidden + torch.relu(hidden @ t["w2"] + t["b2"])
                return hidden @ t["w3"] + t["b3"]

        params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
        optimiser = torch.optim.AdamW(list(params.values()), lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
        for _ in range(6):
            optimiser.zero_grad()
            loss = ((forward(params, xn) - yn) ** 2).sum(1).mean()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            final = float(((forward(params, xn) - yn) ** 2).sum(1).mean())
        nets[name] = {
            "from": floats(x), "to": floats(y), "rows": rows, "p": p, "q": q, "hidden": h,
            "learningRate": 0.01, "weightDecay": 0.1, "steps": 6,
            "initial": {k: {"shape": list(v.shape), "data": floats(v)} for k, v in init.items()},
            "trained": {k: floats(v.detach()) for k, v in params.items()},
            "loss": final,
        }
    out["networks"] = nets
    OUT.write_text(json.dumps(out))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
