"""Face-alignment fixtures for @bctkit/metrics, from scikit-image.

Run:  /usr/bin/python3 tooling/reference/alignment.py   (Debian python3-skimage)
Writes packages/metrics/src/fixtures/align/alignment.json (committed).

- `estimates`: landmark sets (a rotated, scaled, shifted and noisy copy of insightface's reference
  points, and a mirrored one) with `SimilarityTransform.estimate(landmarks, reference).params`.
- `warp`: a small RGB image, a transform, and skimage's bilinear warp of it to 112 x 112 with
  zeros outside (`order=1, mode='constant', cval=0`), the sampling cv2.warpAffine performs.
"""

import json
from pathlib import Path

import numpy as np
from skimage.transform import SimilarityTransform, warp

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/align/alignment.json"
REFERENCE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                      [41.5493, 92.3655], [70.7299, 92.2041]])
rng = np.random.default_rng(11)


def landmark_set(angle, scale, shift, noise, mirror=False):
    c, s = np.cos(angle), np.sin(angle)
    points = (REFERENCE - 56) @ np.array([[c, -s], [s, c]]).T * scale + 56 + shift
    if mirror:
        points[:, 0] = 2 * points[:, 0].mean() - points[:, 0]
    return (points + rng.normal(scale=noise, size=points.shape)).astype(np.float32).astype(np.float64)


def main():
    estimates = []
    for args in [(0.3, 1.8, (40, 25), 1.5, False), (-0.1, 0.7, (-10, 5), 0.5, False),
                 (0.0, 1.0, (0, 0), 0.0, False), (0.2, 1.2, (5, 5), 1.0, True)]:
        points = landmark_set(*args)
        tform = SimilarityTransform()
        tform.estimate(points, REFERENCE)
        estimates.append({"landmarks": points.reshape(-1).tolist(),
                          "matrix": tform.params[:2].reshape(-1).tolist()})
    height, width = 90, 70
    yy, xx = np.mgrid[0:height, 0:width]
    image = np.stack([(xx * 3 + yy) % 256, (yy * 2 + 40) % 256, ((xx - yy) * 5) % 256], axis=-1)
    image = image.astype(np.uint8)
    points = landmark_set(0.25, 0.6, (-20, -10), 0.8)
    tform = SimilarityTransform()
    tform.estimate(points, REFERENCE)
    warped = warp(image.astype(np.float64), tform.inverse, output_shape=(112, 112), order=1,
                  mode="constant", cval=0, preserve_range=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "estimates": estimates,
        "warp": {"width": width, "height": height, "image": image.reshape(-1).tolist(),
                 "landmarks": points.reshape(-1).tolist(),
                 "warped": [round(float(v), 4) for v in warped.reshape(-1)]},
    }))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
