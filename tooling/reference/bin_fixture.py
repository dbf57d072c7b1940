"""Tiny verification-set files in insightface's `.bin` layout: a pickle of (bins, issame_list).

- `py3-protocol4.bin`: written by Python 3's pickle (protocol 4: FRAME, SHORT_BINBYTES/BINBYTES,
  MEMOIZE, NEWTRUE/NEWFALSE), as arcface_torch-era tools write it.
- `py2-protocol2.bin`: the byte stream Python 2 wrote for the original LFW/CFP/AgeDB files
  (protocol 2, SHORT_BINSTRING/BINSTRING for str, BINPUT memo), assembled here opcode by opcode;
  Python 3 reads it back with encoding='bytes', which this script checks.
- `evil.bin`: a pickle that would call os.system: readers must refuse it.

Run:  python3 tooling/reference/bin_fixture.py
"""

import json
import os
import pickle
import struct
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "packages/metrics/src/fixtures/bin"


def py2_pickle(bins, issame):
    out = bytearray(b"\x80\x02")          # PROTO 2
    memo = 0

    def put():
        nonlocal memo
        out.extend(b"q" + bytes([memo]))  # BINPUT
        memo += 1

    out.extend(b"]")                      # EMPTY_LIST
    put()
    out.extend(b"(")                      # MARK
    for blob in bins:
        if len(blob) < 256:
            out.extend(b"U" + bytes([len(blob)]) + blob)          # SHORT_BINSTRING
        else:
            out.extend(b"T" + struct.pack("<I", len(blob)) + blob)  # BINSTRING
        put()
    out.extend(b"e")                      # APPENDS
    out.extend(b"]")
    put()
    out.extend(b"(")
    for flag in issame:
        out.extend(b"\x88" if flag else b"\x89")  # NEWTRUE / NEWFALSE
    out.extend(b"e")
    out.extend(b"\x86")                   # TUPLE2
    put()
    out.extend(b".")                      # STOP
    return bytes(out)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    bins = [bytes([0xFF, 0xD8]) + bytes((i * 37 + j) % 256 for j in range(n)) + bytes([0xFF, 0xD9])
            for i, n in enumerate([5, 300, 17, 0, 1000, 64])]
    issame = [True, False, True]
    (OUT / "py3-protocol4.bin").write_bytes(pickle.dumps((bins, issame), protocol=4))
    py2 = py2_pickle(bins, issame)
    loaded = pickle.loads(py2, encoding="bytes")
    assert loaded == (bins, issame), "the assembled protocol-2 stream must load in Python"
    (OUT / "py2-protocol2.bin").write_bytes(py2)
    (OUT / "evil.bin").write_bytes(pickle.dumps(([Evil()], [True]), protocol=2))
    (OUT / "manifest.json").write_text(json.dumps({
        "generator": "tooling/reference/bin_fixture.py",
        "bins": [b.hex() for b in bins],
        "issame": issame,
    }) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
