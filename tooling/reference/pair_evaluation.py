"""Reference for @bctkit/metrics' evaluatePairs: embeddings of 400 pairs scored as insightface's
verification evaluation does (L2-normalise, squared distance, 10-fold accuracy with KFold), plus
scikit-learn's ROC AUC and insightface's closest-FAR TAR, with numpy / scikit-learn.

Run with Debian's python3-sklearn:  /usr/bin/python3 tooling/reference/pair_evaluation.py
"""

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import auc, roc_curve
from sklearn.model_selection import KFold

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/pair-evaluation.json"


def main():
    rng = np.random.default_rng(20261204)
    pairs, dim = 400, 16
    issame = (rng.random(pairs) < 0.5).astype(np.int64)
    first = rng.normal(size=(pairs, dim)).astype(np.float32)
    noise = rng.normal(size=(pairs, dim)).astype(np.float32)
    # Same pairs share most of their direction, different pairs little; unnormalised lengths.
    second = np.where(issame[:, None] == 1, first + 0.9 * noise, 0.3 * first + noise) * 3.0
    second = second.astype(np.float32)
    a = first / np.linalg.norm(first, axis=1, keepdims=True)
    b = second / np.linalg.norm(second, axis=1, keepdims=True)
    dist = np.sum((a.astype(np.float64) - b) ** 2, axis=1)
    thresholds = np.arange(0, 4, 0.01)
    accuracies = []
    for train, test in KFold(n_splits=10, shuffle=False).split(np.arange(pairs)):
        train_acc = [np.mean((dist[train] < t) == issame[train]) for t in thresholds]
        best = int(np.argmax(train_acc))
        accuracies.append(float(np.mean((dist[test] < thresholds[best]) == issame[test])))
    scores = np.sum(a.astype(np.float64) * b, axis=1)
    fpr, tpr, _ = roc_curve(issame, scores)
    tar = {}
    flipped_fpr, flipped_tpr = np.flipud(fpr), np.flipud(tpr)
    for key, far in (("1e-3", 1e-3), ("1e-2", 1e-2), ("1e-1", 1e-1)):
        tar[key] = float(flipped_tpr[int(np.argmin(np.abs(flipped_fpr - far)))])
    data = {
        "generator": "tooling/reference/pair_evaluation.py",
        "dim": dim,
        "first": first.flatten().tolist(),
        "second": second.flatten().tolist(),
        "issame": issame.tolist(),
        "accuracyMean": float(np.mean(accuracies)),
        "accuracyStd": float(np.std(accuracies)),
        "folds": accuracies,
        "auc": float(auc(fpr, tpr)),
        "tar": tar,
    }
    OUT.write_text(json.dumps(data) + "\n")
    print(f"wrote {OUT}: accuracy {data['accuracyMean']:.4f}, auc {data['auc']:.4f}, tar {tar}")


if __name__ == "__main__":
    main()
