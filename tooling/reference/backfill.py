"""Reference for @bctkit/metrics' backfillCurve and backfillOrder('uncertainty'): a labelled set's
old and new features, the order of the uncertainty policy (cosine distance of each L2-normalised
old feature from its identity's mean, descending; ties by index), and the leave-one-out top-1 and
mAP@R of new queries against the partly backfilled gallery at fractions 0, 0.1, ..., 1, with numpy.

Run:  /usr/bin/python3 tooling/reference/backfill.py
"""

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/backfill.json"


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def retrieval(queries, gallery, labels):
    scores = unit(queries.astype(np.float64)) @ unit(gallery.astype(np.float64)).T
    np.fill_diagonal(scores, -np.inf)
    top1 = np.mean(labels[np.argmax(scores, axis=1)] == labels)
    aps = []
    for i in range(len(labels)):
        relevant = labels == labels[i]
        relevant[i] = False
        r = relevant.sum()
        if r == 0:
            continue
        ranking = np.argsort(-scores[i], kind="stable")[: len(labels) - 1]
        hits = relevant[ranking[:r]]
        precision = np.cumsum(hits) / np.arange(1, r + 1)
        aps.append(float(np.sum(precision * hits) / r))
    return float(top1), float(np.mean(aps))


def main():
    rng = np.random.default_rng(20261205)
    classes, per, dim = 10, 6, 8
    labels = np.repeat(np.arange(classes), per)
    centres = rng.normal(size=(classes, dim))
    new = (centres[labels] + 0.6 * rng.normal(size=(len(labels), dim))).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    old = ((0.6 * np.eye(dim) + 0.4 * q) @ centres.T).T[labels] + 0.9 * rng.normal(size=(len(labels), dim))
    old = old.astype(np.float32)
    u = unit(old.astype(np.float64))
    distance = np.zeros(len(labels))
    for c in range(classes):
        mean = u[labels == c].sum(0)
        distance[labels == c] = 1 - u[labels == c] @ (mean / np.linalg.norm(mean))
    order = sorted(range(len(labels)), key=lambda i: (-distance[i], i))
    points = []
    for k in range(11):
        fraction = k / 10
        b = int(np.floor(fraction * len(labels) + 0.5))
        gallery = old.copy()
        gallery[order[:b]] = new[order[:b]]
        top1, map_r = retrieval(new, gallery, labels)
        points.append({"fraction": fraction, "backfilled": b, "top1": top1, "mapAtR": map_r})
    OUT.write_text(json.dumps({
        "labels": labels.tolist(), "dim": dim,
        "new": [float(v) for v in new.ravel()], "old": [float(v) for v in old.ravel()],
        "uncertaintyOrder": order, "points": points,
    }))
    print(f"wrote {OUT}: {[round(p['top1'], 3) for p in points]}")


if __name__ == "__main__":
    main()
