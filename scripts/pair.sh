# Sourced by bench.sh and profile.sh (from the repository's top folder):
# builds this server into a temporary folder and starts it beside
# redis-server on free loopback ports with the same settings. With
# CALIBRATE=1 a second redis-server stands in for this server. Both are
# stopped and the folder removed when the script exits.

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    # Below Linux's ephemeral range (32768 and up), which the idle
    # connections of the memory table fill.
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
}

wait_up() {
  for _ in $(seq 1 100); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

go build -o "$work/goredis" .

# start_pair SUBDIR ARGS... starts both servers in $work/SUBDIR with ARGS
# and sets $ours and $theirs to their ports.
start_pair() {
  local d="$work/$1"
  shift
  mkdir -p "$d"
  ours=$(free_port)
  theirs=$(free_port)
  while [ "$theirs" = "$ours" ]; do theirs=$(free_port); done
  if [ "$CALIBRATE" = 1 ]; then
    (cd "$d" && exec redis-server --port "$ours" --bind 127.0.0.1 --save '' --loglevel warning "$@" >"$d/ours.log" 2>&1) &
  else
    (cd "$d" && exec "$work/goredis" --port "$ours" --bind 127.0.0.1 --loglevel warning "$@" >"$d/ours.log" 2>&1) &
  fi
  ours_pid=$!
  pids+=($!)
  (cd "$d" && exec redis-server --port "$theirs" --bind 127.0.0.1 --save '' --loglevel warning "$@" >"$d/redis.log" 2>&1) &
  theirs_pid=$!
  pids+=($!)
  wait_up "$ours"
  wait_up "$theirs"
}

stop_pair() {
  redis-cli -p "$ours" shutdown nosave >/dev/null 2>&1 || true
  redis-cli -p "$theirs" shutdown nosave >/dev/null 2>&1 || true
}

# cpu_us PID -> "user system" CPU time of PID so far, in µs
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d %d\n", $14 * 1e6 / hz, $15 * 1e6 / hz }' "/proc/$1/stat"; }
