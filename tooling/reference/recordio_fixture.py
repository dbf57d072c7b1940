"""Writes small RecordIO datasets with an independent implementation of the dmlc-core framing and
MXNet's image header (struct module only, no MXNet), for @bctkit/datasets' reader tests.

Run:  python3 tooling/reference/recordio_fixture.py
Writes packages/datasets/src/fixtures/{face,plain}/ and manifest.json (committed).
"""

import json
import random
import struct
from pathlib import Path

MAGIC = 0xCED7230A
MAGIC_BYTES = struct.pack("<I", MAGIC)
OUT = Path(__file__).resolve().parents[2] / "packages/datasets/src/fixtures"


class DmlcWriter:
    """Framing per dmlc-core recordio.cc: split at 4-aligned magic, drop it, flags 1/2/3, pad to 4."""

    def __init__(self, rec_path, idx_path):
        self.rec = open(rec_path, "wb")
        self.idx = open(idx_path, "w")

    def write(self, key, data):
        self.idx.write(f"{key}\t{self.rec.tell()}\n")
        cuts = [i for i in range(0, len(data) - len(data) % 4, 4) if data[i:i + 4] == MAGIC_BYTES]
        pieces, start = [], 0
        for cut in cuts:
            pieces.append(data[start:cut])
            start = cut + 4
        pieces.append(data[start:])
        for n, piece in enumerate(pieces):
            if len(pieces) == 1:
                flag = 0
            elif n == 0:
                flag = 1
            elif n == len(pieces) - 1:
                flag = 3
            else:
                flag = 2
            self.rec.write(struct.pack("<II", MAGIC, (flag << 29) | len(piece)))
            self.rec.write(piece)
            self.rec.write(b"\x00" * ((4 - len(piece) % 4) % 4))

    def close(self):
        self.rec.close()
        self.idx.close()


def ir_pack(label, rid, payload):
    """MXNet recordio.pack: scalar label -> flag 0; list -> flag=len, scalar 0, float32 array first."""
    if isinstance(label, (int, float)):
        return struct.pack("<IfQQ", 0, float(label), rid, 0) + payload
    return struct.pack("<IfQQ", len(label), 0.0, rid, 0) + struct.pack(f"<{len(label)}f", *label) + payload


def fake_jpeg(rng, size):
    return bytes([0xFF, 0xD8]) + bytes(rng.randrange(256) for _ in range(size - 4)) + bytes([0xFF, 0xD9])


def face_dataset(rng):
    """insightface face2rec2 layout: images (keys 1..N), then header key 0, then identity records."""
    directory = OUT / "face"
    directory.mkdir(parents=True, exist_ok=True)
    per_class = [2, 1, 3]
    images = []
    for label, count in enumerate(per_class):
        for _ in range(count):
            images.append((label, fake_jpeg(rng, rng.randrange(40, 90))))
    # Image 2 (key 3): two aligned magics -> parts with flags 1, 2, 3 (the 24 + 8 byte header keeps
    # payload offsets aligned: 32 bytes precede the JPEG bytes).
    label, jpeg = images[2]
    jpeg = bytearray(jpeg)
    jpeg[8:12] = MAGIC_BYTES
    jpeg[20:24] = MAGIC_BYTES
    images[2] = (label, bytes(jpeg))
    # Image 4 (key 5): magic at an unaligned payload offset -> must NOT be split.
    label, jpeg = images[4]
    jpeg = bytearray(jpeg)
    jpeg[9:13] = MAGIC_BYTES
    images[4] = (label, bytes(jpeg))
    n, c = len(images), len(per_class)
    writer = DmlcWriter(directory / "train.rec", directory / "train.idx")
    manifest = {"images": [], "header": [n + 1, n + 1 + c], "identities": []}
    for i, (label, jpeg) in enumerate(images):
        key = i + 1
        writer.write(key, ir_pack([float(label), 1.0], key, jpeg))
        manifest["images"].append({"key": key, "label": label, "jpeg": jpeg.hex()})
    writer.write(0, ir_pack([float(n + 1), float(n + 1 + c)], 0, b""))
    start = 1
    for label, count in enumerate(per_class):
        writer.write(n + 1 + label, ir_pack([float(start), float(start + count)], n + 1 + label, b""))
        manifest["identities"].append([start, start + count])
        start += count
    writer.close()
    (directory / "property").write_text(f"{c},112,112\n")
    return manifest


def plain_dataset(rng):
    """im2rec / RecBuilder layout: scalar labels (flag 0), keys from 0, no header record."""
    directory = OUT / "plain"
    directory.mkdir(parents=True, exist_ok=True)
    writer = DmlcWriter(directory / "data.rec", directory / "data.idx")
    records = []
    for key, label in enumerate([4, 0, 2, 2, 1]):
        jpeg = fake_jpeg(rng, rng.randrange(30, 60))
        writer.write(key, ir_pack(label, key, jpeg))
        records.append({"key": key, "label": label, "jpeg": jpeg.hex()})
    writer.close()
    return {"records": records}


def split_rounding():
    """Python's round() (half to even) of ratio * n, as MixBCT's splitter computes counts."""
    return {str(ratio): [max(1, round(ratio * n)) for n in range(1, 201)] for ratio in (0.3, 0.5, 0.7, 0.25)}


def main():
    rng = random.Random(20261122)
    manifest = {
        "generator": "tooling/reference/recordio_fixture.py",
        "face": face_dataset(rng),
        "plain": plain_dataset(rng),
        "splitCounts": split_rounding(),
    }
    (OUT / "recordio-manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote fixtures under {OUT}")


if __name__ == "__main__":
    main()
