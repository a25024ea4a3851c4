#!/usr/bin/env bash
# The node cache: the same model fetched into a fresh DEST first with an empty STORAGE_CACHE_DIR
# (download), then again (a cache hit: hard links, no transfer). One file of SIZE_MIB from nginx on
# loopback; ROUNDS pairs, interleaved.
#
#   bench/cache-bench.sh [SIZE_MIB=2048] [ROUNDS=3]
set -euo pipefail
SIZE_MIB=${1:-2048}
ROUNDS=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/cache"
dist="$top/initializer-runtime/target/storage-initializer"
port=${BENCH_PORT:-18932}

. "$here/lib.sh"
ensure_dist "$top"

mkdir -p "$work/www"
model="$work/www/model.bin"
[ -f "$model" ] && [ "$(stat -c %s "$model")" -eq $((SIZE_MIB * 1048576)) ] ||
  head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$model"
start_nginx "$work" "$work/www" "$port"
cat "$model" > /dev/null

miss=0; hit=0
for r in $(seq 1 "$ROUNDS"); do
  rm -rf "$work/cache" "$work/dest-1" "$work/dest-2"
  s=$(date +%s.%N)
  STORAGE_CACHE_DIR="$work/cache" "$dist/bin/storage-initializer" "http://127.0.0.1:$port/model.bin" "$work/dest-1" 2>/dev/null
  m=$(echo "$(date +%s.%N) - $s" | bc -l)
  s=$(date +%s.%N)
  STORAGE_CACHE_DIR="$work/cache" "$dist/bin/storage-initializer" "http://127.0.0.1:$port/model.bin" "$work/dest-2" 2>/dev/null
  h=$(echo "$(date +%s.%N) - $s" | bc -l)
  cmp -s "$model" "$work/dest-2/model.bin" || { echo "cached copy differs"; exit 1; }
  printf '  round %d: first (download) %.2fs, second (cache hit) %.2fs\n' "$r" "$m" "$h"
  miss=$(echo "$miss + $m" | bc -l); hit=$(echo "$hit + $h" | bc -l)
done
printf '\nCache, %d MiB model, mean of %d rounds: first run %.2fs, cached run %.2fs, speed-up %.1fx\n' \
  "$SIZE_MIB" "$ROUNDS" "$(echo "$miss / $ROUNDS" | bc -l)" "$(echo "$hit / $ROUNDS" | bc -l)" "$(echo "$miss / $hit" | bc -l)"
rm -rf "$work/cache" "$work/dest-1" "$work/dest-2"
