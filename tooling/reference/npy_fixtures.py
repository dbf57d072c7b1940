"""Small .npy files written by numpy, for @bctkit/tensor-ops' reader and writer tests.

Run:  python3 tooling/reference/npy_fixtures.py
"""

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "packages/tensor-ops/src/fixtures/npy"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    matrix = (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 4
    np.save(OUT / "float32-3x4.npy", matrix)
    np.save(OUT / "float64-5.npy", np.array([0.1, -2.5, 3e10, 0.0, 7.25]))
    np.save(OUT / "int64-2x2.npy", np.array([[1, -2], [2**40, 5]], dtype=np.int64))
    np.save(OUT / "bool-4.npy", np.array([True, False, False, True]))
    np.save(OUT / "fortran-2x3.npy", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
    with open(OUT / "float32-v2.npy", "wb") as f:
        np.lib.format.write_array(f, matrix, version=(2, 0))
    np.save(OUT / "float32-empty-0x8.npy", np.zeros((0, 8), dtype=np.float32))
    manifest = {
        "generator": "tooling/reference/npy_fixtures.py",
        "numpy": np.__version__,
        "float32-3x4": matrix.ravel().tolist(),
        "float64-5": [0.1, -2.5, 3e10, 0.0, 7.25],
        "int64-2x2": [1, -2, 2**40, 5],
        "bool-4": [1, 0, 0, 1],
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
