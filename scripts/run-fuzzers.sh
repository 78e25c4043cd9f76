#!/usr/bin/env bash
# Runs every libFuzzer target (one per fuzz/*.cpp) found in BUILD_DIR for SECONDS seconds each,
# seeded with the fixtures: small files whole, large ones as truncated prefixes, plus for GGUF a
# tiny synthetic file that parses completely. Exits non-zero if any target finds a crash,
# a leak, a timeout or an out-of-memory; the reproducer is kept in BUILD_DIR/fuzz-artifacts/.
#   usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS      (make fuzz FUZZ_SECONDS=60)
set -euo pipefail

build_dir=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:-60}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fixtures=${EDGESEEK_FIXTURES:-$repo_root/../shared/fixtures}
max_len=$((1 << 20))        # a whole small vocab header fits; bigger inputs only slow mutation
whole_max=$((256 << 10))    # fixture files up to this size are copied whole
prefixes=(64 512 4096 32768 262144)

work=$(mktemp -d "${TMPDIR:-/tmp}/edgeseek-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
seeds="$work/seeds"
mkdir -p "$seeds" "$build_dir/fuzz-artifacts"

# ---- seed corpus ---------------------------------------------------------------------------
# fuzz_<ext> is seeded with the fixture files named *.<ext>: small ones whole, large ones as
# truncated prefixes. fuzz_gguf also gets a synthetic file that parses completely; a target
# with no fixtures of its own gets the GGUF seeds.
make_seeds() {  # make_seeds EXT DIR -> number of seed files written
  local ext=$1 dir=$2 n=0 f base size p
  mkdir -p "$dir"
  if [ -d "$fixtures" ]; then
    while IFS= read -r -d '' f; do
      base=$(basename "$(dirname "$f")")-$(basename "$f" ".$ext")
      size=$(stat -c %s "$f")
      if [ "$size" -le "$whole_max" ]; then
        cp "$f" "$dir/$base.$ext"; n=$((n + 1))
      else
        for p in "${prefixes[@]}"; do head -c "$p" "$f" > "$dir/$base.head$p"; n=$((n + 1)); done
      fi
    done < <(find "$fixtures" -name "*.$ext" -type f -print0 2>/dev/null)
  fi
  if [ "$ext" = gguf ] && command -v python3 > /dev/null; then
    synthetic_gguf "$dir/synthetic.gguf" && n=$((n + 1))
  fi
  echo "$n"
}

synthetic_gguf() {  # a complete little GGUF v3: one key of every value type, nested arrays, 2 tensors
  python3 - "$1" <<'PY'
import struct, sys
def s(x): b = x.encode(); return struct.pack('<Q', len(b)) + b
kv = [
    (s('general.architecture') + struct.pack('<I', 8) + s('llama')),
    (s('general.alignment') + struct.pack('<II', 4, 32)),
    (s('t.u8') + struct.pack('<IB', 0, 7)), (s('t.i8') + struct.pack('<Ib', 1, -7)),
    (s('t.u16') + struct.pack('<IH', 2, 7)), (s('t.i16') + struct.pack('<Ih', 3, -7)),
    (s('t.i32') + struct.pack('<Ii', 5, -7)), (s('t.f32') + struct.pack('<If', 6, 0.5)),
    (s('t.bool') + struct.pack('<IB', 7, 1)), (s('t.u64') + struct.pack('<IQ', 10, 7)),
    (s('t.i64') + struct.pack('<Iq', 11, -7)), (s('t.f64') + struct.pack('<Id', 12, 0.25)),
    (s('t.ints') + struct.pack('<IIQiii', 9, 5, 3, 1, 2, 3)),
    (s('t.strs') + struct.pack('<IIQ', 9, 8, 2) + s('a') + s('bc')),
    (s('t.nested') + struct.pack('<IIQ', 9, 9, 2) + struct.pack('<IQi', 5, 1, 4) + struct.pack('<IQ', 8, 1) + s('x')),
]
tensors = [(s('a.weight') + struct.pack('<IQQIQ', 2, 8, 2, 0, 0)),      # f32 [8, 2] at 0
           (s('b.weight') + struct.pack('<IQIQ', 1, 32, 8, 64))]       # q8_0 [32] at 64
head = b'GGUF' + struct.pack('<IQQ', 3, len(tensors), len(kv)) + b''.join(kv) + b''.join(tensors)
head += b'\0' * (-len(head) % 32)
data = bytes(range(64)) + bytes(34)
open(sys.argv[1], 'wb').write(head + data)
PY
}

[ -d "$fixtures" ] || echo "run-fuzzers: fixtures not found at $fixtures (set EDGESEEK_FIXTURES); using synthetic seeds only" >&2
n_gguf=$(make_seeds gguf "$seeds/gguf")
echo "run-fuzzers: $n_gguf GGUF seed files from $fixtures"

# ---- run every target ----------------------------------------------------------------------
failed=()
ran=0
for src in "$repo_root"/fuzz/*.cpp; do
  name=$(basename "$src" .cpp)
  bin="$build_dir/$name"
  if [ ! -x "$bin" ]; then
    echo "run-fuzzers: $bin is missing; build with: make fuzz" >&2
    failed+=("$name (not built)")
    continue
  fi
  corpus="$work/corpus-$name"
  ext=${name#fuzz_}
  if [ "$ext" = gguf ] || [ "$(make_seeds "$ext" "$corpus")" -eq 0 ]; then
    mkdir -p "$corpus"
    cp "$seeds/gguf"/* "$corpus"/ 2>/dev/null || true
  fi
  dict=()
  [ -f "$repo_root/fuzz/$name.dict" ] && dict=("-dict=$repo_root/fuzz/$name.dict")
  echo "run-fuzzers: $name for ${seconds}s"
  log="$build_dir/fuzz-artifacts/$name.log"
  set +e
  "$bin" "$corpus" "${dict[@]}" \
    -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$build_dir/fuzz-artifacts/$name-" \
    > "$log" 2>&1
  rc=$?
  set -e
  ran=$((ran + 1))
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed "s/^/  $name /" || true
  # Without coverage counters in the library, libFuzzer mutates blindly: say so loudly.
  counters=$(sed -n 's/^INFO: Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters.*/\1/p' "$log" | head -n 1)
  if [ -n "$counters" ] && [ "$counters" -lt 1000 ]; then
    echo "run-fuzzers: WARNING: $name has only $counters coverage counters; the library is not" \
         "instrumented (compile it with -fsanitize=fuzzer-no-link), so this run was nearly blind" >&2
  fi
  if [ $rc -ne 0 ]; then
    echo "run-fuzzers: $name FAILED (exit $rc); see $log" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 20 >&2 || true
    failed+=("$name")
  fi
done

if [ $ran -eq 0 ] && [ ${#failed[@]} -eq 0 ]; then
  echo "run-fuzzers: no fuzz targets in $repo_root/fuzz" >&2
  exit 2
fi
if [ ${#failed[@]} -ne 0 ]; then
  echo "run-fuzzers: failures: ${failed[*]}" >&2
  exit 1
fi
echo "run-fuzzers: all $ran target(s) ran ${seconds}s without a crash"
