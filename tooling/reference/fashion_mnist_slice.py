"""Cuts the first 64 training images of Debian's Fashion-MNIST (MIT license) into small IDX files
for @bctkit/datasets' tests, with independently computed expectations (stdlib only).

Needs: apt-get install dataset-fashion-mnist
Run:   python3 tooling/reference/fashion_mnist_slice.py
"""

import gzip
import json
import struct
from pathlib import Path

SOURCE = Path("/usr/share/datasets/fashion-mnist")
OUT = Path(__file__).resolve().parents[2] / "packages/datasets/src/fixtures/fashion-mnist"
COUNT = 64


def main():
    images = gzip.open(SOURCE / "train-images-idx3-ubyte.gz").read()
    labels = gzip.open(SOURCE / "train-labels-idx1-ubyte.gz").read()
    magic, n, rows, cols = struct.unpack(">IIII", images[:16])
    assert magic == 0x803 and (rows, cols) == (28, 28), (magic, rows, cols)
    magic_labels, n_labels = struct.unpack(">II", labels[:8])
    assert magic_labels == 0x801 and n_labels == n
    pixels = images[16:16 + COUNT * 784]
    OUT.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the .gz bytes reproducible.
    (OUT / "train-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(struct.pack(">IIII", 0x803, COUNT, 28, 28) + pixels, mtime=0))
    (OUT / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(struct.pack(">II", 0x801, COUNT) + labels[8:8 + COUNT], mtime=0))
    # Uncompressed label file too, to test both forms.
    (OUT / "train-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, COUNT) + labels[8:8 + COUNT])
    manifest = {
        "generator": "tooling/reference/fashion_mnist_slice.py",
        "fullTrainCount": n,
        "count": COUNT,
        "labels": list(labels[8:8 + COUNT]),
        "pixelSums": [sum(pixels[i * 784:(i + 1) * 784]) for i in range(COUNT)],
        "centrePixels": [pixels[i * 784 + 14 * 28 + 14] for i in range(COUNT)],
        "fullTrainLabelCounts": [labels[8:].count(bytes([c])) for c in range(10)],
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
