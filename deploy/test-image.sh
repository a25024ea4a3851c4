#!/usr/bin/env bash
# Builds the image for two plugin sets (deploy/build-image.sh) and runs each as KServe runs it: UID
# 1000, no writable HOME, a read-only root file system with no tmpfs, DEST a volume at /mnt/models,
# a 1 Gi memory limit (--memory where the cgroups allow it, else -XX:MaxRAM=1g), against a real S3
# server (S3Proxy) and a real HTTP server (nginx) on this machine's loopback (--network host). It
# checks the trees, the exit codes of failing cases, that --list-plugins shows exactly the set, that
# the container's file system holds no change outside /mnt/models, the labels, the SBOM and the
# shell-free entry point, and prints each image's size.
#
#   deploy/test-image.sh       (root; needs podman, buildah, runc, debootstrap: installed when missing)
#
# Where podman cannot run a container here (no user namespaces, no overlay), it says so and skips.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${IMAGE_WORK:-$top/deploy/work}
mkdir -p "$work"
store=(--storage-driver overlay)
run_opts=(--runtime runc --cgroup-manager cgroupfs --network host --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
fail() { echo "FAILED: $*"; exit 1; }
checks=0
ok() { checks=$((checks + 1)); echo "  ok: $*"; }

if [ "$(id -u)" != 0 ]; then echo "SKIPPED: the image test needs root (podman, debootstrap)"; exit 0; fi
# The base first: it is also what tells whether containers run here at all.
bash "$top/deploy/build-image.sh" http localhost/storage-initializer:test-http > "$work/build-http.log" 2>&1 ||
  { cat "$work/build-http.log"; fail "building the http image"; }
if ! podman "${store[@]}" run "${run_opts[@]}" --rm localhost/storage-initializer-base:jre17 true 2>"$work/podman.err"; then
  echo "SKIPPED: podman cannot run a container on this machine: $(head -3 "$work/podman.err")"
  exit 0
fi
bash "$top/deploy/build-image.sh" s3,http,pvc localhost/storage-initializer:test-s3 > "$work/build-s3.log" 2>&1 ||
  { cat "$work/build-s3.log"; fail "building the s3,http,pvc image"; }

. "$top/bench/lib.sh"
start_s3 "$work" "$top"
s3_pid=$S3_PID
www="$work/www"
rm -rf "$www"; mkdir -p "$www/models"
port=${IMAGE_TEST_HTTP_PORT:-18941}
trap 'kill $s3_pid 2>/dev/null || true; "$NGINX" -c "$NGINX_CONF" -s stop 2>/dev/null || true' EXIT
start_nginx "$work" "$www" "$port"
trap 'kill $s3_pid 2>/dev/null || true; "$NGINX" -c "$NGINX_CONF" -s stop 2>/dev/null || true' EXIT

# The model: in the S3 store (S3Proxy's folder is its bucket) and on the HTTP server.
src="$work/model"
rm -rf "$src"; mkdir -p "$src/tokenizer"
head -c $((3 << 20)) /dev/urandom > "$src/model.safetensors.part"
safetensors_shard "$src/model.safetensors" $((3 << 20))
rm -f "$src/model.safetensors.part"
echo '{"model_type": "test"}' > "$src/config.json"
head -c 4000 /dev/urandom > "$src/tokenizer/vocab.bin"
mkdir -p "$work/store/models"
cp -r "$src" "$work/store/models/m"
cp "$src/model.safetensors" "$www/models/model.safetensors"

memory=(--memory 1g)
if ! podman "${store[@]}" run "${run_opts[@]}" --rm "${memory[@]}" localhost/storage-initializer-base:jre17 true 2>/dev/null; then
  echo "  (no memory cgroup here: the JVM is told the limit with -XX:MaxRAM=1g)"
  memory=(-e JDK_JAVA_OPTIONS=-XX:MaxRAM=1g)
fi

# kserve_run IMAGE DEST ARGS...: as KServe's initContainer; prints the output, returns the exit code,
# and fails the test if the container's own file system changed.
kserve_run() {
  local image=$1 dest=$2 name="si-test-$$-$RANDOM" code=0
  shift 2
  [ -n "${KEEP_DEST:-}" ] || rm -rf "$dest"
  mkdir -p "$dest"; chown -R 1000:1000 "$dest"
  podman "${store[@]}" create "${run_opts[@]}" --name "$name" --user 1000:1000 --read-only --read-only-tmpfs=false \
    -e HOME=/nonexistent "${memory[@]}" -e AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
    -e AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" -e AWS_ENDPOINT_URL="$endpoint" -e AWS_DEFAULT_REGION=us-east-1 \
    -v "$dest:/mnt/models:rw" "$image" "$@" > /dev/null
  podman "${store[@]}" start --attach "$name" > "$work/run.out" 2>&1 || code=$?
  local changed
  # podman's own mount points show as changed folders (/etc for hosts and resolv.conf, /mnt for the
  # volume); anything else, a file added, changed or deleted, is a write outside /mnt/models.
  changed=$(podman "${store[@]}" diff "$name" | grep -v -e '^[ACD] /mnt/models' -e '^C /etc$' -e '^C /mnt$' || true)
  podman "${store[@]}" rm -f "$name" > /dev/null
  [ -z "$changed" ] || fail "the container wrote outside /mnt/models: $changed"
  return $code
}

tree_of() { (cd "$1" && find . -type f | sort | xargs md5sum); }

for set in http s3; do
  image=localhost/storage-initializer:test-$set
  echo "image $image"
  want=$( [ $set = http ] && echo http || printf 'http\npvc\ns3' )
  got=$(podman "${store[@]}" run "${run_opts[@]}" --rm --read-only "$image" --list-plugins | awk '$1 == "provider" {print $2}' | sort)
  [ "$got" = "$want" ] || fail "--list-plugins shows '$got', expected '$want'"
  ok "--list-plugins shows exactly: $(echo $want)"
  entry=$(podman "${store[@]}" image inspect --format '{{json .Config.Entrypoint}}' "$image")
  [ "$entry" = '["java","@/opt/storage-initializer/lib/jvm.args"]' ] || fail "entry point $entry"
  ok "entry point $entry: no shell"
  user=$(podman "${store[@]}" image inspect --format '{{.Config.User}}' "$image")
  [ "$user" = "1000:1000" ] || fail "user $user"
  ok "runs as $user"
  for label in org.opencontainers.image.licenses org.opencontainers.image.version org.opencontainers.image.title; do
    v=$(podman "${store[@]}" image inspect --format "{{index .Labels \"$label\"}}" "$image")
    [ -n "$v" ] || fail "no label $label"
  done
  ok "OCI labels (licenses, version, title)"
  jars=$(podman "${store[@]}" run "${run_opts[@]}" --rm --read-only --entrypoint /usr/bin/find "$image" \
    /opt/storage-initializer -name '*.jar' | wc -l)
  listed=$(podman "${store[@]}" run "${run_opts[@]}" --rm --read-only --entrypoint /usr/bin/grep "$image" \
    -c '"type": "library"' /opt/storage-initializer/sbom.cdx.json)
  [ "$jars" -gt 0 ] && [ "$jars" = "$listed" ] || fail "the SBOM lists $listed components for $jars jars"
  ok "the SBOM lists each of the $jars jars"

  kserve_run "$image" "$work/dest" "http://127.0.0.1:$port/models/model.safetensors" /mnt/models ||
    { cat "$work/run.out"; fail "http download"; }
  cmp -s "$src/model.safetensors" "$work/dest/model.safetensors" || fail "http: the file differs"
  ok "http:// as KServe runs it: the file, nothing written outside /mnt/models"
  code=0; kserve_run "$image" "$work/dest" "http://127.0.0.1:$port/models/missing.bin" /mnt/models || code=$?
  [ $code = 4 ] || { cat "$work/run.out"; fail "a missing file exited $code, not 4"; }
  ok "a missing file: exit 4"
  if [ $set = s3 ]; then
    kserve_run "$image" "$work/dest" s3://models/m /mnt/models || { cat "$work/run.out"; fail "s3 download"; }
    [ "$(tree_of "$src")" = "$(tree_of "$work/dest")" ] || fail "s3: the tree differs"
    ok "s3:// prefix: the whole tree, byte-identical"
    # KServe's LocalModelCache agent runs the Job again into the folder it already filled.
    KEEP_DEST=1 kserve_run "$image" "$work/dest" s3://models/m /mnt/models || { cat "$work/run.out"; fail "re-run"; }
    grep -q ' 3 reused' "$work/run.out" || { cat "$work/run.out"; fail "a re-run fetched files again"; }
    ok "a re-run into the same folder keeps the 3 files in place"
    sleep 1
    echo '{"model_type": "test", "revision": 2}' > "$src/config.json"
    cp "$src/config.json" "$work/store/models/m/config.json"
    KEEP_DEST=1 kserve_run "$image" "$work/dest" s3://models/m /mnt/models || { cat "$work/run.out"; fail "re-run"; }
    grep -q ' 2 reused' "$work/run.out" || { cat "$work/run.out"; fail "the re-run after a change"; }
    [ "$(tree_of "$src")" = "$(tree_of "$work/dest")" ] || fail "s3: the changed file was not replaced"
    ok "a re-run after the store changed one file replaces that file and keeps the others"
    code=0
    AWS_SECRET_ACCESS_KEY=wrong kserve_run "$image" "$work/dest" s3://models/m /mnt/models || code=$?
    [ $code = 3 ] || { cat "$work/run.out"; fail "a wrong secret exited $code, not 3"; }
    ! grep -q wrong "$work/run.out" || fail "the secret reached the output"
    ok "a wrong secret: exit 3, the secret not in the output"
  else
    code=0; kserve_run "$image" "$work/dest" s3://models/m /mnt/models || code=$?
    [ $code = 2 ] || { cat "$work/run.out"; fail "s3:// without its plugin exited $code, not 2"; }
    ok "s3:// without the s3 plugin: exit 2"
  fi
  size=$(podman "${store[@]}" image inspect --format '{{.Size}}' "$image")
  base_size=$(podman "${store[@]}" image inspect --format '{{.Size}}' localhost/storage-initializer-base:jre17)
  echo "  size: $((size / 1048576)) MiB ($(((size - base_size) / 1048576)) MiB over the JRE base of $((base_size / 1048576)) MiB)"
done
# The two build paths give one image: the Dockerfile's final stage and the Containerfile agree.
diff <(sed -n '/^ARG VERSION/,$p' "$top/deploy/Dockerfile" | grep -v '^COPY') \
  <(sed -n '/^ARG VERSION/,$p' "$top/deploy/Containerfile" | grep -v '^COPY') > /dev/null ||
  fail "deploy/Dockerfile's final stage and deploy/Containerfile differ"
ok "deploy/Dockerfile's final stage and deploy/Containerfile agree"
echo "images: $checks passed, 0 failed"
