#!/usr/bin/python3
"""Exports a torchvision segmentation model as TorchScript the way a user would, writes its
JSON sidecar, and records PyTorch's own prediction on a test image, so the C++ engine can be
checked against PyTorch itself.

usage: export_torchscript.py OUTDIR
writes OUTDIR/model.pt, OUTDIR/model.json, OUTDIR/input.rgb (H×W×3 uint8), OUTDIR/expected.u8
(H×W argmax), OUTDIR/shape.txt ("W H C")."""
import json
import sys

import torch
import torchvision

out = sys.argv[1]
torch.manual_seed(3)
classes = 4
model = torchvision.models.segmentation.fcn_resnet50(
    weights=None, weights_backbone=None, num_classes=classes, aux_loss=False)
model.eval()
# Random init leaves batch-norm statistics at 0/1; give them realistic values so that the
# network's outputs are not near-ties everywhere.
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
scripted = torch.jit.script(model)
scripted.save(f"{out}/model.pt")

mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
palette = ["#ff0000", "#00ff00", "#0000ff", "#ffff00"]
with open(f"{out}/model.json", "w") as f:
    json.dump({"format": "torchscript", "name": "fcn_resnet50 test export",
               "classes": [{"name": f"class {i}", "color": palette[i]} for i in range(classes)],
               "mean": mean, "std": std}, f)

height, width = 96, 128
g = torch.Generator().manual_seed(5)
yy, xx = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
image = torch.stack([(xx * 2) % 256, (yy * 3) % 256, ((xx + yy) * 5) % 256], dim=-1)
image = (image + torch.randint(0, 30, (height, width, 3), generator=g)).clamp(0, 255).to(torch.uint8)
image.numpy().tofile(f"{out}/input.rgb")
x = image.permute(2, 0, 1).float().div(255)
x = (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
with torch.no_grad():
    logits = scripted(x.unsqueeze(0))["out"]
logits[0].argmax(0).to(torch.uint8).numpy().tofile(f"{out}/expected.u8")
with open(f"{out}/shape.txt", "w") as f:
    f.write(f"{width} {height} {classes}\n")
