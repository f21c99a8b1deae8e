#!/usr/bin/python3
"""Exports a torchvision segmentation model as TorchScript with segstudio's JSON sidecar.

usage: export_torchvision.py OUTDIR [--classes N] [--pretrained]
Without --pretrained the weights are random (enough for timing; nothing is downloaded)."""
import argparse
import json

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("outdir")
parser.add_argument("--classes", type=int, default=6)
parser.add_argument("--pretrained", action="store_true", help="torchvision's COCO/VOC weights (21 classes)")
args = parser.parse_args()

if args.pretrained:
    model = torchvision.models.segmentation.deeplabv3_resnet50(weights="DEFAULT")
    classes = 21
else:
    classes = args.classes
    model = torchvision.models.segmentation.deeplabv3_resnet50(
        weights=None, weights_backbone=None, num_classes=classes, aux_loss=False)
model.eval()
torch.jit.script(model).save(f"{args.outdir}/model.pt")
colours = ["#%02x%02x%02x" % ((i * 67) % 256, (i * 139) % 256, (i * 199) % 256) for i in range(classes)]
with open(f"{args.outdir}/model.json", "w") as f:
    json.dump({"format": "torchscript", "name": "deeplabv3_resnet50",
               "classes": [{"name": f"class {i}", "color": colours[i]} for i in range(classes)],
               "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}, f, indent=2)
