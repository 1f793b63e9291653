#!/usr/bin/env bash
# Side-by-side throughput benchmark: this server and redis-server on free
# loopback ports with the same settings, redis-benchmark against each in the
# same run, best rps and best p99 of ROUNDS rounds (each from the round
# that had it), printed as a table of ratios.
#
#   scripts/bench.sh                 # defaults below
#   TESTS=set,get N=200000 scripts/bench.sh
#
# Environment: TESTS (redis-benchmark -t list), N (requests per run at
# -P 1), NP (requests per pipelined run: 200k of them last 0.4 s at
# 500k a second, too short for a steady p99),
# CLIENTS (-c), PIPELINES (space-separated -P values), SIZES (-d values),
# ROUNDS, EXTRA (extra server arguments for both servers), FSYNC (the
# appendfsync policies of the persistence table that follows the main one:
# SET with appendonly yes, -P 1 and -P 16, 3-byte values; empty to skip),
# MEMORY (the memory table: RSS empty, after DEBUG POPULATE of POPULATE
# keys, and per idle connection over IDLE connections; 0 to skip), CLIFF
# (the key counts of the latency table: GET and SET p99 at -P 1 with that
# many keys, against the first count; empty to skip), CPU (the -P values
# of the CPU table: each server's CPU time per request, user and system,
# over N requests of each test with 3-byte values; empty to skip),
# CALIBRATE (1: a
# second redis-server stands in for this server, so every ratio would be
# 1.00 on a quiet machine: their spread is the machine's noise).
set -euo pipefail
cd "$(dirname "$0")/.."

TESTS=${TESTS:-set,get,incr,lpush,lpop,sadd,hset,zadd,mset}
N=${N:-200000}
NP=${NP:-1000000}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
SIZES=${SIZES:-"3 1024"}
ROUNDS=${ROUNDS:-2}
EXTRA=${EXTRA:-}
FSYNC=${FSYNC-"everysec always"}
MEMORY=${MEMORY:-1}
CLIFF=${CLIFF-"1000 1000000 10000000"}
CALIBRATE=${CALIBRATE:-0}
CPU=${CPU-"1 16"}
POPULATE=${POPULATE:-1000000}
IDLE=${IDLE:-10000}

for t in redis-server redis-benchmark redis-cli go; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done

# shellcheck source=scripts/pair.sh
. scripts/pair.sh
go build -o "$work/idleconns" ./scripts/idleconns

# run PORT TEST P SIZE -> "rps p99" of one round on an emptied server
run() {
  local line
  redis-cli -p "$1" flushall >/dev/null
  local n=$N
  [ "$3" -gt 1 ] && n=$NP
  line=$(redis-benchmark -p "$1" -c "$CLIENTS" -n "$n" -r 100000 -P "$3" -d "$4" -t "$2" --csv 2>/dev/null | tail -n 1)
  echo "$(echo "$line" | cut -d, -f2 | tr -d '"') $(echo "$line" | cut -d, -f7 | tr -d '"')"
}

# better RPS BEST_RPS: true when RPS beats BEST_RPS
better() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a>b)}'; }

# lower P99 BEST_P99: true when P99 beats BEST_P99 (0: none yet)
lower() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a>0 && (b<=0 || a<b))}'; }

# table TESTS PIPELINES SIZES prints one row per combination: each
# server's best rps and best (lowest) p99 of ROUNDS rounds, each taken
# from whichever round had it. The rounds alternate between the servers
# (ours, redis, redis, ours, ...), so a slow spell of the machine falls
# on both.
table() {
  printf '%-8s %3s %6s %12s %12s %7s %9s %9s %7s\n' command P size ours_rps redis_rps ratio ours_p99 redis_p99 p99x
  local o_rps o_p99 r_rps r_p99 rps p99 i port
  for size in $3; do
    for p in $2; do
      for t in ${1//,/ }; do
        o_rps=0 o_p99=0 r_rps=0 r_p99=0
        for i in $(seq 1 "$ROUNDS"); do
          for port in $([ $((i % 2)) = 1 ] && echo "$ours $theirs" || echo "$theirs $ours"); do
            read -r rps p99 < <(run "$port" "$t" "$p" "$size")
            if [ "$port" = "$ours" ]; then
              better "$rps" "$o_rps" && o_rps=$rps
              lower "$p99" "$o_p99" && o_p99=$p99
            else
              better "$rps" "$r_rps" && r_rps=$rps
              lower "$p99" "$r_p99" && r_p99=$p99
            fi
          done
        done
        ratio=$(awk -v a="$o_rps" -v b="$r_rps" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')
        p99x=$(awk -v a="$o_p99" -v b="$r_p99" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')
        printf '%-8s %3s %6s %12s %12s %7s %9s %9s %7s\n' "$t" "$p" "$size" "$o_rps" "$r_rps" "$ratio" "$o_p99" "$r_p99" "$p99x"
      done
    done
  done
}

[ "$CALIBRATE" = 1 ] && echo "# CALIBRATE=1: the ours column is a second redis-server"
echo "# goredis vs redis-server $(redis-server --version | awk '{print $3}' | cut -d= -f2), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "# redis-benchmark -c $CLIENTS -n $N (-P 1) or $NP (-P > 1) -r 100000, best rps and best p99 of $ROUNDS"
start_pair plain --appendonly no $EXTRA
table "$TESTS" "$PIPELINES" "$SIZES"
stop_pair
for policy in $FSYNC; do
  echo "# appendonly yes, appendfsync $policy"
  start_pair "aof-$policy" --appendonly yes --appendfsync "$policy" $EXTRA
  table set "1 16" 3
  stop_pair
done

# populate PORT COUNT: DEBUG POPULATE COUNT into an empty db, checked (the
# servers must run with enable-debug-command, off by default in both).
populate() {
  local out keys
  redis-cli -p "$1" flushall >/dev/null
  out=$(redis-cli -p "$1" debug populate "$2")
  keys=$(redis-cli -p "$1" dbsize)
  if [ "$out" != OK ] || [ "$keys" != "$2" ]; then
    echo "DEBUG POPULATE $2 on port $1: $out, dbsize $keys" >&2
    exit 1
  fi
}

# rss PID -> resident set size in KiB
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# idle_cost PORT PID -> KiB of RSS per idle connection over $IDLE of them
idle_cost() {
  local before after fifo="$work/idle.$1"
  before=$(rss "$2")
  mkfifo "$fifo"
  "$work/idleconns" -addr "127.0.0.1:$1" -n "$IDLE" <"$fifo" >"$fifo.out" 2>&1 &
  local helper=$!
  exec 9>"$fifo"
  for _ in $(seq 1 600); do grep -q ready "$fifo.out" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  after=$(rss "$2")
  exec 9>&-
  wait "$helper" 2>/dev/null || true
  awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN{ printf "%.2f", (a-b)/n }'
}

if [ "$MEMORY" != 0 ]; then
  ulimit -n $((IDLE + 1024)) 2>/dev/null || true
  echo "# memory (RSS, MiB unless noted)"
  # DEBUG (for POPULATE) is off by default in both servers.
  start_pair mem --appendonly no --maxclients $((IDLE + 100)) --enable-debug-command local $EXTRA
  o_empty=$(rss "$ours_pid"); r_empty=$(rss "$theirs_pid")
  populate "$ours" "$POPULATE"
  populate "$theirs" "$POPULATE"
  sleep 1
  o_full=$(rss "$ours_pid"); r_full=$(rss "$theirs_pid")
  # The idle connections come after the dataset is measured: the memory
  # 10,000 closed connections leave free in either allocator (returned to
  # the system over the following seconds) is not the dataset's.
  o_idle=$(idle_cost "$ours" "$ours_pid"); r_idle=$(idle_cost "$theirs" "$theirs_pid")
  printf '%-28s %10s %10s %7s\n' measure ours redis ratio
  row() { awk -v name="$1" -v a="$2" -v b="$3" 'BEGIN{ printf "%-28s %10.1f %10.1f %7.2f\n", name, a/1024, b/1024, a/b }'; }
  row "rss empty" "$o_empty" "$r_empty"
  row "rss after populate $POPULATE" "$o_full" "$r_full"
  printf '%-28s %10s %10s %7s\n' "KiB per idle connection" "$o_idle" "$r_idle" "$(awk -v a="$o_idle" -v b="$r_idle" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')"
  stop_pair
fi

# cpu_per_request PORT PID TEST P -> "user system" µs per request
cpu_per_request() {
  local u0 s0 u1 s1
  redis-cli -p "$1" flushall >/dev/null
  read -r u0 s0 < <(cpu_us "$2")
  redis-benchmark -p "$1" -c "$CLIENTS" -n "$N" -r 100000 -P "$4" -t "$3" -q >/dev/null 2>&1
  read -r u1 s1 < <(cpu_us "$2")
  awk -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v n="$N" 'BEGIN{ printf "%.2f %.2f\n", u / n, s / n }'
}

if [ -n "$CPU" ]; then
  # Time on the CPU does not count waiting, so scheduling moves it less
  # than requests per second (the machine's speed still does); measured
  # at the clock tick's precision (10 ms over N requests).
  echo "# CPU time per request (µs, user and system), 3-byte values"
  start_pair cpu --appendonly no $EXTRA
  printf '%-8s %3s %9s %9s %9s %9s %7s\n' command P ours_usr ours_sys redis_usr redis_sys ratio
  for p in $CPU; do
    for t in ${TESTS//,/ }; do
      read -r ou os < <(cpu_per_request "$ours" "$ours_pid" "$t" "$p")
      read -r ru rs < <(cpu_per_request "$theirs" "$theirs_pid" "$t" "$p")
      awk -v t="$t" -v p="$p" -v ou="$ou" -v os="$os" -v ru="$ru" -v rs="$rs" \
        'BEGIN{ printf "%-8s %3s %9.2f %9.2f %9.2f %9.2f %7.2f\n", t, p, ou, os, ru, rs, (ru + rs > 0) ? (ou + os) / (ru + rs) : 0 }'
    done
  done
  stop_pair
fi

if [ -n "$CLIFF" ]; then
  echo "# latency as data grows: GET and SET at -P 1, best p99 (ms) of $ROUNDS against the first key count"
  start_pair cliff --appendonly no --enable-debug-command local $EXTRA
  printf '%-9s %10s %9s %9s %9s %9s\n' command keys ours_p99 x_first redis_p99 x_first
  for t in get set; do
    o_base=""; r_base=""
    for keys in $CLIFF; do
      # The dataset's size is what matters here (heap, GC): redis-benchmark
      # names its keys key:000000000042, so the GETs mostly miss these.
      populate "$ours" "$keys"
      populate "$theirs" "$keys"
      # The lowest p99 of ROUNDS rounds, alternating between the servers
      # as in the main table.
      o=0 r=0
      for i in $(seq 1 "$ROUNDS"); do
        for port in $([ $((i % 2)) = 1 ] && echo "$ours $theirs" || echo "$theirs $ours"); do
          p99=$(redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r "$keys" -P 1 -t "$t" --csv 2>/dev/null | tail -n 1 | cut -d, -f7 | tr -d '"')
          if [ "$port" = "$ours" ]; then
            lower "$p99" "$o" && o=$p99
          else
            lower "$p99" "$r" && r=$p99
          fi
        done
      done
      [ -z "$o_base" ] && o_base=$o && r_base=$r
      awk -v t="$t" -v k="$keys" -v o="$o" -v ob="$o_base" -v r="$r" -v rb="$r_base" \
        'BEGIN{ printf "%-9s %10s %9.3f %9.2f %9.3f %9.2f\n", t, k, o, o/ob, r, r/rb }'
    done
  done
  stop_pair
fi
