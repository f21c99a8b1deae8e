#!/usr/bin/env python3
"""Decodes image/mask pairs into the raw form segstudio-infer-train reads, for a machine that
has LibTorch and Python but no GDAL, OpenCV or Qt (a GPU box). Needs Pillow and NumPy.

usage: pack_dataset.py --classes CLASSES.csv --output DIR FOLDER [FOLDER ...]

Each FOLDER holds images/ and masks/ with matching base names, or sub-folders that do (the
layout `segstudio-cli train --data` takes). Masks are colour-coded (looked up in CLASSES.csv:
index,name,#rrggbb; index 255 names the colour of pixels to ignore) or single-band class ids.
DIR receives, per pair, NAME.rgb (height x width x 3 bytes) and NAME.mask (height x width class
bytes, 255 = ignore), plus classes.tsv (index, name, colour) and index.tsv (name, width, height,
source image). Palette masks are decoded to their palette colours without gamma correction.
"""
import argparse
import csv
import os
import sys

import numpy as np
from PIL import Image

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


def fail(message):
    sys.exit("pack_dataset: " + message)


def read_classes(path):
    classes, ignore = [], None
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            index, colour = int(row["index"]), row["hex"].strip()
            rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
            if index == 255:
                ignore = rgb
            elif index != len(classes):
                fail(f"{path}: class indices must run 0, 1, 2, ... (found {index} after {len(classes) - 1})")
            else:
                classes.append((row["name"], colour, rgb))
    if not classes:
        fail(f"{path} names no classes")
    return classes, ignore


def pairs_in(folder):
    images, masks = os.path.join(folder, "images"), os.path.join(folder, "masks")
    if os.path.isdir(images) and os.path.isdir(masks):
        by_name = {os.path.splitext(m)[0]: os.path.join(masks, m) for m in sorted(os.listdir(masks))}
        for name in sorted(os.listdir(images)):
            stem, extension = os.path.splitext(name)
            if extension.lower() in IMAGE_EXTENSIONS and stem in by_name:
                yield os.path.join(images, name), by_name[stem]
        return
    for child in sorted(os.listdir(folder)):
        if os.path.isdir(os.path.join(folder, child)):
            yield from pairs_in(os.path.join(folder, child))


def class_ids(mask_path, size, classes, ignore):
    mask = Image.open(mask_path)
    if mask.size != size:
        fail(f"{mask_path} is {mask.size[0]}x{mask.size[1]} but its image is {size[0]}x{size[1]}")
    if mask.mode in ("L", "I;16", "I"):
        ids = np.asarray(mask).astype(np.int64)
        bad = (ids >= len(classes)) & (ids != 255)
        if bad.any():
            fail(f"{mask_path} holds class id {int(ids[bad][0])}; the class list has {len(classes)} classes")
        return ids.astype(np.uint8)
    rgb = np.asarray(mask.convert("RGB")).astype(np.int32)
    key = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    out = np.full(key.shape, 254, np.uint8)
    lookup = {(r << 16) | (g << 8) | b: i for i, (_, _, (r, g, b)) in enumerate(classes)}
    if ignore is not None:
        lookup[(ignore[0] << 16) | (ignore[1] << 8) | ignore[2]] = 255
    for value, index in lookup.items():
        out[key == value] = index
    unknown = out == 254
    if unknown.any():
        y, x = np.argwhere(unknown)[0]
        fail(f"{mask_path}: pixel ({x}, {y}) has colour #{key[y, x]:06x}, which is not in the class list")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("folders", nargs="+")
    args = parser.parse_args()
    classes, ignore = read_classes(args.classes)
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "classes.tsv"), "w", encoding="utf-8") as f:
        for index, (name, colour, _) in enumerate(classes):
            f.write(f"{index}\t{name}\t{colour}\n")
    rows, seen = [], set()
    for folder in args.folders:
        found = list(pairs_in(folder))
        if not found:
            fail(f"{folder} holds no images/ and masks/ folders with files of matching names")
        for image_path, mask_path in found:
            # Names stay unique across folders: tile_1/images/x.jpg -> tile_1_x.
            name = "_".join(os.path.relpath(os.path.splitext(image_path)[0], os.path.dirname(os.path.abspath(folder)))
                            .replace(os.sep + "images" + os.sep, os.sep).split(os.sep))
            if name in seen:
                fail(f"two images would both be packed as {name}")
            seen.add(name)
            image = Image.open(image_path).convert("RGB")
            ids = class_ids(mask_path, image.size, classes, ignore)
            np.asarray(image, dtype=np.uint8).tofile(os.path.join(args.output, name + ".rgb"))
            ids.tofile(os.path.join(args.output, name + ".mask"))
            rows.append(f"{name}\t{image.size[0]}\t{image.size[1]}\t{image_path}\n")
    with open(os.path.join(args.output, "index.tsv"), "w", encoding="utf-8") as f:
        f.writelines(rows)
    print(f"pack_dataset: {len(rows)} pairs, {len(classes)} classes -> {args.output}")


if __name__ == "__main__":
    main()
