"""Pickles written by CPython for the safe unpickler's tests in @bctkit/tensor-ops.

Run:  /usr/bin/python3 tooling/reference/pickle_fixtures.py
Writes packages/tensor-ops/src/fixtures/pickle/*.pkl and expected.json (committed).
"""

import json
import os
import pickle
from collections import OrderedDict
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "packages/tensor-ops/src/fixtures/pickle"

VALUE = {
    "small": [0, 1, 255, 256, 65535, 65536, -1, -2147483648, 2147483647],
    "large": [2**40, -(2**40), 2**70, -(2**70)],
    "floats": [0.5, -1e-300, 3.141592653589793],
    "text": ["", "ascii", "caf\u00e9 \u4e2d\u6587", "x" * 300],
    "bytes": [b"", b"\x00\xff", b"y" * 300],
    "nested": ([1, (2, 3)], (), (None,), (True, False, None)),
    "shared": None,
}


def expected(value):
    """The JSON form the TypeScript test compares against."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": value}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, tuple):
        return {"tuple": [expected(v) for v in value]}
    if isinstance(value, list):
        return {"list": [expected(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[expected(k), expected(v)] for k, v in value.items()]}
    raise TypeError(value)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    shared = [7, 8]
    value = dict(VALUE, shared=[shared, shared])
    for protocol in (2, 3, 4, 5):
        (OUT / f"value-p{protocol}.pkl").write_bytes(pickle.dumps(value, protocol=protocol))
    (OUT / "ordered-dict-p2.pkl").write_bytes(
        pickle.dumps(OrderedDict([("a", 1), ("b", [2])]), protocol=2))
    (OUT / "evil-p4.pkl").write_bytes(pickle.dumps(Evil(), protocol=4))
    (OUT / "expected.json").write_text(json.dumps({"value": expected(value)}, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
