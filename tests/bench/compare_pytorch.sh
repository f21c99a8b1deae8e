#!/usr/bin/env bash
# Times `segstudio-cli predict` against a plain PyTorch sliding window on the same TorchScript
# model (torchvision deeplabv3_resnet50), the same image, tile, overlap, batch and threads,
# alternating the two ROUNDS times. Prints one line per run and the agreement of the results.
# usage: tests/bench/compare_pytorch.sh [IMAGE] [ROUNDS]   (run from the project root after a build)
set -euo pipefail
image=${1:-../shared/data/dubai_aerial/tile_5/images/image_part_001.jpg}
rounds=${2:-2}
threads=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(dirname "$0")
/usr/bin/python3 "$here/export_torchvision.py" "$work"
# The same pixels for both: decode once with GDAL into raw RGB.
gdal_translate -q -of ENVI -co INTERLEAVE=BIP -b 1 -b 2 -b 3 "$image" "$work/image.rgb"
width=$(gdalinfo "$image" | sed -n 's/^Size is \([0-9]*\), \([0-9]*\)/\1/p')
height=$(gdalinfo "$image" | sed -n 's/^Size is \([0-9]*\), \([0-9]*\)/\2/p')
gdal_translate -q -of GTiff "$image" "$work/input.tif"
for round in $(seq "$rounds"); do
  start=$(date +%s.%N)
  build/bin/segstudio-cli predict --model "$work/model.pt" --input "$work/input.tif" --output "$work/ours.tif" \
    --tile 512 --overlap 64 --batch 4 --threads "$threads" --device cpu 2>/dev/null >/dev/null
  ours=$(echo "$(date +%s.%N) - $start" | bc)
  start=$(date +%s.%N)
  /usr/bin/python3 "$here/pytorch_sliding_window.py" "$work/model.pt" "$work/image.rgb" "$width" "$height" \
    "$work/theirs.u8" --tile 512 --overlap 64 --batch 4 --threads "$threads" >/dev/null
  theirs=$(echo "$(date +%s.%N) - $start" | bc)
  echo "{\"round\":$round,\"segstudio_s\":$ours,\"pytorch_s\":$theirs,\"speedup\":$(echo "scale=3; $theirs / $ours" | bc)}"
done
gdal_translate -q -of ENVI "$work/ours.tif" "$work/ours.u8"
/usr/bin/python3 - "$work/ours.u8" "$work/theirs.u8" <<'PY'
import sys, numpy as np
a, b = (np.fromfile(p, dtype=np.uint8) for p in sys.argv[1:3])
print('{"agreement": %.5f}' % (a == b).mean())
PY
