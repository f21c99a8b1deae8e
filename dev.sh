#!/usr/bin/env bash
# The two commands of the README:
#   ./dev.sh run [IMAGE]   install what is missing, build, and launch segstudio (on the bundled sample)
#   ./dev.sh test          install what is missing (test tools too), build, and run the whole test suite
# BUILD_DIR (default: build) and JOBS (default: all cores) may be set in the environment.
set -euo pipefail
cd "$(dirname "$0")"
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

configure_and_build() {
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
  else
    cmake -S . -B "$build_dir" "$@" >/dev/null
  fi
  cmake --build "$build_dir" --parallel "$jobs"
}

case ${1:-} in
  run)
    shift
    packaging/install-deps.sh
    configure_and_build
    exec "$build_dir/bin/segstudio" "$@"
    ;;
  test)
    shift
    packaging/install-deps.sh --tests
    configure_and_build -DSEGSTUDIO_BUILD_TESTS=ON
    cd "$build_dir"
    # GUI tests use the offscreen platform, so no display is needed.
    exec ctest --output-on-failure --parallel "$jobs" "$@"
    ;;
  *)
    echo "usage: $0 run [IMAGE] | test [CTEST OPTIONS]" >&2
    exit 2
    ;;
esac
