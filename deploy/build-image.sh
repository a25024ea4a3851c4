#!/usr/bin/env bash
# Builds the storage-initializer image for a plugin set with no Docker daemon and no registry
# (podman and buildah, as root):
#
#   deploy/build-image.sh PLUGINS TAG      e.g. deploy/build-image.sh s3,http localhost/storage-initializer:s3-http
#
# 1. a JRE base made here, once: Debian bookworm with openjdk-17-jre-headless by debootstrap, from
#    the Debian mirror this machine's apt uses, imported as localhost/storage-initializer-base:jre17;
# 2. the distribution with PLUGINS ("all" or a comma list), and an SBOM of its jars (deploy/Sbom.java);
# 3. the image, from deploy/Containerfile, whose lines after FROM are the Dockerfile's final stage.
# Installs podman, buildah, runc and debootstrap from Debian when missing. IMAGE_WORK (default
# deploy/work) holds the base's root file system and the build context.
set -euo pipefail
PLUGINS=${1:?plugins: all, or a comma list such as s3,http}
TAG=${2:?an image tag, such as localhost/storage-initializer:s3-http}
top=$(cd "$(dirname "$0")/.." && pwd)
work=${IMAGE_WORK:-$top/deploy/work}
base=localhost/storage-initializer-base:jre17
store=(--storage-driver overlay)
mkdir -p "$work"

command -v podman >/dev/null && command -v buildah >/dev/null && command -v runc >/dev/null &&
  command -v debootstrap >/dev/null ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc debootstrap >/dev/null; }

if ! podman "${store[@]}" image exists "$base"; then
  mirror=$(awk '$1 == "URIs:" {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  echo "making the JRE base with debootstrap (once)"
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
  podman "${store[@]}" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$work/rootfs.tar" "$base" >/dev/null
  rm -rf "$work/rootfs" "$work/rootfs.tar"
fi

echo "building the distribution with plugins: $PLUGINS"
(cd "$top" && ./mvnw -B -q -pl initializer-runtime -am package -DskipTests -Dplugins="$PLUGINS" -Dspotless.check.skip=true)
ctx="$work/context"
rm -rf "$ctx"; mkdir -p "$ctx"
cp -r "$top/initializer-runtime/target/storage-initializer" "$ctx/storage-initializer"
java "$top/deploy/Sbom.java" "$ctx/storage-initializer" "$ctx/storage-initializer/sbom.cdx.json" >/dev/null
version=$(cd "$top" && ./mvnw -B -q help:evaluate -Dexpression=project.version -DforceStdout 2>/dev/null || echo dev)
source=$(git -C "$top" remote get-url origin 2>/dev/null || true)
case $source in http*) ;; *) source="" ;; esac
buildah "${store[@]}" bud --isolation chroot -q -f "$top/deploy/Containerfile" \
  --build-arg BASE="$base" --build-arg VERSION="$version" --build-arg SOURCE="$source" -t "$TAG" "$ctx" >/dev/null
echo "built $TAG: $(podman "${store[@]}" image inspect --format '{{.Size}}' "$TAG") bytes"
