#!/usr/bin/env bash
# What Azure AD costs a run of the azure plugin: the same blobs (BLOB_MIB and a small file) from
# Azurite over https, with the account key (SharedKey, signed by the plugin) and with a client
# secret through Azure's identity library (azure-core, Reactor, MSAL, Jackson on the JDK's HTTP
# client) against a local token endpoint; wall time and peak RSS, interleaved.
#
#   bench/azure-ad-bench.sh [BLOB_MIB=64] [ROUNDS=5]
set -euo pipefail
BLOB_MIB=${1:-64}
ROUNDS=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/azure-ad"
dist="$top/initializer-runtime/target/storage-initializer"
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
[ -d "$top/test-servers/node_modules/azurite" ] || npm ci --prefix "$top/test-servers" --no-audit --no-fund >/dev/null
. "$here/lib.sh"
ensure_dist "$top"
rm -rf "$work"; mkdir -p "$work"
[ -f "$top/it-tests/target/test-classes/io/storageinit/it/AzureAdBenchServers.class" ] ||
  (cd "$top" && ./mvnw -q -B -pl it-tests test-compile)
(cd "$top" && ./mvnw -q -B -pl it-tests dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null)
# The servers serve until their standard input closes: a FIFO this script holds open.
mkfifo "$work/stdin"
(cd "$top/it-tests" && exec java -cp "target/test-classes:$(cat "$work/cp.txt")" \
  io.storageinit.it.AzureAdBenchServers "$work" "$BLOB_MIB" < "$work/stdin" > "$work/servers.log" 2>&1) &
SERVERS=$!
exec 3> "$work/stdin"
trap 'exec 3>&-; wait $SERVERS 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -f "$work/ready" ] && break; sleep 0.1; done
[ -f "$work/ready" ] || { cat "$work/servers.log"; exit 1; }
"$dist/bin/storage-initializer-train" "$work/cds.jsa" >/dev/null
declare -A total peak
for r in $(seq 0 "$ROUNDS"); do
  for how in key ad; do
    out="$work/out-$how"; rm -rf "$out"
    env -i PATH="$PATH" HOME="$work" STORAGE_JVM_CACHE="$work/cds.jsa" $(cat "$work/$how.env") \
      /usr/bin/time -f "%e %M" -o "$work/time.txt" "$dist/bin/storage-initializer" \
      "https://devstoreaccount1.blob.core.windows.net/bench/m" "$out" > "$work/$how.log" 2>&1 ||
      { cat "$work/$how.log"; exit 1; }
    read -r secs kb < "$work/time.txt"
    [ "$r" -eq 0 ] && continue # untimed: the servers' first requests
    total[$how]=$(echo "${total[$how]:-0} + $secs" | bc -l)
    [ "${peak[$how]:-0}" -ge "$kb" ] || peak[$how]=$kb
    printf '  round %d %-4s %6.2fs %5d MiB\n' "$r" "$how" "$secs" $((kb / 1024))
  done
done
echo
echo "$BLOB_MIB MiB blob + a small file from Azurite over https, mean of $ROUNDS interleaved rounds"
printf '| credentials | mean s | peak RSS MiB |\n|---|---|---|\n'
printf '| account key (SharedKey) | %.2f | %d |\n' "$(echo "${total[key]} / $ROUNDS" | bc -l)" $((peak[key] / 1024))
printf '| Azure AD client secret (azure-identity) | %.2f | %d |\n' "$(echo "${total[ad]} / $ROUNDS" | bc -l)" $((peak[ad] / 1024))
