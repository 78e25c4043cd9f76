#!/bin/bash
# The issue-9 figures in one run: machine peaks, prefill/decode of the synthetic 1.5B and 7B
# files, first-token latency and peak RSS. Usage:
#   scripts/measure-performance.sh [MODEL_DIR] [EDGESEEK_BINARY]
# MODEL_DIR holds files made by `edgeseek synth` (missing ones are made there first):
#   qwen1.5b-{q4_0,q8_0,q4_k_m}.gguf  --shape r1-distill-qwen-1.5b
#   qwen7b-{q4_0,q4_k_m}.gguf         --shape r1-distill-qwen-7b
# Run it on a quiet machine; the peaks are measured again at the end to show drift.
set -euo pipefail
M=${1:-models}
E=${2:-build/release/edgeseek}
mkdir -p "$M"
for spec in 1.5b:q4_0 1.5b:q8_0 1.5b:q4_k_m 7b:q4_0 7b:q4_k_m; do
  shape=${spec%%:*} type=${spec##*:}
  f="$M/qwen$shape-$type.gguf"
  [ -f "$f" ] || "$E" synth --shape "r1-distill-qwen-$shape" --type "$type" -o "$f"
done
echo "start $(date +%T) $(uptime)"
"$E" bench --machine --remeasure -t 2 2>&1 | tail -1
for m in qwen1.5b-q4_0 qwen1.5b-q8_0 qwen1.5b-q4_k_m; do
  "$E" bench -m "$M/$m.gguf" -p 512 -n 64 -r 2 -t 2 2>&1 | grep -E "\| (pp512|tg64) " | awk -v m="$m" -F'|' '{printf "%s %s %s %s\n", m, $6, $7, $8}'
done
for m in qwen7b-q4_0 qwen7b-q4_k_m; do
  "$E" bench -m "$M/$m.gguf" -p 128 -n 32 -r 2 -t 2 2>&1 | grep -E "\| (pp128|tg32) " | awk -v m="$m" -F'|' '{printf "%s %s %s %s\n", m, $6, $7, $8}'
done
# Decode deep into a reasoning trace: 4096 tokens already in the context (their keys and
# values count in the ratio).
for m in qwen1.5b-q4_0 qwen1.5b-q4_k_m; do
  "$E" bench -m "$M/$m.gguf" -p 0 -n 32 -r 2 -t 2 -d 4096 2>&1 | grep -E "\| tg32 @ d4096" | awk -v m="$m" -F'|' '{printf "%s %s %s %s\n", m, $6, $7, $8}'
done
# A long prompt, where attention's share grows with the square of the length.
"$E" bench -m "$M/qwen1.5b-q4_0.gguf" -p 2048 -n 0 -r 1 -t 2 2>&1 | grep -E "\| pp2048 " | awk -F'|' '{printf "qwen1.5b-q4_0 %s %s %s\n", $6, $7, $8}'
# The file's own layout (no load-time repacking), and the AVX2 kernels on this CPU.
for m in qwen1.5b-q4_0 qwen1.5b-q4_k_m; do
  "$E" bench -m "$M/$m.gguf" -p 512 -n 64 -r 1 -t 2 --no-repack 2>&1 | grep -E "\| (pp512|tg64) " | awk -v m="$m" -F'|' '{printf "%s no-repack %s %s %s\n", m, $6, $7, $8}'
  EDGESEEK_ISA=avx2 "$E" bench -m "$M/$m.gguf" -p 128 -n 32 -r 1 -t 2 2>&1 | grep -E "\| (pp128|tg32) " | awk -v m="$m" -F'|' '{printf "%s avx2 %s %s\n", m, $6, $7}'
done
"$E" bench --machine --remeasure -t 2 2>&1 | tail -1
P="Why is the sky blue? Answer briefly please."
for i in 1 2 3; do
  /usr/bin/time -f "wall %e s" "$E" run -m "$M/qwen7b-q4_k_m.gguf" -p "$P" -n 1 -t 2 2>&1 | grep -E "^load|wall" | sed 's/| generation.*//' | tr '\n' ' '
  echo
done
for flag in --no-repack-cache --no-repack --no-repack; do
  /usr/bin/time -f "wall %e s" "$E" run -m "$M/qwen7b-q4_k_m.gguf" -p "$P" -n 1 -t 2 $flag 2>&1 | grep -E "^load|wall" | sed 's/| generation.*//' | tr '\n' ' '
  echo " ($flag)"
done
P19="Explain in two sentences why the sky looks blue during the day and red at sunset."
for i in 1 2; do
  "$E" run -m "$M/qwen1.5b-q4_k_m.gguf" -p "$P19" -n 1 -t 2 2>&1 | grep -E "^load" | sed 's/| generation.*//'
done
/usr/bin/time -f "peak RSS %M KB" "$E" run -m "$M/qwen7b-q4_k_m.gguf" -p "$P" -n 32 -c 4096 -t 2 2>&1 | grep -E "RSS|^load"
echo "end $(date +%T) $(uptime)"
