"""Reference for the d-Simplex fixed classifier (@bctkit/losses `dsimplex` head): the simplex
vertices in numpy (float64), and the head's mean cross-entropy and its gradient with respect to the
embeddings from PyTorch autograd (rows labelled -1 ignored, as `ignore_index`).

Run with Debian's python3-torch:  /usr/bin/python3 tooling/reference/simplex_head.py
"""

import json
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[2] / "packages/losses/src/fixtures/simplex-head.json"


def vertices(count, dim):
    """Regular simplex of `count` unit vertices, centred, in the first count - 1 of `dim` axes."""
    d = count - 1
    alpha = (1 - np.sqrt(d + 1)) / d
    points = np.vstack([np.eye(d), np.full((1, d), alpha)])
    points = points - points.mean(axis=0, keepdims=True)
    points = points / np.linalg.norm(points, axis=1, keepdims=True)
    out = np.zeros((count, dim))
    out[:, :d] = points
    return out


def case(rng, classes, count, dim, batch, scale, normalize):
    w = vertices(count, dim)[:classes]
    x = rng.normal(size=(batch, dim)).astype(np.float32) * 2.0
    labels = rng.integers(0, classes, size=batch)
    labels[1] = -1
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    features = torch.nn.functional.normalize(xt, dim=1) if normalize else xt
    logits = scale * features @ torch.tensor(w).t()
    loss = torch.nn.functional.cross_entropy(
        logits, torch.tensor(labels, dtype=torch.long), ignore_index=-1
    )
    loss.backward()
    return {
        "classes": classes,
        "vertices": count,
        "dim": dim,
        "scale": scale,
        "normalize": normalize,
        "embeddings": [float(v) for v in x.ravel()],
        "labels": [int(v) for v in labels],
        "weight": [float(v) for v in w.ravel()],
        "logits": [float(v) for v in logits.detach().numpy().ravel()],
        "loss": float(loss),
        "gradient": [float(v) for v in xt.grad.numpy().ravel()],
    }


def main():
    rng = np.random.default_rng(20261205)
    out = {
        "raw": case(rng, classes=5, count=7, dim=8, batch=6, scale=1.0, normalize=False),
        "normalised": case(rng, classes=4, count=4, dim=3, batch=5, scale=16.0, normalize=True),
        "full": case(rng, classes=10, count=10, dim=9, batch=8, scale=2.0, normalize=False),
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
