"""Reference for BT²'s loss in @bctkit/losses (`bt2`): the Householder basis transformation,
BCT's influence loss on its first old-width coordinates plus a cosine head on the raw embedding,
and the gradients with respect to the embeddings and the reflection vectors, from PyTorch
autograd in float64 (rows labelled -1 ignored).

Run with Debian's python3-torch:  /usr/bin/python3 tooling/reference/bt2.py
"""

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parents[2] / "packages/losses/src/fixtures/bt2.json"


def householder_product(v):
    """B = H_1 H_2 ... H_r with H_i = I - 2 u u^T, u = v_i / |v_i|, as an explicit matrix."""
    n = v.shape[1]
    b = torch.eye(n, dtype=v.dtype)
    for row in v:
        u = row / row.norm()
        b = b @ (torch.eye(n, dtype=v.dtype) - 2 * torch.outer(u, u))
    return b


def case(rng, batch, classes, n, d, r, head_scale, scale, lam):
    z = rng.normal(size=(batch, n)).astype(np.float32)
    labels = rng.integers(0, classes, size=batch)
    labels[2] = -1
    w_head = rng.normal(size=(classes, n)).astype(np.float32)
    prototypes = rng.normal(size=(classes, d)).astype(np.float32)
    vectors = rng.normal(size=(r, n)).astype(np.float32)

    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    vt = torch.tensor(vectors, dtype=torch.float64, requires_grad=True)
    target = torch.tensor(labels, dtype=torch.long)
    head_logits = head_scale * F.normalize(zt, dim=1) @ F.normalize(
        torch.tensor(w_head, dtype=torch.float64), dim=1
    ).t()
    head_loss = F.cross_entropy(head_logits, target, ignore_index=-1)
    b = householder_product(vt)
    turned = zt @ b.t()
    p = F.normalize(torch.tensor(prototypes, dtype=torch.float64), dim=1)
    influence = F.cross_entropy(
        scale * F.normalize(turned[:, :d], dim=1) @ p.t(), target, ignore_index=-1
    )
    loss = head_loss + lam * influence
    loss.backward()
    flat = lambda t: [float(x) for x in t.detach().numpy().ravel()]  # noqa: E731
    return {
        "batch": batch,
        "classes": classes,
        "n": n,
        "d": d,
        "reflections": r,
        "headScale": head_scale,
        "scale": scale,
        "lambda": lam,
        "embeddings": flat(zt),
        "labels": [int(x) for x in labels],
        "headWeight": flat(torch.tensor(w_head)),
        "prototypes": flat(torch.tensor(prototypes)),
        "vectors": flat(vt),
        "turned": flat(turned),
        "queryMap": flat(b.t()[:, :d]),
        "loss": float(loss),
        "gradEmbeddings": flat(zt.grad),
        "gradVectors": flat(vt.grad),
    }


def main():
    rng = np.random.default_rng(20261205)
    out = {
        "wider": case(rng, batch=6, classes=5, n=6, d=4, r=6, head_scale=8.0, scale=4.0, lam=1.0),
        "few-reflections": case(
            rng, batch=5, classes=4, n=5, d=3, r=2, head_scale=16.0, scale=30.0, lam=0.5
        ),
        "same-width": case(
            rng, batch=4, classes=3, n=4, d=4, r=4, head_scale=4.0, scale=1.0, lam=2.0
        ),
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
