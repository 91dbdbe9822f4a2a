#!/usr/bin/env bash
# A cluster on loopback (docs/scale-out.md): N nats-servers as one JetStream
# cluster, N attnrec nodes and HAProxy in front of them.
#
#   scripts/cluster.sh up N DIR           start all; prints "cluster ready at http://HOST:PORT"
#                                         once every node serves
#   scripts/cluster.sh start nats-K DIR   (re)start one nats-server, K from 1
#   scripts/cluster.sh start node-K DIR   (re)start one attnrec node on its data directory
#   scripts/cluster.sh train DIR [ARGS]   train for the cluster and publish to every node:
#                                         attnrec train --data-dir DIR/trainer --nats ... ARGS
#   scripts/cluster.sh down DIR           stop all (SIGTERM, then SIGKILL after 10 s)
#
# DIR keeps each process's configuration, data, log (K.log) and pid file
# (nats-K.pid, node-K.pid, haproxy.pid). Ports: HAProxy PORT_BASE, node K
# PORT_BASE+K, nats-server K clients PORT_BASE+100+K, routes
# PORT_BASE+200+K, monitoring PORT_BASE+300+K.
# Environment: PORT_BASE (default 18000), ATTNREC_BIN (default
# build/attnrec), SHARDS (default 16), and NODE_ARGS, extra flags for
# every node's `attnrec serve`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
base="${PORT_BASE:-18000}"
shards="${SHARDS:-16}"

usage() {
  sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need() {
  command -v "$1" >/dev/null || { echo "cluster.sh: $1 is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
}

# Waits until `curl URL` answers 200, at most $2 seconds, and no longer
# than the process of pid file $3 (when given) runs.
wait_http() {
  local url="$1" limit="$2" pidfile="${3:-}" i
  for ((i = 0; i < limit * 10; i++)); do
    if curl -sf -o /dev/null "$url"; then return 0; fi
    if [ -n "$pidfile" ] && ! alive "$pidfile"; then
      echo "cluster.sh: the process of $pidfile exited before $url answered" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "cluster.sh: $url did not answer 200 within ${limit} s" >&2
  return 1
}

# The process of a pid file runs (a zombie, killed but not yet reaped by
# its parent, does not).
running() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"  # after the command's name: the state letter first
  [[ "${stat:0:1}" != Z ]]
}
alive() { [ -f "$1" ] && running "$(cat "$1")"; }

write_nats_conf() {  # K N DIR
  local k="$1" n="$2" dir="$3" routes="" j
  for ((j = 1; j <= n; j++)); do
    routes+="${routes:+, }nats-route://127.0.0.1:$((base + 200 + j))"
  done
  mkdir -p "$dir/nats-$k"
  {
    echo "server_name: nats-$k"
    echo "listen: 127.0.0.1:$((base + 100 + k))"
    echo "http: 127.0.0.1:$((base + 300 + k))"
    echo "jetstream { store_dir: \"$dir/nats-$k\" }"
    if ((n > 1)); then
      echo "cluster { name: attnrec, listen: 127.0.0.1:$((base + 200 + k)), routes: [ $routes ] }"
    fi
  } >"$dir/nats-$k.conf"
}

write_node_cmd() {  # K N DIR
  local k="$1" n="$2" dir="$3" urls="" nodes="" j
  # Each node lists its own server first, so the nodes' connections spread.
  for ((j = 0; j < n; j++)); do
    local m=$(((k - 1 + j) % n + 1))
    urls+="${urls:+,}nats://127.0.0.1:$((base + 100 + m))"
  done
  for ((j = 1; j <= n; j++)); do nodes+="${nodes:+,}node-$j"; done
  echo "$bin serve --data-dir $dir/node-$k --listen 127.0.0.1:$((base + k)) --nats $urls" \
       "--nodes $nodes --node node-$k --shards $shards --log-format text ${NODE_ARGS:-}" >"$dir/node-$k.cmd"
}

# HAProxy: /v1/users/{user}/... and ?user= to the backend of the user's
# shard (its owner, with the next node as backup); everything else round
# robin. A user named in a POST body (rank, recommendations by body, search
# by body) reaches any node, which reads its own view (docs/scale-out.md).
write_haproxy_cfg() {  # N DIR
  local n="$1" dir="$2" s j
  {
    cat <<EOF
global
  pidfile $dir/haproxy.pid
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout queue 5s
  # A request is sent again to another server only when the connection was
  # refused (it never reached a node), which is safe for every method.
  retries 3
  retry-on conn-failure
  option redispatch
  default-server inter 300ms fall 2 rise 2
frontend api
  bind 127.0.0.1:$base
  acl user_path path_beg /v1/users/
  use_backend shard_%[path,field(4,/),url_dec,xxh32,mod($shards)] if user_path
  # GET /v1/search?user=...: the query's form decoding (+ is a space).
  acl user_param url_param(user) -m found
  use_backend shard_%[url_param(user),url_dec(1),xxh32,mod($shards)] if !user_path user_param
  default_backend any
backend any
  balance roundrobin
  option httpchk GET /readyz
EOF
    for ((j = 1; j <= n; j++)); do echo "  server node-$j 127.0.0.1:$((base + j)) check"; done
    for ((s = 0; s < shards; s++)); do
      local owner=$((s % n + 1)) standby=$(((s % n + 1) % n + 1))
      echo "backend shard_$s"
      echo "  option httpchk GET /readyz"
      echo "  server node-$owner 127.0.0.1:$((base + owner)) check"
      if ((n > 1)); then echo "  server node-$standby 127.0.0.1:$((base + standby)) check backup"; fi
    done
  } >"$dir/haproxy.cfg"
}

start_nats() {  # K DIR
  local k="$1" dir="$2"
  alive "$dir/nats-$k.pid" && { echo "cluster.sh: nats-$k is running" >&2; return 0; }
  nats-server -c "$dir/nats-$k.conf" >>"$dir/nats-$k.log" 2>&1 &
  echo $! >"$dir/nats-$k.pid"
}

start_node() {  # K DIR
  local k="$1" dir="$2"
  alive "$dir/node-$k.pid" && { echo "cluster.sh: node-$k is running" >&2; return 0; }
  # shellcheck disable=SC2046  # the command line is words on purpose
  $(cat "$dir/node-$k.cmd") >>"$dir/node-$k.log" 2>&1 </dev/null &
  echo $! >"$dir/node-$k.pid"
}

cmd="${1:-}"
case "$cmd" in
  up)
    [ $# -eq 3 ] || usage
    n="$2"; dir="$3"
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "cluster.sh: N must be a positive number" >&2; exit 2; }
    ((n <= shards)) || { echo "cluster.sh: N must be at most SHARDS ($shards)" >&2; exit 2; }
    need nats-server; need haproxy; need curl
    [ -x "$bin" ] || { echo "cluster.sh: no attnrec at $bin (scripts/build.sh builds it)" >&2; exit 1; }
    # A port already taken (a cluster left running) would make the new
    # processes fail or, worse, talk to the old ones.
    for ((k = 0; k <= n; k++)); do
      for port in $((base + k)) $((base + 100 + k)) $((base + 200 + k)) $((base + 300 + k)); do
        if ((k == 0 && port != base)); then continue; fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
          echo "cluster.sh: port $port is in use (another cluster? cluster.sh down DIR, or set PORT_BASE)" >&2
          exit 1
        fi
      done
    done
    mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
    echo "$n" >"$dir/size"
    for ((k = 1; k <= n; k++)); do write_nats_conf "$k" "$n" "$dir"; start_nats "$k" "$dir"; done
    # JetStream answers once the servers have elected a meta leader.
    for ((k = 1; k <= n; k++)); do wait_http "http://127.0.0.1:$((base + 300 + k))/healthz" 30; done
    for ((k = 1; k <= n; k++)); do write_node_cmd "$k" "$n" "$dir"; start_node "$k" "$dir"; done
    for ((k = 1; k <= n; k++)); do
      wait_http "http://127.0.0.1:$((base + k))/readyz" 90 "$dir/node-$k.pid" ||
        { grep -v 'info request ' "$dir/node-$k.log" | tail -20 >&2; exit 1; }
    done
    write_haproxy_cfg "$n" "$dir"
    haproxy -D -f "$dir/haproxy.cfg" >>"$dir/haproxy.log" 2>&1
    wait_http "http://127.0.0.1:$base/healthz" 10
    echo "cluster ready at http://127.0.0.1:$base"
    ;;
  start)
    [ $# -eq 3 ] || usage
    what="$2"; dir="$(cd "$3" && pwd)"
    [[ "$what" =~ ^(nats|node)-([1-9][0-9]*)$ ]] || usage
    kind="${BASH_REMATCH[1]}"; k="${BASH_REMATCH[2]}"
    if [ "$kind" = nats ]; then conf="$dir/$what.conf"; else conf="$dir/$what.cmd"; fi
    [ -f "$conf" ] || { echo "cluster.sh: $dir has no $what (run up first)" >&2; exit 1; }
    if [ "$kind" = nats ]; then
      start_nats "$k" "$dir"
      # The server answers; its streams and consumers catch up from the
      # others in the background (the full /healthz waits for all of them).
      wait_http "http://127.0.0.1:$((base + 300 + k))/healthz?js-server-only=true" 30
    else
      start_node "$k" "$dir"
      wait_http "http://127.0.0.1:$((base + k))/readyz" 120 "$dir/$what.pid" ||
        { grep -v 'info request ' "$dir/$what.log" | tail -20 >&2; exit 1; }
    fi
    echo "$what started"
    ;;
  train)
    [ $# -ge 2 ] || usage
    dir="$(cd "$2" && pwd)"; shift 2
    [ -f "$dir/size" ] || { echo "cluster.sh: $dir has no cluster (run up first)" >&2; exit 1; }
    n="$(cat "$dir/size")"; urls=""
    for ((k = 1; k <= n; k++)); do urls+="${urls:+,}nats://127.0.0.1:$((base + 100 + k))"; done
    # The trainer's view of every shard stays in DIR/trainer: the next run
    # replays only the events that came since.
    exec "$bin" train --data-dir "$dir/trainer" --nats "$urls" --shards "$shards" "$@"
    ;;
  down)
    [ $# -eq 2 ] || usage
    dir="$2"
    pids=()
    for f in "$dir"/node-*.pid "$dir"/haproxy.pid "$dir"/nats-*.pid; do
      [ -f "$f" ] || continue
      if alive "$f"; then kill -TERM "$(cat "$f")" 2>/dev/null || true; pids+=("$(cat "$f")"); fi
      rm -f "$f"
    done
    for ((i = 0; i < 100; i++)); do
      left=0
      for p in "${pids[@]}"; do running "$p" && left=1; done
      ((left == 0)) && break
      sleep 0.1
    done
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    echo "cluster down"
    ;;
  *) usage ;;
esac
