#!/usr/bin/env bash
# Runs each fuzz target (the same ones the build fuzzes for 10 s each) for longer, with Jazzer's
# command line, keeping a corpus per target under bench/work/fuzz/, and prints the executions and
# coverage each reached.
#
#   bench/fuzz-long.sh [SECONDS_PER_TARGET=600] [TARGET_NAME_FILTER]
#
# Needs the build's test classes: run ./mvnw -B install -DskipTests first (or the full build).
# A finding stops that target with Jazzer's report and a crash file in bench/work/fuzz/<target>/.
set -euo pipefail
SECONDS_PER=${1:-600}
FILTER=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work="$here/work/fuzz"
mkdir -p "$work"

targets=(
  storage-kit:io.storageinit.kit.Http1ResponseFuzz
  storage-kit:io.storageinit.kit.XmlReaderFuzz
  storage-kit:io.storageinit.kit.JsonReaderFuzz
  storage-kit:io.storageinit.kit.ContentRangeFuzz
  storage-s3:io.storageinit.s3.S3ListingFuzz
  storage-validators:io.storageinit.validators.SafetensorsFuzz
  initializer-runtime:io.storageinit.runtime.ArchiveEntriesFuzz
)
declare -A cp
summary=()
for t in "${targets[@]}"; do
  module=${t%%:*}
  class=${t#*:}
  name=${class##*.}
  [ -z "$FILTER" ] || [[ $name == *$FILTER* ]] || continue
  if [ -z "${cp[$module]:-}" ]; then
    (cd "$top" && ./mvnw -q -B -o -pl "$module" dependency:build-classpath \
      -Dmdep.includeScope=test -Dmdep.outputFile="$work/$module.cp" >/dev/null)
    cp[$module]="$top/$module/target/test-classes:$top/$module/target/classes:$(cat "$work/$module.cp")"
  fi
  mkdir -p "$work/$name/corpus"
  echo "== $name: $SECONDS_PER s"
  (cd "$work/$name" && java -Xmx512m -cp "${cp[$module]}" com.code_intelligence.jazzer.Jazzer \
    --target_class="$class" --instrumentation_includes='io.storageinit.**' \
    -max_total_time="$SECONDS_PER" -print_final_stats=1 corpus 2>&1) | tee "$work/$name.log" |
    grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)|^Done|== Java Exception|FuzzerSecurityIssue' || true
  runs=$(grep -E '^stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}' || true)
  cov=$(grep -E 'cov: [0-9]+' "$work/$name.log" | tail -1 |
    sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*/\1 edges, \2 features/' || true)
  found=$(grep -cE '== Java Exception|FuzzerSecurityIssue' "$work/$name.log" || true)
  summary+=("$(printf '| %-22s | %12s | %-26s | %s |' "$name" "${runs:-?}" "${cov:-?}" "$found")")
done
echo
printf '| %-22s | %12s | %-26s | %s |\n' target executions coverage findings
printf '|%s|%s|%s|%s|\n' ------------------------ -------------- ---------------------------- ----------
printf '%s\n' "${summary[@]}"
