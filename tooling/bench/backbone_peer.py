"""PyTorch CPU peer of `pnpm bench backbone`: the same iResNet (tooling/reference/iresnet.py),
the same input size and batch, 2 threads. Prints one JSON object.

usage: python3 backbone_peer.py <depth> <input_size> <batch> <classes>
"""

import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
from iresnet import Net  # noqa: E402

depth, size, batch, classes = (int(v) for v in sys.argv[1:5])
torch.set_num_threads(2)
torch.manual_seed(0)
model = Net(depth, size, 1.0, 512, 3)
head = torch.nn.Parameter(torch.randn(classes, 512) * 0.01)
images = torch.rand(batch, 3, size, size) * 2 - 1
labels = torch.randint(0, classes, (batch,))

model.eval()
with torch.no_grad():
    model(images[:2])
    start = time.perf_counter()
    model(images)
    forward = time.perf_counter() - start

model.train()
optimizer = torch.optim.SGD(list(model.parameters()) + [head], lr=0.1, momentum=0.9)


def step(x, y):
    cosine = F.linear(F.normalize(model(x)), F.normalize(head))
    logits = 64 * (cosine - 0.4 * F.one_hot(y, classes))
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


step(images[:2], labels[:2])
start = time.perf_counter()
step(images, labels)
train = time.perf_counter() - start
print(json.dumps({
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "inferImagesPerSecond": batch / forward,
    "trainImagesPerSecond": batch / train,
}))
