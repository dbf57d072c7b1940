"""Reference values for @bctkit/metrics' verification core: scikit-learn's roc_curve and auc,
insightface's closest-FAR rule and its 10-fold accuracy, computed with numpy / scikit-learn.

Run with Debian's python3-sklearn:  /usr/bin/python3 tooling/reference/verification.py
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import auc, roc_curve
from sklearn.model_selection import KFold

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/verification.json"
FARS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]


def tar_at_far(fpr, tpr, thresholds):
    # insightface eval_ijbc.py: flip so FPR is descending, then argmin |fpr - far| (first wins).
    fpr, tpr, thresholds = np.flipud(fpr), np.flipud(tpr), np.flipud(thresholds)
    out = []
    for far in FARS:
        i = int(np.argmin(np.abs(fpr - far)))
        out.append({"far": far, "tar": float(tpr[i]), "actualFar": float(fpr[i]), "threshold": float(thresholds[i])})
    return out


def roc_case(rng, n, positive_share, decimals):
    labels = (rng.random(n) < positive_share).astype(np.int64)
    scores = rng.normal(0.0, 1.0, n) + 1.5 * labels
    if decimals is not None:
        scores = np.round(scores, decimals)  # many ties
    case = {"scores": scores.tolist(), "labels": labels.tolist()}
    for drop in (True, False):
        fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=drop)
        case["drop" if drop else "all"] = {
            "fpr": fpr.tolist(),
            "tpr": tpr.tolist(),
            # thresholds[0] is max + 1 in scikit-learn 1.2 (+inf in later versions): compare from 1
            "thresholds": thresholds[1:].tolist(),
            "auc": float(auc(fpr, tpr)),
            "tarAtFar": tar_at_far(fpr, tpr, thresholds),
        }
    return case


def k_fold_case(rng, pairs, folds):
    issame = rng.random(pairs) < 0.5
    dist = np.clip(rng.normal(1.0, 0.35, pairs) - 0.6 * issame, 0, 4)
    thresholds = np.arange(0, 4, 0.01)
    accuracies, chosen = [], []
    for train, test in KFold(n_splits=folds, shuffle=False).split(np.arange(pairs)):
        train_acc = [np.mean((dist[train] < t) == issame[train]) for t in thresholds]
        best = int(np.argmax(train_acc))
        chosen.append(float(thresholds[best]))
        accuracies.append(float(np.mean((dist[test] < thresholds[best]) == issame[test])))
    return {
        "distances": dist.tolist(),
        "issame": issame.astype(int).tolist(),
        "folds": folds,
        "accuracies": accuracies,
        "thresholds": chosen,
        "mean": float(np.mean(accuracies)),
        "std": float(np.std(accuracies)),
    }


def main():
    rng = np.random.default_rng(20261122)
    data = {
        "generator": "tooling/reference/verification.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "rocTies": roc_case(rng, 1500, 0.3, 1),
        "rocContinuous": roc_case(rng, 1000, 0.05, None),
        "kFold": k_fold_case(rng, 605, 10),
        "thresholds": np.arange(0, 4, 0.01).tolist(),
    }
    OUT.write_text(json.dumps(data) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
