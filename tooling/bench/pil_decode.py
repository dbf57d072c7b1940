"""Decode rate of PIL (Debian python3-pil) on the JPEG files under a directory, one core.

Prints {"pil": version, "images": n} once, then serves timed passes so that the caller can
interleave them with its own: for each line "k" read from stdin it decodes every file k times
and prints {"imagesPerSecond": best of the k passes}. Exits at the end of stdin."""
import io
import json
import sys
import time
from pathlib import Path

from PIL import Image

files = sorted(Path(sys.argv[1]).rglob("*.jpg"))
blobs = [f.read_bytes() for f in files]
print(json.dumps({"pil": Image.__version__, "images": len(blobs)}), flush=True)
for line in sys.stdin:
    best = 0.0
    for _ in range(int(line)):
        start = time.perf_counter()
        for blob in blobs:
            Image.open(io.BytesIO(blob)).convert("RGB").load()
        best = max(best, len(blobs) / (time.perf_counter() - start))
    print(json.dumps({"imagesPerSecond": best}), flush=True)
