"""A small synthetic dataset in IJB-C's file layout, with the 1:1 results of insightface's procedure
(eval_ijbc.py) computed here with numpy and scikit-learn, for @bctkit/metrics' tests.

Run with Debian's python3-sklearn:  /usr/bin/python3 tooling/reference/ijbc_fixture.py
"""

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import auc, roc_curve
from sklearn.preprocessing import normalize

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/ijbc"
FARS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
DIM = 16


def build(rng):
    rows = []  # (name, template, media, subject)
    template_ids, image = [], 0
    template = 1000
    media = 5000
    for subject in range(30):
        for _ in range(3):
            template += int(rng.integers(1, 4))  # sparse template ids
            template_ids.append((template, subject))
            for _ in range(int(rng.integers(1, 4))):
                media += int(rng.integers(1, 3))
                for _ in range(int(rng.integers(1, 4))):
                    image += 1
                    rows.append((f"{image}.jpg", template, media, subject))
    return rows, template_ids


def features(rng, rows, centres, noise):
    out = []
    for _, _, _, subject in rows:
        out.append(centres[subject] * rng.uniform(0.5, 2.0) + rng.normal(0, noise, DIM))
    return np.array(out, dtype=np.float32)


def insightface_templates(img_feats, templates, medias, faceness, use_detector):
    # eval_ijbc.py: f * faceness, media mean, template sum, sklearn normalize
    feats = img_feats * faceness[:, None] if use_detector else img_feats
    unique_templates = np.unique(templates)
    template_feats = np.zeros((len(unique_templates), feats.shape[1]))
    for k, t in enumerate(unique_templates):
        (ind_t,) = np.where(templates == t)
        face_feats = feats[ind_t]
        face_medias = medias[ind_t]
        unique_medias, counts = np.unique(face_medias, return_counts=True)
        media_feats = []
        for u, ct in zip(unique_medias, counts):
            (ind_m,) = np.where(face_medias == u)
            media_feats.append(face_feats[ind_m][0] if ct == 1 else np.mean(face_feats[ind_m], axis=0))
        template_feats[k] = np.sum(np.array(media_feats), axis=0)
    return unique_templates, normalize(template_feats)


def verify(unique_templates, left_feats, right_feats, p1, p2, labels):
    index = {t: i for i, t in enumerate(unique_templates)}
    score = np.array([left_feats[index[a]] @ right_feats[index[b]] for a, b in zip(p1, p2)])
    fpr, tpr, thresholds = roc_curve(labels, score)
    fpr_flip, tpr_flip = np.flipud(fpr), np.flipud(tpr)
    tar = {}
    for far in FARS:
        i = int(np.argmin(np.abs(fpr_flip - far)))
        tar[f"{far:.0e}".replace("e-0", "e-")] = float(tpr_flip[i])
    return {"tar": tar, "auc": float(auc(fpr, tpr))}, score


FPIRS = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]


def search(probe_feats, probe_subjects, gallery_feats, gallery_subjects):
    """One gallery: rank-k hits of mated probes, and TPIR at each FPIR (ijb_evals semantics)."""
    sims = probe_feats @ gallery_feats.T
    hits = {1: 0, 5: 0, 10: 0}
    pos, correct, non_mated_max = [], [], []
    for i, subject in enumerate(probe_subjects):
        if subject in gallery_subjects:
            g = int(np.where(gallery_subjects == subject)[0][0])
            order = np.argsort(-sims[i], kind="stable")
            for k in hits:
                hits[k] += int(g in order[:k])
            others = np.delete(sims[i], g)
            pos.append(sims[i, g])
            correct.append(sims[i, g] > others.max())
        else:
            non_mated_max.append(sims[i].max())
    pos, correct = np.array(pos), np.array(correct)
    ranked = np.sort(np.array(non_mated_max))[::-1]
    tpir = {}
    for f in FPIRS:
        threshold = ranked[max(int(len(ranked) * f) - 1, 0)]
        tpir[repr(f)] = float(np.logical_and(correct, pos > threshold).sum() / len(pos))
    return {"mated": len(pos), "nonMated": len(ranked), "hits": {str(k): v for k, v in hits.items()}, "tpir": tpir}


def main():
    rng = np.random.default_rng(7)
    rows, template_ids = build(rng)
    centres = normalize(rng.normal(0, 1, (30, DIM)))
    new = features(rng, rows, centres, 0.25)
    old = features(rng, rows, centres, 0.45)
    faceness = rng.uniform(0.5, 1.0, len(rows)).astype(np.float32)
    meta = OUT / "meta"
    meta.mkdir(parents=True, exist_ok=True)
    with open(meta / "ijbc_face_tid_mid.txt", "w") as f:
        for name, template, media, _ in rows:
            f.write(f"{name} {template} {media}\n")
    with open(meta / "ijbc_name_5pts_score.txt", "w") as f:
        for (name, _, _, _), score in zip(rows, faceness):
            points = " ".join(f"{v:.2f}" for v in rng.uniform(20, 90, 10))
            f.write(f"{name} {points} {score:.6f}\n")
    faceness = np.array([float(f"{s:.6f}") for s in faceness], dtype=np.float32)  # as read back
    p1, p2, labels = [], [], []
    for i, (ta, sa) in enumerate(template_ids):
        for tb, sb in template_ids[i + 1:]:
            p1.append(ta)
            p2.append(tb)
            labels.append(int(sa == sb))
    with open(meta / "ijbc_template_pair_label.txt", "w") as f:
        for a, b, label in zip(p1, p2, labels):
            f.write(f"{a} {b} {label}\n")
    np.save(OUT / "new.npy", new)
    np.save(OUT / "old.npy", old)
    templates = np.array([r[1] for r in rows])
    medias = np.array([r[2] for r in rows])
    p1, p2, labels = np.array(p1), np.array(p2), np.array(labels)
    expected = {"generator": "tooling/reference/ijbc_fixture.py", "images": len(rows), "templates": len(template_ids), "pairs": len(labels)}
    for use_detector in (True, False):
        ids, new_t = insightface_templates(new, templates, medias, faceness, use_detector)
        _, old_t = insightface_templates(old, templates, medias, faceness, use_detector)
        self_result, self_scores = verify(ids, new_t, new_t, p1, p2, labels)
        cross_result, _ = verify(ids, old_t, new_t, p1, p2, labels)  # p1 old, p2 new (MixBCT)
        old_result, _ = verify(ids, old_t, old_t, p1, p2, labels)
        key = "detectorScore" if use_detector else "noDetectorScore"
        expected[key] = {
            "tests": {"self": self_result, "cross": cross_result, "old": old_result},
            "templateIds": ids[:5].tolist(),
            "newTemplateFeatures": new_t[:5].tolist(),
            "selfScores": self_scores[:20].tolist(),
        }
    # 1:N: the first template of each subject forms gallery G1 (subjects 0-14) or G2 (15-29); the
    # other templates are the mixed probes (mated in one gallery, non-mated in the other).
    subject_of = dict(template_ids)
    first = {}
    for template, subject in template_ids:
        first.setdefault(subject, template)
    g1 = [first[s] for s in range(15)]
    g2 = [first[s] for s in range(15, 30)]
    probes = [t for t, _ in template_ids if t not in set(g1 + g2)]
    for name, members in (("ijbc_1N_gallery_G1.csv", g1), ("ijbc_1N_gallery_G2.csv", g2), ("ijbc_1N_probe_mixed.csv", probes)):
        with open(meta / name, "w") as f:
            f.write("TEMPLATE_ID,SUBJECT_ID,FILENAME\n")
            for template in members:
                for row in rows:
                    if row[1] == template:
                        f.write(f"{template},{subject_of[template]},img/{row[0]}\n")
    ids, new_t = insightface_templates(new, templates, medias, faceness, True)
    _, old_t = insightface_templates(old, templates, medias, faceness, True)
    row_of = {t: i for i, t in enumerate(ids)}
    probe_subjects = np.array([subject_of[t] for t in probes])
    identification = {}
    for mode, gallery_feats in (("self", new_t), ("cross", old_t)):
        per_gallery = []
        for members in (g1, g2):
            per_gallery.append(search(
                new_t[[row_of[t] for t in probes]], probe_subjects,
                gallery_feats[[row_of[t] for t in members]], np.array([subject_of[t] for t in members]),
            ))
        mated = sum(g["mated"] for g in per_gallery)
        identification[mode] = {
            "galleries": per_gallery,
            "rank": {k: sum(g["hits"][k] for g in per_gallery) / mated for k in ("1", "5", "10")},
            "tpir": {f: float(np.mean([g["tpir"][f] for g in per_gallery])) for f in per_gallery[0]["tpir"]},
        }
    expected["identification"] = identification
    (OUT / "expected.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {OUT}: {len(rows)} images, {len(template_ids)} templates, {len(labels)} pairs")


if __name__ == "__main__":
    main()
