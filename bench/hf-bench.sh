#!/usr/bin/env bash
# Downloads one model from the project's test hub (hf:// over HTTP; the CDN route served by nginx, so
# that the hub is not the bottleneck) with storage-initializer, with the official JS client's
# snapshotDownload (@huggingface/hub, what a Node user would pick) and with curl, one request per
# file, 8 at a time (--parallel; what a shell user would do), interleaved in one run; reports wall-time ratios and peak
# RSS. The model: 4 x SHARD_MIB MiB safetensors shards plus 200 small files.
#
#   bench/hf-bench.sh [SHARD_MIB=512] [ROUNDS=2]
#
# Needs node with it-tests/src/test/js installed (npm ci --prefix it-tests/src/test/js), nginx and
# GNU time (installed from Debian when missing).
set -euo pipefail
SHARD_MIB=${1:-512}
ROUNDS=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/hf"
dist="$top/initializer-runtime/target/storage-initializer"
mkdir -p "$work"
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
[ -d "$top/it-tests/src/test/js/node_modules/@huggingface/hub" ] ||
  npm ci --prefix "$top/it-tests/src/test/js" --no-audit --no-fund >/dev/null
. "$here/lib.sh"
ensure_dist "$top"
[ -f "$top/storage-hf/target/test-classes/io/storageinit/hf/TestHubMain.class" ] ||
  (cd "$top" && ./mvnw -q -B -pl storage-hf -am test-compile)
(cd "$top" && ./mvnw -q -B -pl storage-hf dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null)

OUT_DIR=${OUT_DIR:-/dev/shm/storage-initializer-hf-bench}
src="$work/model"
if [ ! -f "$src/model-00004-of-00004.safetensors" ] ||
  [ "$(stat -c %s "$src/model-00004-of-00004.safetensors")" -ne $((SHARD_MIB * 1048576)) ]; then
  echo "making the model"
  rm -rf "$src"; mkdir -p "$src/tokenizer"
  for i in 1 2 3 4; do safetensors_shard "$src/model-0000$i-of-00004.safetensors" $((SHARD_MIB * 1048576)); done
  for i in $(seq 1 200); do head -c 2048 /dev/urandom > "$src/tokenizer/part-$i.json"; done
  echo '{"architectures": ["Bench"]}' > "$src/config.json"
fi

# nginx serves the CDN: each LFS file under its SHA-256, as the hub's CDN names them.
cdn="$work/cdn"; rm -rf "$cdn"; mkdir -p "$cdn"
port=${BENCH_PORT:-18951}
start_nginx "$work" "$cdn" "$port"
rm -f "$work/hub.txt"
java -cp "$top/storage-hf/target/test-classes:$top/storage-hf/target/classes:$(cat "$work/cp.txt")" \
  io.storageinit.hf.TestHubMain "$src" "$work/hub.txt" "http://127.0.0.1:$port" < /dev/null > "$work/hub.log" 2>&1 &
hub_pid=$!
trap 'kill $hub_pid 2>/dev/null; "$NGINX" -c "$NGINX_CONF" -s stop 2>/dev/null || true; rm -rf "$OUT_DIR"' EXIT
for _ in $(seq 1 600); do [ -s "$work/hub.txt" ] && break; sleep 0.2; done
hub="http://127.0.0.1:$(head -1 "$work/hub.txt")"
tail -n +2 "$work/hub.txt" | while read -r sha path; do ln -f "$src/$path" "$cdn/$sha"; done

# The files' resolve URLs, for curl.
(cd "$src" && find . -type f | sed 's#^\./##' | sort) > "$work/files.txt"

declare -A total_s peak_kb
tools=(storage-initializer hf-js-snapshot curl-8)
run() {
  local tool=$1 out="$OUT_DIR/$1"
  rm -rf "$out"; mkdir -p "$out"
  local cmd
  case $tool in
    storage-initializer) cmd=(env HF_ENDPOINT="$hub" STORAGE_VALIDATORS=none "$dist/bin/storage-initializer" hf://bench/model "$out") ;;
    hf-js-snapshot) cmd=(node "$here/hf-snapshot.mjs" "$hub" bench/model "$out") ;;
    curl-8)
      sed "s#.*#url = \"$hub/bench/model/resolve/main/&\"\noutput = \"$out/&\"#" "$work/files.txt" > "$work/curl.cfg"
      cmd=(curl -sSfL --create-dirs --parallel --parallel-max 8 -K "$work/curl.cfg") ;;
  esac
  sync
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "${cmd[@]}" > "$work/$tool.log" 2>&1 || { cat "$work/$tool.log" >&2; exit 1; }
  read -r secs kb < "$work/time.txt"
  # Every tool must have fetched the same bytes (the JS client lays them out in its cache, as links).
  for i in 1 2 3 4; do
    name="model-0000$i-of-00004.safetensors"
    got=$(find -L "$out" -name "$name" -type f | head -1)
    [ -n "$got" ] && cmp -s "$got" "$src/$name" || { echo "$tool: $name differs or is missing"; exit 1; }
  done
  total_s[$tool]=$(echo "${total_s[$tool]:-0} + $secs" | bc -l)
  [ "${peak_kb[$tool]:-0}" -ge "$kb" ] || peak_kb[$tool]=$kb
  printf '  round %d %-22s %7.2fs %6d MiB RSS\n' "$r" "$tool" "$secs" $((kb / 1024))
  rm -rf "$out"
}
r=0
for t in "${tools[@]}"; do run "$t" > /dev/null; done
total_s=(); peak_kb=()
for r in $(seq 1 "$ROUNDS"); do
  for t in "${tools[@]}"; do run "$t"; done
done
echo
echo "hf:// from the test hub (CDN: nginx) into $OUT_DIR, mean of $ROUNDS interleaved rounds (4 x $SHARD_MIB MiB + 201 small files)"
printf '| %-22s | %8s | %26s | %12s |\n' tool "mean s" "time / ours (>1 = slower)" "peak RSS MiB"
printf '|%s|%s|%s|%s|\n' ------------------------ ---------- ---------------------------- --------------
ours=$(echo "${total_s[storage-initializer]} / $ROUNDS" | bc -l)
for t in "${tools[@]}"; do
  mean=$(echo "${total_s[$t]} / $ROUNDS" | bc -l)
  printf '| %-22s | %8.2f | %26.2f | %12d |\n' "$t" "$mean" "$(echo "$mean / $ours" | bc -l)" $((peak_kb[$t] / 1024))
done
