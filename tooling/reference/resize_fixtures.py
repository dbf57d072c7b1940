"""Pillow's BILINEAR resize, RGB-to-grey conversion and PGM / PPM decoding of small images, for
@bctkit/datasets' resize and Netpbm tests (independent reference: Debian python3-pil).

Run:  /usr/bin/python3 tooling/reference/resize_fixtures.py
"""

import io
import json
import random
from pathlib import Path

from PIL import Image

OUT = Path(__file__).resolve().parents[2] / "packages/datasets/src/fixtures/images/resize.json"


def main():
    rng = random.Random(7)
    width, height = 23, 17
    rgb = [rng.randrange(256) for _ in range(width * height * 3)]
    image = Image.frombytes("RGB", (width, height), bytes(rgb))
    resized = {}
    for w, h in ((10, 7), (40, 30), (23, 9), (5, 17), (11, 11)):
        resized[f"{w}x{h}"] = list(image.resize((w, h), Image.BILINEAR).tobytes())
    grey = image.convert("L")
    grey_resized = list(grey.resize((12, 8), Image.BILINEAR).tobytes())
    # Netpbm: PIL's own writer (binary P5 / P6) and an ASCII P2 with a comment and maximum 15.
    p5 = io.BytesIO()
    grey.save(p5, format="PPM")
    p6 = io.BytesIO()
    image.save(p6, format="PPM")
    ascii_values = [rng.randrange(16) for _ in range(4 * 3)]
    p2 = "P2\n# made by resize_fixtures.py\n4 3\n15\n" + " ".join(map(str, ascii_values)) + "\n"
    p2_decoded = list(Image.open(io.BytesIO(p2.encode())).tobytes())
    fixture = {
        "generator": "tooling/reference/resize_fixtures.py",
        "pillow": Image.__version__,
        "width": width,
        "height": height,
        "rgb": rgb,
        "bilinear": resized,
        "grey": list(grey.tobytes()),
        "greyBilinear12x8": grey_resized,
        "p5": list(p5.getvalue()),
        "p6": list(p6.getvalue()),
        "p2": p2,
        "p2Decoded": p2_decoded,
    }
    OUT.write_text(json.dumps(fixture) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
