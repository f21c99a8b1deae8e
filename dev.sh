#!/usr/bin/env bash
# The two commands of the README:
#   ./dev.sh run [IMAGE]   install what is missing, build, and launch segstudio (on the bundled sample)
#   ./dev.sh test          install what is missing (test tools too), build, and run the whole test suite:
#                          the suites, the LibTorch-free ones again under ASan/UBSan (with
#                          SANITIZE_ENGINE=1 the model readers too), a short fuzz run
# BUILD_DIR (default: build) and JOBS (default: all cores) may be set in the environment.
set -euo pipefail
cd "$(dirname "$0")"
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

# configure_and_build [CMAKE OPTIONS] [--target TARGETS...]
configure_and_build() {
  local generator=() options=() targets=()
  while (($#)); do
    if [[ $1 == --target ]]; then shift; targets=("$@"); break; fi
    options+=("$1"); shift
  done
  command -v ninja >/dev/null && generator=(-G Ninja)
  if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${options[@]}"
  else
    cmake -S . -B "$build_dir" "${options[@]}" >/dev/null
  fi
  cmake --build "$build_dir" --parallel "$jobs" ${targets[@]+--target "${targets[@]}"}
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
    # GUI tests use the offscreen platform, so no display is needed.
    (cd "$build_dir" && ctest --output-on-failure --parallel "$jobs" "$@")
    # Once more under AddressSanitizer and UndefinedBehaviorSanitizer: the suites of the libraries
    # that do not link LibTorch. SANITIZE_ENGINE=1 adds the engine's readers of model files
    # (test_inference_readers); building the engine under the sanitizers takes about 5 minutes
    # more on two cores, too much for every CI run.
    sanitize_dir=${SANITIZE_BUILD_DIR:-$build_dir-sanitize}
    sanitized=(test_raster_source test_tile_cache test_view_transform test_label_editing test_tile_store
               test_mask_files test_smart_tools test_agreement)
    targets=("${sanitized[@]}") names=("${sanitized[@]}")
    if [[ ${SANITIZE_ENGINE:-0} == 1 ]]; then
      targets+=(test_inference) names+=(test_inference_readers)
    fi
    build_dir=$sanitize_dir configure_and_build -DSEGSTUDIO_BUILD_TESTS=ON -DSEGSTUDIO_SANITIZE=ON \
      --target "${targets[@]}"
    (cd "$sanitize_dir" && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --output-on-failure --parallel "$jobs" -R "^($(IFS='|'; echo "${names[*]}"))$")
    # Every reader of ours under libFuzzer, briefly: fuzz/run.sh SECONDS runs them longer.
    FUZZ_BUILD_DIR=$build_dir-fuzz fuzz/run.sh "${FUZZ_SECONDS:-15}"
    ;;
  *)
    echo "usage: $0 run [IMAGE] | test [CTEST OPTIONS]" >&2
    exit 2
    ;;
esac
