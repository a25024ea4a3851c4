#!/usr/bin/env bash
# Installs the npm packages the tests start, pinned by their package-lock.json files, when they are
# missing: the servers here (Google's Cloud Storage emulator, Azurite) and the Hugging Face JS
# client in it-tests/src/test/js. Maven runs it before the tests of the modules that need them; on
# a machine without npm it installs nothing and those tests are skipped, each saying why.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$top/test-servers" "$top/it-tests/src/test/js"; do
  [ -f "$dir/package-lock.json" ] || continue
  # A stamp of the lock file the folder was installed from: equal, the folder is up to date.
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$dir/node_modules/.installed-from" 2>/dev/null)" = "$want" ]; then
    continue
  fi
  if ! command -v npm >/dev/null; then
    echo "npm is missing: the tests that need $dir/node_modules will be skipped" >&2
    continue
  fi
  echo "installing the npm packages of $dir"
  if npm ci --prefix "$dir" --no-audit --no-fund >/dev/null 2>&1; then
    echo "$want" > "$dir/node_modules/.installed-from"
  else
    echo "could not install the npm packages of $dir: the tests that need them will be skipped" >&2
  fi
done
exit 0
