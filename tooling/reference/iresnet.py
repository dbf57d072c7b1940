"""Golden iResNet fixtures for @bctkit/backbones, from an independent PyTorch implementation.

The model below is written from the layer list in shared/spec/insightface-infra.md section 1
(block order, stride on the second convolution, PReLU, final BN2d, NCHW flatten, BN1d with a
frozen scale), with a width multiplier so a small variant runs quickly.

Run with Debian's python3-torch:  /usr/bin/python3 tooling/reference/iresnet.py
Writes packages/backbones/src/fixtures/iresnet/ (committed; CI does not need Python):
  iresnet18-tiny.pth          torch.save(model.state_dict()) (zip format)
  iresnet18-tiny.safetensors  the same tensors in safetensors layout
  iresnet18-tiny.json         options, input, eval/train embeddings, running statistics after one
                              training forward, gradients of sum(embedding * weights)
  whole-model.pth, legacy.pth, training-checkpoint.pt, linear-2x3.json
                              a pickled nn.Linear(2, 3) module (refused), its state dict in the
                              pre-1.6 format (refused) and inside a training checkpoint dict
"""

import json
import struct
from pathlib import Path

import torch
from torch import nn

OUT = Path(__file__).resolve().parents[2] / "packages/backbones/src/fixtures/iresnet"
LAYERS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 14, 3]}


class Block(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-5)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-5)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                nn.BatchNorm2d(planes, eps=1e-5),
            )

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (x if self.downsample is None else self.downsample(x))


class Net(nn.Module):
    def __init__(self, depth, input_size, width, dim, channels):
        super().__init__()
        widths = [max(1, round(w * width)) for w in (64, 128, 256, 512)]
        self.conv1 = nn.Conv2d(channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0], eps=1e-5)
        self.prelu = nn.PReLU(widths[0])
        inplanes, size = widths[0], input_size
        for stage, count in enumerate(LAYERS[depth]):
            blocks = []
            for index in range(count):
                blocks.append(Block(inplanes, widths[stage], 2 if index == 0 else 1))
                inplanes = widths[stage]
            size = (size + 1) // 2
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.stages = len(LAYERS[depth])
        self.bn2 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.fc = nn.Linear(inplanes * size * size, dim)
        self.features = nn.BatchNorm1d(dim, eps=1e-5)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        for stage in range(self.stages):
            x = getattr(self, f"layer{stage + 1}")(x)
        x = torch.flatten(self.bn2(x), 1)
        return self.features(self.fc(x))


def flat(t):
    # 10 significant digits: far below the tests' tolerances, and a smaller fixture.
    return [float(f"{v:.10g}") for v in t.detach().reshape(-1).tolist()]


def nhwc(t):
    return flat(t.permute(0, 2, 3, 1))


def write_safetensors(path, state):
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in state.items():
        data = tensor.contiguous().numpy().tobytes()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[tensor.dtype]
        header[name] = {
            "dtype": dtype,
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))


def main():
    torch.manual_seed(20261122)
    options = {"inputSize": 28, "widthMultiplier": 0.125, "embeddingDim": 32, "inputChannels": 3}
    model = Net(18, 28, 0.125, 32, 3)
    # Non-trivial statistics and affine parameters, so evaluation mode is a real test.
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = module.num_features
                module.running_mean.copy_(0.1 * torch.randn(n))
                module.running_var.copy_(0.5 + 1.5 * torch.rand(n))
                module.bias.copy_(0.1 * torch.randn(n))
                if name != "features":
                    module.weight.copy_(0.5 + torch.rand(n))
            if isinstance(module, nn.PReLU):
                module.weight.copy_(0.1 + 0.3 * torch.rand(module.weight.shape))

    OUT.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    torch.save(state, OUT / "iresnet18-tiny.pth")
    write_safetensors(OUT / "iresnet18-tiny.safetensors", state)

    # Files the reader must refuse or unwrap (a tiny Linear keeps them small).
    tiny = nn.Linear(2, 3)
    torch.save(tiny, OUT / "whole-model.pth")  # pickles the class: must be refused
    torch.save(tiny.state_dict(), OUT / "legacy.pth", _use_new_zipfile_serialization=False)
    torch.save({"epoch": 3, "state_dict_backbone": tiny.state_dict(), "lr": 0.1},
               OUT / "training-checkpoint.pt")
    (OUT / "linear-2x3.json").write_text(json.dumps(
        {"weight": flat(tiny.weight), "bias": flat(tiny.bias)}))

    images = torch.rand(3, 3, 28, 28) * 2 - 1
    weights = torch.randn(3, 32)
    model64 = model.double()

    model64.eval()
    with torch.no_grad():
        evaluated = model64(images.double())

    model64.train()
    x = images.double().requires_grad_(True)
    trained = model64(x)
    (trained * weights.double()).sum().backward()
    params = dict(model64.named_parameters())
    grads = {}
    for name in ["conv1.weight", "layer1.0.conv2.weight", "layer2.1.conv1.weight"]:
        grads[name] = flat(params[name].grad.permute(2, 3, 1, 0))  # -> [kh, kw, in, out]
    grads["fc.weight"] = flat(params["fc.weight"].grad.t())  # -> [in, out]
    for name in ["fc.bias", "features.bias", "bn1.weight", "prelu.weight", "layer3.0.bn3.bias",
                 "layer2.0.downsample.1.weight", "layer4.1.prelu.weight"]:
        grads[name] = flat(params[name].grad)
    buffers = dict(model64.named_buffers())
    running = {name: flat(buffers[name]) for name in [
        "bn1.running_mean", "layer2.0.bn2.running_var", "features.running_mean",
        "features.running_var"]}

    fixture = {
        "options": options,
        "images": nhwc(images),
        "imagesShape": [3, 28, 28, 3],
        "weights": flat(weights),
        "eval": flat(evaluated),
        "train": flat(trained),
        "inputGrad": nhwc(x.grad),
        "grads": grads,
        "runningAfterTrain": running,
        "stateDictKeys": list(state.keys()),
    }
    (OUT / "iresnet18-tiny.json").write_text(json.dumps(fixture))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
