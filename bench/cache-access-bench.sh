#!/usr/bin/env bash
# What a node-cache hit pays to show the pod may read every object (STORAGE_CACHE_ACCESS_CHECK):
# the same S3 prefix is fetched once into an empty cache, then ROUNDS hits with the check
# (each-object, the default: a one-byte ranged read per object) and without it (none), interleaved.
# Sets: "tiny" (2000 x 512 B) and "big" (4 x SHARD_MIB MiB + 300 x 4 KiB), from the local S3 server.
#
#   bench/cache-access-bench.sh [SHARD_MIB=64] [ROUNDS=5]
set -euo pipefail
SHARD_MIB=${1:-64}
ROUNDS=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/cache-access"
dist="$top/initializer-runtime/target/storage-initializer"
mkdir -p "$work"

command -v aws >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null; }
. "$here/lib.sh"
ensure_dist "$top"
start_s3 "$work" "$top"
trap 'kill $S3_PID 2>/dev/null; rm -rf "$work/cache" "$work/dest"' EXIT

src="$work/src"
rm -rf "$src"; mkdir -p "$src/big/tokenizer" "$src/tiny"
for i in 0 1 2 3; do safetensors_shard "$src/big/shard-$i.safetensors" $((SHARD_MIB * 1048576)); done
for i in $(seq 1 300); do head -c 4096 /dev/urandom > "$src/big/tokenizer/part-$i.json"; done
for i in $(seq 1 2000); do head -c 512 /dev/urandom > "$src/tiny/f-$i.txt"; done
aws s3 mb s3://bench >/dev/null 2>&1 || true
aws s3 cp --recursive --quiet "$src/big" s3://bench/big
aws s3 cp --recursive --quiet "$src/tiny" s3://bench/tiny

hit() { # SET CHECK -> seconds of one cache hit into a fresh DEST
  rm -rf "$work/dest"
  local s; s=$(date +%s.%N)
  STORAGE_CACHE_DIR="$work/cache" STORAGE_CACHE_ACCESS_CHECK=$2 \
    "$dist/bin/storage-initializer" "s3://bench/$1" "$work/dest" > "$work/hit.log" 2>&1 ||
    { cat "$work/hit.log"; exit 1; }
  grep -q 'cache hit' "$work/hit.log" || { echo "not a cache hit:"; cat "$work/hit.log"; exit 1; }
  echo "$(date +%s.%N) - $s" | bc -l
}

echo "| set | objects | hit, check each-object (s) | hit, check none (s) | difference (s) |"
echo "|---|---|---|---|---|"
for set in tiny big; do
  rm -rf "$work/cache"
  # The first run downloads into the cache.
  STORAGE_CACHE_DIR="$work/cache" "$dist/bin/storage-initializer" "s3://bench/$set" "$work/dest" > /dev/null 2>&1
  checked=0; plain=0
  for r in $(seq 1 "$ROUNDS"); do
    checked=$(echo "$checked + $(hit "$set" each-object)" | bc -l)
    plain=$(echo "$plain + $(hit "$set" none)" | bc -l)
  done
  n=$(find "$src/$set" -type f | wc -l)
  printf '| %s | %d | %.2f | %.2f | %+.2f |\n' "$set" "$n" "$(echo "$checked / $ROUNDS" | bc -l)" \
    "$(echo "$plain / $ROUNDS" | bc -l)" "$(echo "($checked - $plain) / $ROUNDS" | bc -l)"
done
