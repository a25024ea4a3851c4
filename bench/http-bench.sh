#!/usr/bin/env bash
# Downloads one large file from nginx on loopback with storage-initializer, curl and aria2c (-x8),
# interleaved in one run, and reports wall time, the ratio to storage-initializer and peak RSS.
#
#   bench/http-bench.sh [SIZE_MIB=1024] [ROUNDS=3]
#
#   BENCH_TLS=1        serve HTTPS (a CA and certificate made with openssl) and add the JDK's own
#                      java.net.http.HttpClient (bench/JdkHttpClientGet.java) as a peer
#   BASELINE_DIST=DIR  also run another build of storage-initializer (DIR/bin/storage-initializer),
#                      e.g. the one before a change, side by side as "baseline"
#
# Installs nginx, aria2 and GNU time from Debian when missing; builds the distribution when missing.
set -euo pipefail
SIZE_MIB=${1:-1024}
ROUNDS=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/http"
dist="$top/initializer-runtime/target/storage-initializer"
port=${BENCH_PORT:-18931}

. "$here/lib.sh"
command -v aria2c >/dev/null && [ -x /usr/bin/time ] ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq aria2 time curl >/dev/null; }
ensure_dist "$top"

mkdir -p "$work/www" "$work/out"
model="$work/www/model.bin"
if [ ! -f "$model" ] || [ "$(stat -c %s "$model")" -ne $((SIZE_MIB * 1048576)) ]; then
  echo "making a ${SIZE_MIB} MiB file of random bytes"
  head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$model"
fi
want=$(sha256sum "$model" | cut -d' ' -f1)
scheme=http
tls_env=()
tools=(storage-initializer curl aria2c)
if [ -n "${BENCH_TLS:-}" ]; then
  make_tls_pair "$work/tls"
  start_nginx "$work" "$work/www" "$port" "$work/tls/server.pem" "$work/tls/server.key"
  scheme=https
  tls_env=(STORAGE_HTTP_CA_BUNDLE="$work/tls/ca.pem")
  mkdir -p "$work/classes"
  javac -d "$work/classes" "$here/JdkHttpClientGet.java"
  tools+=(jdk-httpclient)
else
  start_nginx "$work" "$work/www" "$port"
fi
[ -n "${BASELINE_DIST:-}" ] && tools+=(baseline)
url="$scheme://127.0.0.1:$port/model.bin"
cat "$model" > /dev/null # the server reads from page cache for every tool alike

declare -A total_s peak_kb
run() {
  local tool=$1 out="$work/out/$1"
  rm -rf "$out"; mkdir -p "$out"
  local cmd
  case $tool in
    storage-initializer) cmd=(env "${tls_env[@]}" "$dist/bin/storage-initializer" "$url" "$out") ;;
    baseline) cmd=(env "${tls_env[@]}" "$BASELINE_DIST/bin/storage-initializer" "$url" "$out") ;;
    curl) cmd=(curl -sS ${BENCH_TLS:+--cacert "$work/tls/ca.pem"} -o "$out/model.bin" "$url") ;;
    aria2c) cmd=(aria2c -q -x8 -s8 -k1M --file-allocation=none --allow-overwrite=true ${BENCH_TLS:+--ca-certificate="$work/tls/ca.pem"} -d "$out" -o model.bin "$url") ;;
    jdk-httpclient) cmd=(java -cp "$work/classes" JdkHttpClientGet "$url" "$out/model.bin" "$work/tls/ca.pem") ;;
  esac
  # Each tool starts with no dirty pages of an earlier run left for the kernel to write back.
  sync
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "${cmd[@]}" > "$work/$tool.log" 2>&1
  read -r secs kb < "$work/time.txt"
  got=$(sha256sum "$out/model.bin" | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "$tool: wrong bytes"; exit 1; }
  total_s[$tool]=$(echo "${total_s[$tool]:-0} + $secs" | bc -l)
  [ "${peak_kb[$tool]:-0}" -ge "$kb" ] || peak_kb[$tool]=$kb
  printf '  round %d %-20s %6.2fs  %6d MiB RSS\n' "$r" "$tool" "$secs" $((kb / 1024))
  rm -rf "$out"
}
# One untimed round first: the first writes of a run also pay for memory the VM has not used yet.
r=0
for t in "${tools[@]}"; do run "$t" > /dev/null; done
total_s=()
peak_kb=()
for r in $(seq 1 "$ROUNDS"); do
  for t in "${tools[@]}"; do run "$t"; done
done

ours=$(echo "${total_s[storage-initializer]} / $ROUNDS" | bc -l)
echo
echo "${scheme^^} download of ${SIZE_MIB} MiB from nginx on loopback, mean of $ROUNDS interleaved rounds"
printf '| %-20s | %9s | %22s | %13s |\n' tool "mean s" "time / ours (>1 slower)" "peak RSS MiB"
printf '|%s|%s|%s|%s|\n' ---------------------- ----------- ------------------------ ---------------
for t in "${tools[@]}"; do
  mean=$(echo "${total_s[$t]} / $ROUNDS" | bc -l)
  printf '| %-20s | %9.2f | %22.2f | %13d |\n' "$t" "$mean" "$(echo "$mean / $ours" | bc -l)" $((peak_kb[$t] / 1024))
done
