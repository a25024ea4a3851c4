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
