"""Reference values for @bctkit/metrics' retrieval metrics (top-k accuracy and mAP@R, after
Musgrave et al., "A Metric Learning Reality Check", 2020), computed with numpy.

Run:  python3 tooling/reference/retrieval.py
"""

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/retrieval.json"


def normalize(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def metrics(queries, query_labels, gallery, gallery_labels, exclude_same_index, ks=(1, 5)):
    sims = normalize(queries) @ normalize(gallery).T
    if exclude_same_index:
        np.fill_diagonal(sims, -np.inf)
    # highest similarity first (the random float scores have no ties)
    order = np.argsort(-sims, axis=1, kind="stable")
    ranked = gallery_labels[order]
    hits = ranked == query_labels[:, None]
    if exclude_same_index:
        hits[:, -1] = False  # the excluded item sorts last
    top = {str(k): float(np.mean(hits[:, :k].any(axis=1))) for k in ks}
    ap = []
    for i in range(len(queries)):
        r = int(np.sum(gallery_labels == query_labels[i])) - (1 if exclude_same_index else 0)
        if r == 0:
            continue
        rel = hits[i, :r]
        precision = np.cumsum(rel) / np.arange(1, r + 1)
        ap.append(float(np.sum(precision * rel) / r))
    return {"top": top, "mapAtR": float(np.mean(ap)), "queriesWithRelevant": len(ap)}


def main():
    rng = np.random.default_rng(3)
    classes, per_class, dim = 12, 6, 8
    centres = rng.normal(0, 1, (classes, dim))
    labels = np.repeat(np.arange(classes), per_class)
    new = centres[labels] + rng.normal(0, 0.8, (len(labels), dim))
    old = centres[labels] + rng.normal(0, 1.4, (len(labels), dim))
    queries = np.arange(0, len(labels), 3)
    data = {
        "generator": "tooling/reference/retrieval.py",
        "labels": labels.tolist(),
        "newFeatures": new.astype(np.float32).tolist(),
        "oldFeatures": old.astype(np.float32).tolist(),
        "queryRows": queries.tolist(),
        # leave-one-out over the whole set: self (new/new), cross (new queries, old gallery), old (old/old)
        "self": metrics(new.astype(np.float32), labels, new.astype(np.float32), labels, True),
        "cross": metrics(new.astype(np.float32), labels, old.astype(np.float32), labels, True),
        "old": metrics(old.astype(np.float32), labels, old.astype(np.float32), labels, True),
        # separate query set against the full gallery, no exclusion
        "split": metrics(new[queries].astype(np.float32), labels[queries], old.astype(np.float32), labels, False),
    }
    OUT.write_text(json.dumps(data) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
