"""Decode rate of PIL (Debian python3-pil) on the JPEG files of a directory, one core.
Prints one JSON line: {"imagesPerSecond": ..., "images": ..., "pil": version}."""
import io
import json
import sys
import time
from pathlib import Path

from PIL import Image

files = sorted(Path(sys.argv[1]).glob("*.jpg"))
blobs = [f.read_bytes() for f in files]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
best = 0.0
for _ in range(repeats):
    start = time.perf_counter()
    for blob in blobs:
        Image.open(io.BytesIO(blob)).convert("RGB").load()
    best = max(best, len(blobs) / (time.perf_counter() - start))
print(json.dumps({"imagesPerSecond": best, "images": len(blobs), "pil": Image.__version__}))
