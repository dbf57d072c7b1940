"""Verification sets for `bct eval verification` tests, as Python 3's pickle writes insightface's
`.bin` layout (a tuple of a list of image bytes and a list of booleans).

- `labels-400.bin`: the 400 pairs of ../../packages/metrics/src/fixtures/pair-evaluation.json
  (their labels), with placeholder image bytes: tests give features, so images are never decoded.
- `images-4.bin`: 4 pairs of small random RGB PNG images (40x30, written by Pillow).
- `short.bin`: 3 images for 2 pairs: readers must refuse it.

Run:  /usr/bin/python3 tooling/reference/verification_cli_fixture.py
"""

import io
import json
import pickle
import random
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "packages/cli/src/fixtures/verification"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    reference = json.loads((ROOT / "packages/metrics/src/fixtures/pair-evaluation.json").read_text())
    issame = [bool(x) for x in reference["issame"]]
    bins = [b"\x89PNG" for _ in range(2 * len(issame))]
    (OUT / "labels-400.bin").write_bytes(pickle.dumps((bins, issame), protocol=4))
    rng = random.Random(5)
    images = []
    for _ in range(8):
        image = Image.frombytes("RGB", (40, 30), bytes(rng.randrange(256) for _ in range(40 * 30 * 3)))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        images.append(buffer.getvalue())
    (OUT / "images-4.bin").write_bytes(pickle.dumps((images, [True, False, True, False]), protocol=4))
    (OUT / "short.bin").write_bytes(pickle.dumps((images[:3], [True, False]), protocol=4))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
