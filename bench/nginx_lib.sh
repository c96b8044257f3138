# nginx_lib.sh - the private nginx the benchmarks run in front of the verifier:
# its configuration under a work folder, everything (pid, logs, temporary
# files) kept inside it. Source it; for bench/ only.

# nginx_write_conf DIR CONNECTIONS [WORKERS]: writes DIR/nginx.conf, WORKERS
# (default 2) workers of CONNECTIONS connections each, with the http block's own
# lines read from stdin.
nginx_write_conf() {
  local dir=$1 conns=$2 workers=${3:-2}
  {
    cat <<EOF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections $conns; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
EOF
    cat
    echo "}"
  } > "$dir/nginx.conf"
}
