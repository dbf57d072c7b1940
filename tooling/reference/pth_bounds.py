"""A PyTorch checkpoint whose tensor declares far more elements than its storage holds.

torch.save of an expanded tensor keeps the one-element storage and a stride of 0: the file is
about 1 KB, but reading it element by element would materialise 12000 x 12000 floats (576 MB).
bctkit's reader must refuse it before allocating anything.

Run with Debian's python3-torch:  /usr/bin/python3 tooling/reference/pth_bounds.py
Writes packages/backbones/src/fixtures/iresnet/stride0.pth (committed; CI does not need Python).
"""

from pathlib import Path

import torch

OUT = Path(__file__).resolve().parents[2] / "packages/backbones/src/fixtures/iresnet"

if __name__ == "__main__":
    huge = torch.zeros(1).expand(12000, 12000)
    assert huge.stride() == (0, 0)
    torch.save({"weight": huge}, OUT / "stride0.pth")
    print(OUT / "stride0.pth", (OUT / "stride0.pth").stat().st_size, "bytes")
