"""Reference for @bctkit/metrics' retrievalMatrix: three model generations' features of one
labelled set, the leave-one-out top-1 matrix (queries of generation i against the gallery of
generation j, cosine similarity, the query's own row left out), the empirical compatibility
criterion for every newer/older pair, AC and AM (lower triangle with the diagonal), with numpy.

Run:  /usr/bin/python3 tooling/reference/compat_matrix.py
"""

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/compat-matrix.json"


def top1(queries, gallery, labels):
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    g = gallery / np.linalg.norm(gallery, axis=1, keepdims=True)
    scores = q.astype(np.float64) @ g.T.astype(np.float64)
    np.fill_diagonal(scores, -np.inf)
    return float(np.mean(labels[np.argmax(scores, axis=1)] == labels))


def main():
    rng = np.random.default_rng(20261205)
    classes, per, dim = 12, 5, 8
    labels = np.repeat(np.arange(classes), per)
    centres = rng.normal(size=(classes, dim))
    # Generation 0: noisy; 1: less noisy, drifted a little from 0; 2: drifted further, rotated.
    gen0 = centres[labels] + 1.1 * rng.normal(size=(len(labels), dim))
    drift = centres + 0.4 * rng.normal(size=(classes, dim))
    gen1 = drift[labels] + 0.7 * rng.normal(size=(len(labels), dim))
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    rotation = 0.45 * np.eye(dim) + 0.55 * q
    gen2 = (drift @ rotation)[labels] + 0.5 * rng.normal(size=(len(labels), dim))
    gens = [g.astype(np.float32) for g in (gen0, gen1, gen2)]
    n = len(gens)
    values = [[top1(gens[i], gens[j], labels) for j in range(n)] for i in range(n)]
    criteria = [
        {"newer": i, "older": j, "cross": values[i][j], "reference": values[j][j], "compatible": values[i][j] > values[j][j]}
        for i in range(1, n) for j in range(i)
    ]
    ac = sum(c["compatible"] for c in criteria) / len(criteria)
    am = sum(values[i][j] for i in range(n) for j in range(i + 1)) * 2 / (n * (n + 1))
    OUT.write_text(json.dumps({
        "labels": labels.tolist(), "dim": dim,
        "features": [[float(v) for v in g.ravel()] for g in gens],
        "values": values, "criteria": criteria, "ac": ac, "am": am,
    }))
    print(f"wrote {OUT}: {values}, AC {ac}, AM {am}")


if __name__ == "__main__":
    main()
