"""Reference values for @bctkit/losses, from independent PyTorch (float64) implementations written
from shared/spec/insightface-infra.md section 2 and shared/spec/bct-methods.md sections 1-2.

Run with Debian's python3-torch:  /usr/bin/python3 tooling/reference/losses.py
Writes packages/losses/src/fixtures/reference.json (committed; CI does not need Python).

Every case gives the inputs, the loss, and the gradients with respect to the embeddings and the
trainable classifier weights.
"""

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parents[2] / "packages/losses/src/fixtures/reference.json"
torch.manual_seed(20261122)
D = torch.float64
B, DIM, C = 6, 8, 5
LABELS = [0, 3, -1, 2, 4, 3]  # -1 is ignored


def flat(t):
    return [float(f"{v:.12g}") for v in t.detach().reshape(-1).tolist()]


def f32(t):
    """Values representable in float32, so both sides start from the same numbers."""
    return t.float().double()


def inputs():
    weight = f32(torch.randn(C, DIM) * 0.5)
    embeddings = f32(torch.randn(B, DIM) * 2)
    # Row 3 points away from its class centre: its target cosine is below cos(pi - 0.5), which
    # exercises ArcFace's fallback branch.
    embeddings[3] = f32(-weight[2] * 3 + 0.05 * torch.randn(DIM))
    return embeddings, weight


def cross_entropy(logits, labels):
    valid = labels >= 0
    return F.cross_entropy(logits[valid], labels[valid], reduction="mean")


def margin_logits(embeddings, weight, labels, s, m1, m2, m3, mode):
    cos = torch.clamp(F.normalize(embeddings) @ F.normalize(weight).t(), -1, 1)
    valid = labels >= 0
    rows = torch.arange(len(labels))[valid]
    target = cos[rows, labels[valid]]
    if mode == "arcface":
        sin = torch.sqrt(1 - target * target)
        phi = target * math.cos(m2) - sin * math.sin(m2)
        modified = torch.where(target > math.cos(math.pi - m2), phi,
                               target - m2 * math.sin(math.pi - m2))
    elif mode == "straight-through":
        value = torch.cos(torch.acos(target) + m2)
        modified = target + (value - target).detach()
    elif mode == "cosface":
        modified = target - m3
    else:  # general combined margin, differentiable through acos
        modified = torch.cos(m1 * torch.acos(target) + m2) - m3
    out = cos.clone()
    out[rows, labels[valid]] = modified
    return s * out


def head_case(name, s, m1, m2, m3, mode):
    embeddings, weight = inputs()
    labels = torch.tensor(LABELS)
    e = embeddings.clone().requires_grad_(True)
    w = weight.clone().requires_grad_(True)
    loss = cross_entropy(margin_logits(e, w, labels, s, m1, m2, m3, mode), labels)
    loss.backward()
    return {
        "name": name, "scale": s, "m1": m1, "m2": m2, "m3": m3, "mode": mode,
        "embeddings": flat(embeddings), "weight": flat(weight), "labels": LABELS,
        "shape": [B, DIM, C], "loss": loss.item(),
        "gradEmbeddings": flat(e.grad), "gradWeight": flat(w.grad),
    }


def softmax_case():
    embeddings, weight = inputs()
    bias = f32(torch.randn(C) * 0.1)
    labels = torch.tensor(LABELS)
    e = embeddings.clone().requires_grad_(True)
    w = weight.clone().requires_grad_(True)
    b = bias.clone().requires_grad_(True)
    loss = cross_entropy(e @ w.t() + b, labels)
    loss.backward()
    return {
        "embeddings": flat(embeddings), "weight": flat(weight), "bias": flat(bias),
        "labels": LABELS, "shape": [B, DIM, C], "loss": loss.item(),
        "gradEmbeddings": flat(e.grad), "gradWeight": flat(w.grad), "gradBias": flat(b.grad),
    }


def arcface(e, w, labels):
    return cross_entropy(margin_logits(e, w, labels, 64.0, 1.0, 0.5, 0.0, "arcface"), labels)


def compat_case(name, extra):
    embeddings, weight = inputs()
    old = f32(torch.randn(B, DIM) * 3)
    labels = torch.tensor(LABELS)
    e = embeddings.clone().requires_grad_(True)
    w = weight.clone().requires_grad_(True)
    loss, info = extra(e, w, labels, old)
    loss.backward()
    return dict({
        "name": name, "embeddings": flat(embeddings), "weight": flat(weight),
        "old": flat(old), "labels": LABELS, "shape": [B, DIM, C], "loss": loss.item(),
        "gradEmbeddings": flat(e.grad), "gradWeight": flat(w.grad),
    }, **info)


def l2(tolerance, weight_l2):
    def run(e, w, labels, old):
        distance = torch.norm(F.normalize(old) - F.normalize(e), dim=1)
        term = torch.clamp(distance - tolerance, min=0).mean()
        return arcface(e, w, labels) + weight_l2 * term, {"tolerance": tolerance, "lambda": weight_l2}
    return run


PROTOTYPES = F.normalize(f32(torch.randn(C, DIM)))


def bct(scale, weight_bct):
    def run(e, w, labels, old):
        logits = scale * F.normalize(e) @ PROTOTYPES.t()
        loss = arcface(e, w, labels) + weight_bct * cross_entropy(logits, labels)
        return loss, {"scale": scale, "lambda": weight_bct, "prototypes": flat(PROTOTYPES)}
    return run


def mixbct(rows):
    def run(e, w, labels, old):
        mixed = e.clone()
        mixed[rows] = F.normalize(old[rows])  # constants: no gradient to the backbone
        return arcface(mixed, w, labels), {"rows": rows}
    return run


def denoise_case():
    """MixBCT's denoiser (section 2.7.1) in numpy on a small feature set."""
    rng = np.random.default_rng(7)
    counts = [12, 3, 20, 10]
    labels = np.repeat(np.arange(len(counts)), counts)
    features = rng.normal(size=(labels.size, 6)).astype(np.float32) * 2
    features[5] *= 8  # an outlier direction
    x = features.astype(np.float64)
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.linalg.norm(x, axis=0, keepdims=True)
    credible = np.zeros(labels.size, dtype=bool)
    start = 0
    for n in counts:
        chunk = x[start:start + n]
        distance = np.linalg.norm(chunk - chunk.mean(axis=0), axis=1)
        keep = math.ceil(0.9 * n)
        credible[start + np.argsort(distance, kind="stable")[:keep]] = True
        start += n
    return {"features": [float(v) for v in features.reshape(-1)], "labels": labels.tolist(),
            "dim": 6, "ratio": 0.9, "credible": credible.astype(int).tolist()}


def prototypes_case():
    """BCT prototypes: per-class mean of raw old features, then L2-normalised."""
    rng = np.random.default_rng(8)
    labels = np.array([0, 0, 1, 2, 2, 2, 1, 0])
    features = rng.normal(size=(labels.size, 4)).astype(np.float32)
    means = np.stack([features[labels == k].astype(np.float64).mean(axis=0) for k in range(3)])
    prototypes = means / np.linalg.norm(means, axis=1, keepdims=True)
    return {"features": [float(v) for v in features.reshape(-1)], "labels": labels.tolist(),
            "dim": 4, "classes": 3, "prototypes": [float(v) for v in prototypes.reshape(-1)]}


def main():
    fixture = {
        "heads": [
            head_case("arcface", 64.0, 1.0, 0.5, 0.0, "arcface"),
            head_case("arcface-straight-through", 64.0, 1.0, 0.5, 0.0, "straight-through"),
            head_case("cosface", 64.0, 1.0, 0.0, 0.4, "cosface"),
            head_case("combined", 32.0, 0.9, 0.3, 0.15, "combined"),
            head_case("normalised-linear", 30.0, 1.0, 0.0, 0.0, "cosface"),
        ],
        "softmax": softmax_case(),
        "compat": [
            compat_case("l2", l2(0.0, 10.0)),
            compat_case("l2-weakened", l2(0.2, 10.0)),
            compat_case("bct", bct(1.0, 1.0)),
            compat_case("bct-scaled", bct(30.0, 1.0)),
            compat_case("mixbct", mixbct([0, 2, 4])),
        ],
        "denoise": denoise_case(),
        "prototypes": prototypes_case(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
