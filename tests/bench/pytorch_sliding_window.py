#!/usr/bin/python3
"""The baseline for `segstudio-cli predict`: a plain PyTorch sliding window over an image with
the same tile, overlap, batch, edge-ramp blending of logits and threads. Prints the seconds
taken and writes the argmax as raw bytes.

usage: pytorch_sliding_window.py MODEL.pt IMAGE.rgb WIDTH HEIGHT OUT.u8 [--tile 512]
       [--overlap 64] [--batch 4] [--threads N]"""
import argparse
import time

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("model"); p.add_argument("image"); p.add_argument("width", type=int)
p.add_argument("height", type=int); p.add_argument("out")
p.add_argument("--tile", type=int, default=512); p.add_argument("--overlap", type=int, default=64)
p.add_argument("--batch", type=int, default=4); p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
model = torch.jit.load(a.model).eval()
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

start = time.perf_counter()
image = torch.from_numpy(np.fromfile(a.image, dtype=np.uint8).reshape(a.height, a.width, 3)).permute(2, 0, 1)


def origins(length, window, overlap):
    if length <= window:
        return [0]
    step = max(1, window - overlap)
    out = list(range(0, length - window, step))
    return out + [length - window]


def ramp(n, r):
    i = torch.arange(n, dtype=torch.float32) + 0.5
    return torch.clamp(torch.minimum(i, n - i) / r, 1e-3, 1.0) if r > 0 else torch.ones(n)


tw, th = min(a.tile, a.width), min(a.tile, a.height)
windows = [(x, y) for y in origins(a.height, th, a.overlap) for x in origins(a.width, tw, a.overlap)]
weight = torch.outer(ramp(th, a.overlap), ramp(tw, a.overlap))
total = None
weights = torch.zeros(a.height, a.width)
with torch.inference_mode():
    for i in range(0, len(windows), a.batch):
        chunk = windows[i:i + a.batch]
        batch = torch.stack([image[:, y:y + th, x:x + tw] for x, y in chunk]).float().div(255)
        logits = model((batch - mean) / std)
        logits = logits["out"] if isinstance(logits, dict) else logits
        if total is None:
            total = torch.zeros(logits.shape[1], a.height, a.width)
        for (x, y), l in zip(chunk, logits):
            total[:, y:y + th, x:x + tw] += l * weight
            weights[y:y + th, x:x + tw] += weight
    classes = (total / weights).softmax(0).argmax(0).to(torch.uint8)
classes.numpy().tofile(a.out)
print(f"{time.perf_counter() - start:.3f}")
