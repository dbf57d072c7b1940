"""Small real images made by PIL (Debian python3-pil), for @bctkit/datasets' header and decoding tests.

Run:  /usr/bin/python3 tooling/reference/image_fixtures.py
"""

import json
from pathlib import Path

from PIL import Image

OUT = Path(__file__).resolve().parents[2] / "packages/datasets/src/fixtures/images"


def gradient(width, height):
    image = Image.new("RGB", (width, height))
    image.putdata([((x * 255) // max(1, width - 1), (y * 255) // max(1, height - 1), 128)
                   for y in range(height) for x in range(width)])
    return image


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    face = gradient(112, 96)
    face.save(OUT / "baseline-112x96.jpg", quality=90)
    face.save(OUT / "progressive-112x96.jpg", quality=90, progressive=True)
    grey_jpeg = Image.new("L", (40, 24))
    grey_jpeg.putdata([(x * 6 + y * 3) % 256 for y in range(24) for x in range(40)])
    grey_jpeg.save(OUT / "grey-40x24.jpg", quality=90)
    grey = Image.new("L", (5, 3))
    grey.putdata([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 255])
    grey.save(OUT / "grey-5x3.png")
    decoded = {}
    decoded_grey = list(Image.open(OUT / "grey-40x24.jpg").getdata())
    for name in ("baseline-112x96.jpg", "progressive-112x96.jpg"):
        pixels = list(Image.open(OUT / name).convert("RGB").getdata())
        decoded[name] = {
            "mean": [sum(p[c] for p in pixels) / len(pixels) for c in range(3)],
            # every 97th pixel, row-major, RGB
            "samples": [list(pixels[i]) for i in range(0, len(pixels), 97)],
        }
    manifest = {
        "generator": "tooling/reference/image_fixtures.py",
        "decodedByPil": decoded,
        "greyJpegDecodedByPil": decoded_grey,
        "greyPixels": list(grey.getdata()),
        "files": {"grey-40x24.jpg": [40, 24], "baseline-112x96.jpg": [112, 96], "progressive-112x96.jpg": [112, 96], "grey-5x3.png": [5, 3]},
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
