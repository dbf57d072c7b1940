"""insightface's IJB-C 1:1 scoring (eval_ijbc.py's verification + ROC + closest-FAR rule) on data
written by `pnpm bench ijbc`: numpy batched dot products over 100k-pair chunks, scikit-learn
roc_curve. Prints one JSON line with the times and the TARs.

Usage: python3 ijbc_peer.py <directory with templates.npy, pairs.npy, labels.npy>
"""
import json
import sys
import time

import numpy as np
from sklearn.metrics import roc_curve

FARS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
directory = sys.argv[1]
feats = np.load(f"{directory}/templates.npy")
pairs = np.load(f"{directory}/pairs.npy").astype(np.int64)
labels = np.load(f"{directory}/labels.npy")
p1, p2 = pairs[:, 0], pairs[:, 1]

start = time.perf_counter()
scores = np.zeros(len(p1))
batch = 100000
for s in range(0, len(p1), batch):
    scores[s:s + batch] = np.sum(feats[p1[s:s + batch]] * feats[p2[s:s + batch]], -1)
scored = time.perf_counter()
fpr, tpr, _ = roc_curve(labels, scores)
fpr, tpr = np.flipud(fpr), np.flipud(tpr)
tar = [float(tpr[np.argmin(np.abs(fpr - far))]) for far in FARS]  # in the order of FARS
done = time.perf_counter()
print(json.dumps({"scoreSeconds": scored - start, "rocSeconds": done - scored, "totalSeconds": done - start, "tar": tar}))
