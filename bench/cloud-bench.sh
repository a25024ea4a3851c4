#!/usr/bin/env bash
# Downloads the same models from Google's Cloud Storage emulator and from Azurite (Azure Blob),
# each on loopback, with storage-initializer and with rclone, interleaved in one run, and reports
# wall-time ratios, peak RSS, and the CPU time each server spent on each download (a server near
# one core for the whole download is the bottleneck, not the client).
#   set "big":  4 x SHARD_MIB shards plus 300 small files
#   set "tiny": 2000 tiny files
#
#   bench/cloud-bench.sh [SHARD_MIB=128] [ROUNDS=2]
#
# The emulator takes at most ~130 MB in one upload, hence 128 MiB shards by default (the S3 bench
# uses 256). Needs the npm test servers (npm ci --prefix test-servers, done here when missing);
# installs rclone and GNU time from Debian when missing; builds what it needs.
set -euo pipefail
SHARD_MIB=${1:-128}
ROUNDS=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/cloud"
dist="$top/initializer-runtime/target/storage-initializer"
servers="$top/test-servers"

command -v rclone >/dev/null && [ -x /usr/bin/time ] ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone time >/dev/null; }
[ -d "$servers/node_modules/firebase-tools" ] || npm ci --prefix "$servers" --no-audit --no-fund >/dev/null
. "$here/lib.sh"
ensure_dist "$top"
mkdir -p "$work"
if [ -z "${OUT_DIR:-}" ]; then
  OUT_DIR="$work/out"
  if [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt $(((4 * SHARD_MIB + 512) * 2048)) ]; then
    OUT_DIR=/dev/shm/storage-initializer-cloud-bench
  fi
fi
echo "downloads go to $OUT_DIR ($(df -PT "$(dirname "$OUT_DIR")" | awk 'NR==2 {print $2}'))"
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
GCS_PORT=$(free_port)
AZ_PORT=$(free_port)
(cd "$servers" && TMPDIR="$work" exec node gcs-emulator.js "$GCS_PORT" < /dev/null > "$work/gcs.log" 2>&1) &
GCS_PID=$!
"$servers/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$AZ_PORT" --inMemoryPersistence \
  --extentMemoryLimit $((4 * SHARD_MIB + 1024)) --disableTelemetry --silent < /dev/null > "$work/azurite.log" 2>&1 &
AZ_PID=$!
trap 'kill $GCS_PID $AZ_PID 2>/dev/null; rm -rf "$OUT_DIR"' EXIT
for _ in $(seq 1 300); do grep -q ready "$work/gcs.log" && grep -q "successfully listens" "$work/azurite.log" && break; sleep 0.1; done
# node under the script: the emulator's own process is the one that works.
GCS_NODE=$(pgrep -P "$GCS_PID" node || echo "$GCS_PID")
AZ_NODE=$(pgrep -P "$AZ_PID" node || echo "$AZ_PID")

src="$work/src"
if [ ! -f "$src/big/shard-3.safetensors" ] || [ "$(stat -c %s "$src/big/shard-3.safetensors")" -ne $((SHARD_MIB * 1048576)) ]; then
  echo "making the data sets"
  rm -rf "$src"; mkdir -p "$src/big/tokenizer" "$src/tiny"
  for i in 0 1 2 3; do safetensors_shard "$src/big/shard-$i.safetensors" $((SHARD_MIB * 1048576)); done
  for i in $(seq 1 300); do head -c 4096 /dev/urandom > "$src/big/tokenizer/part-$i.json"; done
  for i in $(seq 1 2000); do head -c 512 /dev/urandom > "$src/tiny/f-$i.txt"; done
fi

AZ_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
# rclone 1.60 reaches an emulator on another port only through a SAS URL: an account SAS of
# Azurite's well-known key, made as the service defines it.
AZ_SAS=$(python3 - "$AZ_KEY" <<'PY'
import base64, datetime, hashlib, hmac, sys, urllib.parse
key = sys.argv[1]
se = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
sv, sp = "2021-12-02", "racwdl"
sts = "\n".join(["devstoreaccount1", sp, "b", "sco", "", se, "", "", sv, ""]) + "\n"
sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest()).decode()
print(urllib.parse.urlencode({"sv": sv, "ss": "b", "srt": "sco", "sp": sp, "se": se, "sig": sig}))
PY
)
export RCLONE_CONFIG_GCS_TYPE="google cloud storage" RCLONE_CONFIG_GCS_ENDPOINT="http://127.0.0.1:$GCS_PORT/storage/v1/" \
  RCLONE_CONFIG_GCS_ANONYMOUS=true
export RCLONE_CONFIG_AZ_TYPE=azureblob RCLONE_CONFIG_AZ_SAS_URL="http://127.0.0.1:$AZ_PORT/devstoreaccount1/bench?$AZ_SAS"

echo "uploading"
curl -sf -X PUT -H "x-ms-version: 2021-12-02" -d '' \
  "http://127.0.0.1:$AZ_PORT/devstoreaccount1/bench?restype=container&$AZ_SAS" > /dev/null
rclone copy "$src" az:bench --transfers 8
# The emulator takes plain media uploads only (rclone's resumable uploads fail there).
(cd "$src" && find big tiny -type f) |
  xargs -P 8 -I{} curl -sf -X POST --data-binary @"$src/{}" -o /dev/null \
    "http://127.0.0.1:$GCS_PORT/upload/storage/v1/b/bench/o?uploadType=media&name={}"

"$dist/bin/storage-initializer-train" "$work/cds.jsa" >/dev/null
stores=(gcs azure)
# "whole": every object in one request, as rclone reads objects of this size. The emulator reads an
# object whole for every request, a range too, so ranges cost it the object's size each.
tools=(storage-initializer storage-initializer-whole rclone)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
declare -A total_s peak_kb server_s
run() {
  local store=$1 set=$2 tool=$3 out="$OUT_DIR/$1-$3" pid cmd
  rm -rf "$out"; mkdir -p "$out"
  case $store/$tool in
    gcs/storage-initializer) cmd=(env STORAGE_JVM_CACHE="$work/cds.jsa" STORAGE_EMULATOR_HOST="127.0.0.1:$GCS_PORT" "$dist/bin/storage-initializer" "gs://bench/$set" "$out") ;;
    gcs/storage-initializer-whole) cmd=(env STORAGE_PART_SIZE=4GiB STORAGE_JVM_CACHE="$work/cds.jsa" STORAGE_EMULATOR_HOST="127.0.0.1:$GCS_PORT" "$dist/bin/storage-initializer" "gs://bench/$set" "$out") ;;
    gcs/rclone) cmd=(rclone copy "gcs:bench/$set" "$out") ;;
    azure/storage-initializer) cmd=(env STORAGE_JVM_CACHE="$work/cds.jsa" AZURE_BLOB_ENDPOINT="http://127.0.0.1:$AZ_PORT/{account}" AZURE_STORAGE_ACCESS_KEY="$AZ_KEY" "$dist/bin/storage-initializer" "https://devstoreaccount1.blob.core.windows.net/bench/$set" "$out") ;;
    azure/storage-initializer-whole) cmd=(env STORAGE_PART_SIZE=4GiB STORAGE_JVM_CACHE="$work/cds.jsa" AZURE_BLOB_ENDPOINT="http://127.0.0.1:$AZ_PORT/{account}" AZURE_STORAGE_ACCESS_KEY="$AZ_KEY" "$dist/bin/storage-initializer" "https://devstoreaccount1.blob.core.windows.net/bench/$set" "$out") ;;
    azure/rclone) cmd=(rclone copy "az:bench/$set" "$out") ;;
  esac
  pid=$([ "$store" = gcs ] && echo "$GCS_NODE" || echo "$AZ_NODE")
  sync
  local before; before=$(cpu_ticks "$pid")
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "${cmd[@]}" > "$work/$store-$tool.log" 2>&1 || { cat "$work/$store-$tool.log"; exit 1; }
  local server; server=$(echo "($(cpu_ticks "$pid") - $before) / $HZ" | bc -l)
  read -r secs kb < "$work/time.txt"
  (cd "$src/$set" && find . -type f | sort | xargs md5sum) > "$work/want.md5"
  (cd "$out" && find . -type f | sort | xargs md5sum) > "$work/got.md5"
  cmp -s "$work/want.md5" "$work/got.md5" || { echo "$store $tool: the $set tree differs"; exit 1; }
  local k=$store/$set/$tool
  total_s[$k]=$(echo "${total_s[$k]:-0} + $secs" | bc -l)
  server_s[$k]=$(echo "${server_s[$k]:-0} + $server" | bc -l)
  [ "${peak_kb[$k]:-0}" -ge "$kb" ] || peak_kb[$k]=$kb
  printf '  %-5s %-4s round %d %-20s %7.2fs %6d MiB RSS  server CPU %6.2fs\n' "$store" "$set" "$r" "$tool" "$secs" $((kb / 1024)) "$server"
  rm -rf "$out"
}
# One untimed round first, so that each server has served each kind of request once.
r=0
for store in "${stores[@]}"; do for set in big tiny; do for t in "${tools[@]}"; do run "$store" "$set" "$t" > /dev/null; done; done; done
total_s=(); peak_kb=(); server_s=()
for r in $(seq 1 "$ROUNDS"); do
  for store in "${stores[@]}"; do for set in big tiny; do for t in "${tools[@]}"; do run "$store" "$set" "$t"; done; done; done
done

echo
echo "Downloads from Google's Cloud Storage emulator and Azurite on loopback into $OUT_DIR, mean of $ROUNDS interleaved rounds"
echo "(big: 4 x $SHARD_MIB MiB + 300 x 4 KiB; tiny: 2000 x 512 B; server CPU: the emulator's own CPU time during the download)"
printf '| %-5s | %-5s | %-20s | %8s | %26s | %12s | %12s |\n' store set tool "mean s" "time / ours (>1 = slower)" "peak RSS MiB" "server CPU s"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ------- ------- ---------------------- ---------- ---------------------------- -------------- --------------
for store in "${stores[@]}"; do
  for set in big tiny; do
    ours=$(echo "${total_s[$store/$set/storage-initializer]} / $ROUNDS" | bc -l)
    for t in "${tools[@]}"; do
      k=$store/$set/$t
      mean=$(echo "${total_s[$k]} / $ROUNDS" | bc -l)
      printf '| %-5s | %-5s | %-20s | %8.2f | %26.2f | %12d | %12.2f |\n' "$store" "$set" "$t" "$mean" \
        "$(echo "$mean / $ours" | bc -l)" $((peak_kb[$k] / 1024)) "$(echo "${server_s[$k]} / $ROUNDS" | bc -l)"
    done
  done
done
