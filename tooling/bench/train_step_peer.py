"""PyTorch CPU peer of `pnpm bench train-step`: the same iResNet-18 (tooling/reference/iresnet.py),
ArcFace head (s 64, m 0.5) and SGD (momentum 0.9, weight decay 5e-4), 2 threads. Warms up on a
full batch, times <steps> inference passes and <steps> training steps. Prints one JSON object with
images per second for inference and training and the process's peak resident memory.

usage: python3 train_step_peer.py <input_size> <batch> <classes> <steps>
"""

import json
import resource
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
from iresnet import Net  # noqa: E402

size, batch, classes, steps = (int(v) for v in sys.argv[1:5])
torch.set_num_threads(2)
torch.manual_seed(0)
model = Net(18, size, 1.0, 512, 3)
head = torch.nn.Parameter(torch.randn(classes, 512) * 0.01)
images = torch.rand(batch, 3, size, size) * 2 - 1
labels = torch.tensor([(i * 7919) % classes for i in range(batch)])
scale, margin = 64.0, 0.5

model.eval()
with torch.no_grad():
    model(images)  # warm-up on a full batch, as the bctkit contenders do
    start = time.perf_counter()
    for _ in range(steps):
        model(images)
    infer = time.perf_counter() - start

model.train()
optimizer = torch.optim.SGD(
    list(model.parameters()) + [head], lr=0.1, momentum=0.9, weight_decay=5e-4
)


def step(x, y):
    cosine = F.linear(F.normalize(model(x)), F.normalize(head)).clamp(-1, 1)
    target = cosine.gather(1, y[:, None])
    theta = torch.acos(target.clamp(-1 + 1e-7, 1 - 1e-7))
    logits = cosine.scatter(1, y[:, None], torch.cos(theta + margin)) * scale
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


step(images, labels)
start = time.perf_counter()
for _ in range(steps):
    step(images, labels)
train = time.perf_counter() - start
print(json.dumps({
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "infer": batch * steps / infer,
    "train": batch * steps / train,
    "maxRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
