"""Reference values for @bctkit/tensor-ops, computed independently with PyTorch (float64) and a
plain-Python port of the seeded generator.

Run with Debian's python3-torch:  /usr/bin/python3 tooling/reference/tensor_ops.py
Writes packages/tensor-ops/src/fixtures/reference.json (committed; CI does not need Python).
"""

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

torch.manual_seed(20261122)
DTYPE = torch.float64
OUT = Path(__file__).resolve().parents[2] / "packages/tensor-ops/src/fixtures/reference.json"


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def l2_normalize_case():
    x = torch.randn(4, 6, dtype=DTYPE)
    x[2] = 0.0  # a zero row must stay zero with a finite gradient
    x[3] *= 1e-3
    x.requires_grad_(True)
    weights = torch.randn(4, 6, dtype=DTYPE)
    y = F.normalize(x, dim=1, eps=1e-12)
    (y * weights).sum().backward()
    return {
        "shape": [4, 6],
        "x": flat(x),
        "weights": flat(weights),
        "y": flat(y),
        "grad": flat(x.grad),
    }


def cosine_case():
    a = torch.randn(7, 5, dtype=DTYPE)
    b = torch.randn(3, 5, dtype=DTYPE) * 4.0
    sims = F.cosine_similarity(a[:, None, :], b[None, :, :], dim=2)
    return {"a": flat(a), "aShape": [7, 5], "b": flat(b), "bShape": [3, 5], "sims": flat(sims)}


def acos_case():
    x = torch.tensor([-0.999, -0.7, -0.2, 0.0, 0.3, 0.95, 0.9999], dtype=DTYPE, requires_grad=True)
    y = torch.acos(x)
    y.sum().backward()
    return {"x": flat(x), "y": flat(y), "grad": flat(x.grad)}


def replace_rows_case():
    x = torch.randn(6, 4, dtype=DTYPE, requires_grad=True)
    replacement = torch.randn(2, 4, dtype=DTYPE, requires_grad=True)
    rows = [4, 1]
    weights = torch.randn(6, 4, dtype=DTYPE)
    mixed = x.clone()
    mixed[rows] = replacement.detach()
    # Downstream loss that mixes rows (normalise + weighted sum), as a classifier head would.
    loss = (F.normalize(mixed, dim=1) @ weights.T).pow(2).sum()
    loss.backward()
    return {
        "x": flat(x),
        "shape": [6, 4],
        "rows": rows,
        "replacement": flat(replacement),
        "weights": flat(weights),
        "mixed": flat(mixed),
        "loss": float(loss),
        "gradX": flat(x.grad),
        "replacementGradIsNone": replacement.grad is None,
    }


# ---- seeded generator: xoshiro128** with a SplitMix32-style seeder -------------------------------
MASK = 0xFFFFFFFF


def splitmix32(counter):
    z = (counter + 0x9E3779B9) & MASK
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK
    return z ^ (z >> 16)


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK


class Xoshiro128:
    def __init__(self, seed):
        low, high = seed & MASK, (seed >> 32) & MASK
        counter = low ^ splitmix32(high)
        self.s = []
        for _ in range(4):
            self.s.append(splitmix32(counter))
            counter = (counter + 0x9E3779B9) & MASK
        if not any(self.s):
            self.s[0] = 1

    def u32(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 9) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def uniform(self):
        return ((self.u32() >> 5) * 67108864 + (self.u32() >> 6)) / 9007199254740992

    def below(self, n):
        limit = 2**32 - (2**32 % n)
        while True:
            v = self.u32()
            if v < limit:
                return v % n

    def permutation(self, n):
        items = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items

    def sample(self, n, k):
        moved = {}
        out = []
        for i in range(k):
            j = i + self.below(n - i)
            out.append(moved.get(j, j))
            moved[j] = moved.get(i, i)
        return out


def random_case():
    cases = []
    for seed in [0, 1, 666, 2**40 + 7]:
        g = Xoshiro128(seed)
        state = list(g.s)
        u32 = [g.u32() for _ in range(8)]
        uniform = [g.uniform() for _ in range(4)]
        below = [g.below(10) for _ in range(8)]
        perm = g.permutation(12)
        sample = g.sample(1_000_000, 6)
        cases.append(
            {"seed": seed, "initialState": state, "u32": u32, "uniform": uniform,
             "below10": below, "permutation12": perm, "sample1e6k6": sample}
        )
    return cases


def main():
    data = {
        "generator": "tooling/reference/tensor_ops.py",
        "torch": torch.__version__,
        "l2Normalize": l2_normalize_case(),
        "cosine": cosine_case(),
        "acos": acos_case(),
        "replaceRows": replace_rows_case(),
        "random": random_case(),
    }
    assert math.isfinite(sum(data["l2Normalize"]["grad"]))
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
