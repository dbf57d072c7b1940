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


def bct(scale, weight_bct, margin=0.0):
    def run(e, w, labels, old):
        if margin > 0:  # the old model's own ArcFace loss form through the frozen prototypes
            logits = margin_logits(e, PROTOTYPES, labels, scale, 1.0, margin, 0.0, "arcface")
            loss = arcface(e, w, labels) + weight_bct * cross_entropy(logits, labels)
            return loss, {"scale": scale, "lambda": weight_bct, "margin": margin,
                          "prototypes": flat(PROTOTYPES)}
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


def normalize_np(x, axis=1):
    return x / np.linalg.norm(x, axis=axis, keepdims=True)


def refine_case():
    """UniBCT prototype refinement, paper intent and the MixBCT repository's version."""
    rng = np.random.default_rng(9)
    labels = np.array([0] * 5 + [1] * 1 + [2] * 7)
    old = rng.normal(size=(labels.size, 4)).astype(np.float32)
    new = rng.normal(size=(labels.size, 4)).astype(np.float32)
    lam, tau = 0.9, 0.5
    out = {}
    for mode in ("paper", "reference"):
        protos = []
        for k in range(3):
            rows = labels == k
            o, f = old[rows].astype(np.float64), new[rows].astype(np.float64)
            n = len(o)
            if mode == "paper":
                o, f = normalize_np(o), normalize_np(f)
                s = f @ f.T / tau
                np.fill_diagonal(s, -np.inf)
                if n == 1:
                    a = np.zeros((1, 1))
                else:
                    a = np.exp(s - s.max(axis=1, keepdims=True))
                    a /= a.sum(axis=1, keepdims=True)
            else:
                s = f @ f.T / tau
                a = np.exp(s - s.max(axis=0, keepdims=True))
                a /= a.sum(axis=0, keepdims=True)
            z = (1 - lam) * np.linalg.solve(np.eye(n) - lam * a, o)
            p = z.mean(axis=0)
            protos.append(p / np.linalg.norm(p) if mode == "paper" else p)
        out[mode] = [float(v) for v in np.stack(protos).reshape(-1)]
    return {"old": [float(v) for v in old.reshape(-1)], "new": [float(v) for v in new.reshape(-1)],
            "labels": labels.tolist(), "dim": 4, "classes": 3, "lambda": lam, "tau": tau,
            "paper": out["paper"], "reference": out["reference"]}


def boundaries_case():
    """LCE centres and kappa; AdvBCT centres and IQR-filtered radii."""
    rng = np.random.default_rng(10)
    counts = [6, 1, 3, 9]
    labels = np.repeat(np.arange(4), counts)
    old = rng.normal(size=(labels.size, 5)).astype(np.float32)
    f = normalize_np(old.astype(np.float64))
    lce_centres, kappa, adv_centres, radius, kept = [], [], [], [], []
    for k in range(4):
        rows = f[labels == k]
        c = rows.mean(axis=0)
        cn = c / np.linalg.norm(c)
        lce_centres.append(cn)
        kappa.append(float((rows @ cn).min()))
        adv_centres.append(c)
        r = np.sort(np.linalg.norm(rows - c, axis=1))
        if len(r) >= 4:
            q1, q3 = np.percentile(r, [25, 75])
            iqr = q3 - q1
            r = r[(r >= q1 - 1.5 * iqr) & (r <= q3 + 1.5 * iqr)]
        radius.append(float(r.max()))
        kept.append(int(len(r)))
    return {"old": [float(v) for v in old.reshape(-1)], "labels": labels.tolist(), "dim": 5,
            "classes": 4,
            "lceCentres": [float(v) for v in np.stack(lce_centres).reshape(-1)],
            "kappa": kappa,
            "advCentres": [float(v) for v in np.stack(adv_centres).reshape(-1)],
            "radius": radius, "kept": kept}


def lce_case(normalize_features):
    def run(e, w, labels, old):
        centres = LCE_CENTRES
        kappa = LCE_KAPPA
        valid = labels >= 0
        feats = F.normalize(e) if normalize_features else e
        cos = torch.clamp((feats[valid] * centres[labels[valid]]).sum(dim=1), -1, 1)
        bound = torch.clamp(kappa[labels[valid]] - cos, min=0).mean()
        align = ((F.normalize(w) - centres) ** 2).mean()
        loss = arcface(e, w, labels) + 100.0 * align + 1.0 * bound
        return loss, {"centres": flat(centres), "kappa": flat(kappa),
                      "normalizeFeatures": normalize_features}
    return run


LCE_CENTRES = F.normalize(f32(torch.randn(C, DIM)))
LCE_KAPPA = f32(torch.rand(C) * 0.5)
ADV_CENTRES = f32(F.normalize(torch.randn(C, DIM)) * 0.8)
ADV_RADIUS = f32(torch.tensor([0.3, 0.9, 0.5, 0.2, 0.7]))
ADV_USABLE = [1, 1, 1, 0, 1]
HIDDEN = 7


def advbct_case():
    embeddings, weight = inputs()
    old = f32(torch.randn(B, DIM) * 3)
    labels = torch.tensor(LABELS)
    elastic = f32(torch.randn(C) * 0.5)
    w1, b1 = f32(torch.randn(HIDDEN, DIM) * 0.3), f32(torch.randn(HIDDEN) * 0.1)
    gamma, beta = f32(1 + 0.1 * torch.randn(HIDDEN)), f32(0.1 * torch.randn(HIDDEN))
    w2, b2 = f32(torch.randn(2, HIDDEN) * 0.3), f32(torch.randn(2) * 0.1)
    progress, epoch, epochs, threshold = 0.3, 2, 5, 0.4
    alpha = 2 / (1 + math.exp(-10 * progress)) - 1
    params = [t.clone().requires_grad_(True) for t in (embeddings, weight, elastic, w1, b1, gamma, beta, w2, b2)]
    e, w, el, pw1, pb1, pg, pb, pw2, pb2 = params

    class Reverse(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.view_as(x)

        @staticmethod
        def backward(ctx, g):
            return -alpha * g

    def discriminator(x):
        h = x @ pw1.t() + pb1
        mean = h.mean(dim=0)
        var = h.var(dim=0, unbiased=False)
        h = (h - mean) / torch.sqrt(var + 1e-5) * pg + pb
        return torch.log_softmax(torch.relu(h) @ pw2.t() + pb2, dim=1)

    valid = labels >= 0
    y = labels[valid]
    usable = torch.tensor(ADV_USABLE, dtype=torch.bool)[y]
    radius = ADV_RADIUS[y]
    delta = torch.abs(radius - threshold) * torch.sigmoid(el[y])
    effective = torch.where(radius < threshold, radius + delta, radius - delta)
    distance = torch.norm(F.normalize(e[valid]) - ADV_CENTRES[y], dim=1)
    violation = torch.clamp(distance - effective, min=0) * usable
    count = (violation > 0).sum()
    p2s = violation.sum() / torch.clamp(count, min=1)
    adv = -discriminator(Reverse.apply(F.normalize(e)))[:, 0].mean() - discriminator(F.normalize(old))[:, 1].mean()
    loss = arcface(e, w, labels) + 1.0 * p2s + 1.0 * adv * (epochs - epoch + 1) / epochs
    loss.backward()
    names = ["embeddings", "weight", "elastic", "w1", "b1", "gamma", "beta", "w2", "b2"]
    out = {"labels": LABELS, "shape": [B, DIM, C], "hidden": HIDDEN, "old": flat(old),
           "centres": flat(ADV_CENTRES), "radius": flat(ADV_RADIUS), "usable": ADV_USABLE,
           "progress": progress, "epoch": epoch, "epochs": epochs, "threshold": threshold,
           "loss": loss.item()}
    for name, tensor in zip(names, params):
        out[name] = flat(tensor.detach())
        out["grad_" + name] = flat(tensor.grad)
    return out


def nccl_case():
    """Two steps of NCCL; the second sees a queue holding both batches."""
    _, weight = inputs()
    batches = [(f32(torch.randn(B, DIM) * 2), f32(torch.randn(B, DIM) * 3)) for _ in range(2)]
    label_sets = [LABELS, [1, 1, 0, -1, 2, 4]]
    queue_old, queue_logits, queue_labels = [], [], []
    temperature, alpha, beta = 1.0, 1.0, 0.01

    def head_logits(x, w, labels):
        return margin_logits(x, w, labels, 64.0, 1.0, 0.5, 0.0, "arcface")

    def supcon(anchors, keys, anchor_labels, key_labels, weights):
        logits = anchors @ keys.t() / temperature
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        positive = (anchor_labels[:, None] == key_labels[None, :]).double()
        valid = anchor_labels >= 0
        per_anchor = -(positive * weights * log_prob).sum(dim=1) / positive.sum(dim=1).clamp(min=1)
        return per_anchor[valid].mean()

    results = []
    for (embeddings, old), labels_list in zip(batches, label_sets):
        labels = torch.tensor(labels_list)
        e = embeddings.clone().requires_grad_(True)
        w = weight.clone().requires_grad_(True)
        old_n = F.normalize(old)
        old_logits = head_logits(old_n, w, labels).detach()
        queue_old.append(old_n)
        queue_logits.append(old_logits)
        queue_labels.append(labels)
        q_old, q_logits, q_labels = torch.cat(queue_old), torch.cat(queue_logits), torch.cat(queue_labels)
        weights = (old_n @ q_old.t() + 1) / 2
        new_logits = head_logits(e, w, labels)
        l1 = supcon(F.normalize(e), q_old, labels, q_labels, weights)
        l2 = supcon(F.normalize(new_logits), F.normalize(q_logits), labels, q_labels, weights)
        loss = cross_entropy(new_logits, labels) + alpha * l1 + beta * l2
        loss.backward()
        results.append({"embeddings": flat(embeddings), "old": flat(old), "labels": labels_list,
                        "loss": loss.item(), "gradEmbeddings": flat(e.grad),
                        "gradWeight": flat(w.grad)})
    return {"weight": flat(weight), "shape": [B, DIM, C], "steps": results}


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
            compat_case("bct-arcface", bct(30.0, 1.0, 0.3)),
            compat_case("mixbct", mixbct([0, 2, 4])),
            compat_case("lce", lce_case(False)),
            compat_case("lce-normalised", lce_case(True)),
        ],
        "advbct": advbct_case(),
        "nccl": nccl_case(),
        "refine": refine_case(),
        "boundaries": boundaries_case(),
        "denoise": denoise_case(),
        "prototypes": prototypes_case(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
