#!/usr/bin/env bash
# Downloads the same models from one local S3 server (S3Proxy over a folder, in its own JVM) with
# storage-initializer, rclone and the AWS CLI, interleaved in one run, and reports wall-time ratios
# and peak RSS.
#   set "big":  4 x SHARD_MIB shards plus 300 small files
#   set "tiny": 2000 tiny files
#
#   bench/s3-bench.sh [SHARD_MIB=256] [ROUNDS=2]
#
# Every tool writes into a fresh folder under OUT_DIR: by default a tmpfs (/dev/shm) when there is
# one with room, so that the figures compare the tools rather than the disk. (On a disk the time to
# create a file can depend on the run before: ext4 without a journal skips inodes freed in the
# last minute, so each tool pays for the files the previous one deleted.) OUT_DIR=... picks a
# folder on the disk to be measured instead.
#
# Installs rclone, awscli and GNU time from Debian when missing; builds what it needs.
set -euo pipefail
SHARD_MIB=${1:-256}
ROUNDS=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/s3"
dist="$top/initializer-runtime/target/storage-initializer"

command -v rclone >/dev/null && command -v aws >/dev/null && [ -x /usr/bin/time ] ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone awscli time >/dev/null; }
. "$here/lib.sh"
ensure_dist "$top"
if [ -z "${OUT_DIR:-}" ]; then
  OUT_DIR="$work/out"
  if [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt $(((4 * SHARD_MIB + 512) * 2048)) ]; then
    OUT_DIR=/dev/shm/storage-initializer-bench
  fi
fi
echo "downloads go to $OUT_DIR ($(df -PT "$(dirname "$OUT_DIR")" | awk 'NR==2 {print $2}'))"
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"
start_s3 "$work" "$top"
trap 'kill $S3_PID 2>/dev/null; rm -rf "$OUT_DIR"' EXIT

src="$work/src"
if [ ! -f "$src/big/shard-3.safetensors" ] || [ "$(stat -c %s "$src/big/shard-3.safetensors")" -ne $((SHARD_MIB * 1048576)) ]; then
  echo "making the data sets"
  rm -rf "$src"; mkdir -p "$src/big/tokenizer" "$src/tiny"
  for i in 0 1 2 3; do safetensors_shard "$src/big/shard-$i.safetensors" $((SHARD_MIB * 1048576)); done
  for i in $(seq 1 300); do head -c 4096 /dev/urandom > "$src/big/tokenizer/part-$i.json"; done
  for i in $(seq 1 2000); do head -c 512 /dev/urandom > "$src/tiny/f-$i.txt"; done
fi
aws s3 mb s3://bench --endpoint-url "$endpoint" >/dev/null 2>&1 || true
echo "uploading"
aws s3 cp --recursive --quiet --endpoint-url "$endpoint" "$src/big" s3://bench/big
aws s3 cp --recursive --quiet --endpoint-url "$endpoint" "$src/tiny" s3://bench/tiny

# The start-up caches an image build writes (bin/storage-initializer-train), trained the same way:
# class-data sharing on the default JVM, an AOT cache on Java 25 when installed.
"$dist/bin/storage-initializer-train" "$work/cds.jsa" >/dev/null
tools=(storage-initializer storage-initializer+cds)
java25=$(ls -d /usr/lib/jvm/*-25* 2>/dev/null | head -1 || true)
if [ -n "$java25" ]; then
  JAVA_HOME=$java25 "$dist/bin/storage-initializer-train" "$work/aot.aot" >/dev/null
  tools+=(storage-initializer-25+aot)
fi
tools+=(rclone aws-cli)
declare -A total_s peak_kb
run() {
  local set=$1 tool=$2 out="$OUT_DIR/$2"
  rm -rf "$out"; mkdir -p "$out"
  local cmd
  case $tool in
    storage-initializer) cmd=(env STORAGE_JVM_CACHE=none "$dist/bin/storage-initializer" "s3://bench/$set" "$out") ;;
    storage-initializer+cds) cmd=(env STORAGE_JVM_CACHE="$work/cds.jsa" "$dist/bin/storage-initializer" "s3://bench/$set" "$out") ;;
    storage-initializer-25+aot) cmd=(env JAVA_HOME="$java25" STORAGE_JVM_CACHE="$work/aot.aot" "$dist/bin/storage-initializer" "s3://bench/$set" "$out") ;;
    rclone) cmd=(rclone copy "bench:bench/$set" "$out") ;;
    aws-cli) cmd=(aws s3 cp --recursive --no-progress --exclude "*/" --endpoint-url "$endpoint" "s3://bench/$set" "$out") ;;
  esac
  # Each tool starts with no dirty pages of an earlier run left for the kernel to write back.
  sync
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "${cmd[@]}" > "$work/$tool.log" 2>&1 || { cat "$work/$tool.log"; exit 1; }
  read -r secs kb < "$work/time.txt"
  (cd "$src/$set" && find . -type f | sort | xargs md5sum) > "$work/want.md5"
  (cd "$out" && find . -type f | sort | xargs md5sum) > "$work/got.md5"
  cmp -s "$work/want.md5" "$work/got.md5" || { echo "$tool: the $set tree differs"; exit 1; }
  total_s[$set/$tool]=$(echo "${total_s[$set/$tool]:-0} + $secs" | bc -l)
  [ "${peak_kb[$set/$tool]:-0}" -ge "$kb" ] || peak_kb[$set/$tool]=$kb
  printf '  %-5s round %d %-26s %7.2fs %6d MiB RSS\n' "$set" "$r" "$tool" "$secs" $((kb / 1024))
  rm -rf "$out"
}
# One untimed round per set first, so that every timed run meets a server whose JIT has compiled
# what that tool's requests need (and memory the output has already used once).
for set in big tiny; do
  r=0
  for t in "${tools[@]}"; do run "$set" "$t" > /dev/null; done
done
total_s=()
peak_kb=()
for set in big tiny; do
  for r in $(seq 1 "$ROUNDS"); do
    for t in "${tools[@]}"; do run "$set" "$t"; done
  done
done

echo
echo "S3 downloads from one local S3Proxy into $OUT_DIR, mean of $ROUNDS interleaved rounds"
echo "(big: 4 x $SHARD_MIB MiB + 300 x 4 KiB; tiny: 2000 x 512 B)"
printf '| %-5s | %-26s | %8s | %26s | %12s |\n' set tool "mean s" "time / ours (>1 = slower)" "peak RSS MiB"
printf '|%s|%s|%s|%s|%s|\n' ------- ---------------------------- ---------- ---------------------------- --------------
for set in big tiny; do
  ours=$(echo "${total_s[$set/storage-initializer]} / $ROUNDS" | bc -l)
  for t in "${tools[@]}"; do
    mean=$(echo "${total_s[$set/$t]} / $ROUNDS" | bc -l)
    printf '| %-5s | %-26s | %8.2f | %26.2f | %12d |\n' "$set" "$t" "$mean" "$(echo "$mean / $ours" | bc -l)" $((peak_kb[$set/$t] / 1024))
  done
done
