#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan, UBSan) and runs each on its corpus.
#   fuzz/run.sh [SECONDS_EACH]     default 20: the short run CI does
#   RUNS=10000000 fuzz/run.sh      a fixed number of executions each instead
# New inputs that add coverage go to a scratch copy of the corpus, never into the repository's;
# a crash leaves its input as fuzz/build/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f $build/CMakeCache.txt ]]; then
  CXX=clang++ CC=clang cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEGSTUDIO_FUZZ=ON \
    -DSEGSTUDIO_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --parallel "${JOBS:-$(nproc)}"
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export QT_QPA_PLATFORM=offscreen
# The journal harness writes every input to a file: in memory it runs six times as fast.
if [[ -d /dev/shm && -w /dev/shm ]]; then
  export TMPDIR=$(mktemp -d /dev/shm/segstudio-fuzz.XXXXXX)
  trap 'rm -rf "$TMPDIR"' EXIT
fi
status=0
for fuzzer in model_sidecar_fuzzer class_list_fuzzer mask_import_fuzzer edit_journal_fuzzer project_file_fuzzer \
  archive_check_fuzzer; do
  scratch="$build/corpus/$fuzzer"
  mkdir -p "$scratch"
  limit=(-max_total_time="$seconds")
  [[ -n ${RUNS:-} ]] && limit=(-runs="$RUNS")
  echo "== $fuzzer"
  log="$build/$fuzzer.log"
  # Run from the build folder: a finding is written there as crash-*, oom-* or timeout-*.
  if (cd "$build" && "./bin/$fuzzer" "${limit[@]}" -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 "$OLDPWD/$scratch" "$OLDPWD/fuzz/corpus/$fuzzer" >"$OLDPWD/$log" 2>&1); then
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ +DONE" "$log" || true
  else
    grep -E "ERROR|SUMMARY|Test unit written|deadly signal" "$log" | head -20 >&2 || true
    echo "$fuzzer: a finding (see $log)" >&2
    status=1
  fi
done
exit $status
