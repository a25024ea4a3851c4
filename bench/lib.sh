# Shared by the bench scripts: nginx on loopback over a folder, stopped when the script exits.
# start_nginx WORK_DIR ROOT PORT [CERT KEY]   (with CERT and KEY: HTTPS)
start_nginx() {
  local work=$1 root=$2 port=$3 listen="127.0.0.1:$3" tls=""
  if [ $# -ge 5 ]; then
    listen="127.0.0.1:$port ssl"
    tls="ssl_certificate $4; ssl_certificate_key $5;"
  fi
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server {
    listen $listen;
    $tls
    root $root;
  }
}
CONF
  "$NGINX" -c "$work/nginx/nginx.conf"
  NGINX_CONF="$work/nginx/nginx.conf"
  trap '"$NGINX" -c "$NGINX_CONF" -s stop 2>/dev/null || true' EXIT
}

# start_s3 WORK TOP: the test S3 server (S3Proxy over WORK/store, in its own JVM) on loopback,
# stopped when the script exits; sets endpoint and S3_PID, and exports the AWS CLI's and rclone's
# settings for it (remote "bench").
start_s3() {
  local work=$1 top=$2
  [ -f "$top/storage-s3/target/test-classes/io/storageinit/s3/TestS3ServerMain.class" ] ||
    (cd "$top" && ./mvnw -q -B -pl storage-s3 -am test-compile)
  (cd "$top" && ./mvnw -q -B -pl storage-s3 dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null)
  rm -rf "$work/store"; mkdir -p "$work/store"
  rm -f "$work/port"
  java -cp "$top/storage-s3/target/test-classes:$top/storage-s3/target/classes:$(cat "$work/cp.txt")" \
    io.storageinit.s3.TestS3ServerMain "$work/store" "$work/port" < /dev/null > "$work/server.log" 2>&1 &
  S3_PID=$!
  for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  endpoint="http://127.0.0.1:$(cat "$work/port")"
  export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
  export AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL=$endpoint
  # S3Proxy refuses the CRC32 headers newer AWS CLIs add by default.
  export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
  export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$endpoint \
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
  unset AWS_CA_BUNDLE
}

# ensure_dist TOP: builds the distribution when it is missing.
ensure_dist() {
  [ -x "$1/initializer-runtime/target/storage-initializer/bin/storage-initializer" ] ||
    (cd "$1" && ./mvnw -q -B -pl initializer-runtime -am package -DskipTests)
}

# safetensors_shard FILE BYTES: a valid safetensors file of exactly BYTES bytes (one U8 tensor of
# random data), so the runtime's validators accept it as they would a real shard.
safetensors_shard() {
  python3 - "$1" "$2" <<'PY'
import json, os, struct, sys
path, total = sys.argv[1], int(sys.argv[2])
header = b""
for _ in range(3):  # the header's size depends on the tensor's, which depends on the header's
    n = total - 8 - len(header)
    header = json.dumps({"w": {"dtype": "U8", "shape": [n], "data_offsets": [0, n]}}).encode()
    header += b" " * (-len(header) % 8)
n = total - 8 - len(header)
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header)
    left = n
    while left:
        chunk = min(left, 1 << 24)
        f.write(os.urandom(chunk))
        left -= chunk
PY
}

# make_tls_pair DIR: a CA (DIR/ca.pem) and a server certificate for 127.0.0.1 signed by it
# (DIR/server.pem, DIR/server.key), made with openssl.
make_tls_pair() {
  local d=$1
  [ -f "$d/server.pem" ] && return
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=bench-ca \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' > "$d/san.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null
}
