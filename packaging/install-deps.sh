#!/usr/bin/env bash
# Installs the Debian 12 packages segstudio needs to build and run (and, with --tests, to run its
# test suite). Idempotent: installs only what is missing and says what that is.
# Usage: packaging/install-deps.sh [--tests]
set -euo pipefail

build_packages=(
  cmake ninja-build ccache g++ pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-qpa-plugins libqt6svg6
  libtorch-dev nlohmann-json3-dev
  libopencv-dev
  libgdal-dev gdal-bin zlib1g-dev
  fonts-dejavu-core
)
test_packages=(
  xvfb xauth
  python3-torch python3-torchvision python3-numpy python3-pil bc
  clang libclang-rt-14-dev
)

wanted=("${build_packages[@]}")
if [[ ${1:-} == --tests ]]; then
  wanted+=("${test_packages[@]}")
elif [[ -n ${1:-} ]]; then
  echo "usage: $0 [--tests]" >&2
  exit 2
fi

if [[ ! -r /etc/os-release ]] || ! grep -qE '^ID=debian' /etc/os-release \
   || ! grep -qE '^VERSION_ID="?12' /etc/os-release; then
  echo "segstudio: this installer supports Debian 12 (bookworm) only." >&2
  echo "On other systems install the equivalents of: ${wanted[*]}" >&2
  exit 1
fi

missing=()
for p in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "segstudio: all ${#wanted[@]} required packages are installed."
  exit 0
fi

echo "segstudio: installing ${#missing[@]} missing package(s): ${missing[*]}"
if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  echo "segstudio: need root to install packages; run as root or install sudo." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
