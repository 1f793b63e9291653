#!/usr/bin/env bash
# Where a request's CPU time goes, in this server and in redis-server side
# by side: both run on free loopback ports with the same settings, and for
# each test redis-benchmark runs against one and then the other while perf
# watches the server. Per request it prints the CPU time (from /proc), how
# much of it was spent in the kernel, in user space waiting for and waking
# on requests (Go's scheduler and poller, Redis's event loop, system-call
# wrappers, clock reads), in the rest of the runtime and libraries (the Go
# runtime and standard library; libc and jemalloc) and in the server's own
# code (perf record's samples), the system calls and context switches
# (perf stat), and each server's hottest functions, all of them and those
# outside the kernel. perf's tracing of system calls adds the same to
# every call in both servers (perf_syscall_enter among the functions).
#
#   scripts/profile.sh                        # GET and SET at -P 1
#   TESTS=lpush P=16 D=1024 scripts/profile.sh
#
# Each figure is the median of ROUNDS rounds, which alternate between the
# servers.
#
# Environment: TESTS (redis-benchmark -t list), P (-P), D (-d), N
# (requests), CLIENTS (-c), ROUNDS, TOP (functions listed per server), EXTRA
# (extra server arguments for both), CALIBRATE (1: a second redis-server
# stands in for this server). Without perf (or the right to use it:
# kernel.perf_event_paranoid at most 1, or root) it prints the /proc
# figures only.
set -euo pipefail
cd "$(dirname "$0")/.."

TESTS=${TESTS:-get,set}
P=${P:-1}
D=${D:-3}
N=${N:-200000}
CLIENTS=${CLIENTS:-50}
TOP=${TOP:-12}
ROUNDS=${ROUNDS:-3}
EXTRA=${EXTRA:-}
CALIBRATE=${CALIBRATE:-0}

for t in redis-server redis-benchmark redis-cli go; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
perf_ok=0
if command -v perf >/dev/null && perf stat -e task-clock -- true >/dev/null 2>&1; then
  perf_ok=1
else
  echo "# perf is missing or not allowed: /proc figures only" >&2
fi

# shellcheck source=scripts/pair.sh
. scripts/pair.sh

# The server's own code: this server's packages, or redis-server's binary
# (installed as a link to redis-check-rdb on Debian).
redis_dso=$(basename "$(readlink -f "$(command -v redis-server)")")

# measure NAME PORT PID TEST: one run of TEST against the server, with
# its figures left in $work/NAME.*.
measure() {
  local name=$1 port=$2 pid=$3 t=$4 u0 s0 u1 s1 line
  local out="$work/$name"
  redis-cli -p "$port" flushall >/dev/null
  case $t in
  lpop | rpop) redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r 100000 -P 16 -d "$D" -t lpush -q >/dev/null 2>&1 ;;
  esac
  local stat_pid="" rec_pid=""
  if [ "$perf_ok" = 1 ]; then
    perf stat -x, -o "$out.stat" -p "$pid" -e task-clock,context-switches \
      -e syscalls:sys_enter_read,syscalls:sys_enter_write \
      -e syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait >/dev/null 2>&1 &
    stat_pid=$!
    perf record -q -F 2999 -p "$pid" -o "$out.data" >/dev/null 2>&1 &
    rec_pid=$!
    sleep 0.5
  fi
  read -r u0 s0 < <(cpu_us "$pid")
  line=$(redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r 100000 -P "$P" -d "$D" -t "$t" --csv 2>/dev/null | tail -n 1)
  read -r u1 s1 < <(cpu_us "$pid")
  if [ -n "$stat_pid" ]; then
    kill -INT "$stat_pid" "$rec_pid" 2>/dev/null || true
    wait "$stat_pid" "$rec_pid" 2>/dev/null || true
  fi
  echo "$(echo "$line" | cut -d, -f2 | tr -d '"') $(echo "$line" | cut -d, -f7 | tr -d '"') $((u1 - u0)) $((s1 - s0))" >"$out.proc"
  : >"$out.split"
  : >"$out.top"
  : >"$out.top.user"
  [ "$perf_ok" = 1 ] || return 0
  # Samples by where they fell: the kernel; waiting and waking (Go's
  # scheduler and poller, Redis's event loop, the system-call wrappers and
  # clock reads of both); the rest of the runtime and libraries (maps,
  # allocation, hashing, copying); the server's own code.
  perf report -i "$out.data" --stdio --no-children --sort dso,sym -g none 2>/dev/null |
    awk -v own="$([ "$name" = ours ] && [ "$CALIBRATE" != 1 ] && echo goredis || echo "$redis_dso")" \
      -v top="$TOP" -v splitf="$out.split" -v hot="$out.top" '
      /^ *[0-9.]+%/ {
        pct = $1; sub(/%/, "", pct); dso = $2; sym = $4
        for (i = 5; i <= NF; i++) sym = sym " " $i
        if (dso == "[kernel.kallsyms]") k += pct
        else if (sym ~ /^runtime\.(gopark|goready|park_m|schedule|findRunnable|netpoll|execute|gogo|mcall|casgstatus|runq|injectglist|globrunq|ready|gosched|resetspinning|wakep|checkTimers|nanotime|stealWork|mPark|notesleep|notewakeup|futex|acquirep|releasep|stopm|startm|handoffp|lock|unlock|poll_runtime|entersyscall|exitsyscall|reentersyscall|sysmon|usleep|osyield|procyield|\(\*timers\))/ ||
          sym ~ /^(internal\/poll\.|net\.|syscall\.|internal\/runtime\/syscall\.)/ ||
          sym ~ /^(ae[A-Z]|connSocket|__vdso_)/ ||
          sym ~ /^(epoll_wait|__GI_epoll_wait|__GI___libc_read|__GI___libc_write|__libc_read|__libc_write|read|write|gettimeofday|clock_gettime)$/) w += pct
        else if (dso == own && (own != "goredis" || sym ~ /^goredis\//)) o += pct
        else l += pct
        if (n++ < top) printf "%s %s\n", pct, sym > hot
        if (dso != "[kernel.kallsyms]" && u++ < top) printf "%s %s\n", pct, sym > hot ".user"
      }
      END { printf "%f %f %f %f\n", k, w, l, o > splitf }'
}

# per NAME: "rps p99 µs-per-request kernel waking runtime own reads writes
# polls switches" (the split is -1 without perf)
per() {
  local name=$1 rps p99
  read -r rps p99 u s <"$work/$name.proc"
  local split stat
  split=$(cat "$work/$name.split")
  stat=$(cat "$work/$name.stat" 2>/dev/null || true)
  awk -v rps="$rps" -v p99="$p99" -v u="$u" -v s="$s" -v n="$N" -v sp="$split" -v stat="$stat" 'BEGIN{
    cpu = (u + s) / n
    m = split(sp, f, " ")
    tot = (m == 4) ? f[1] + f[2] + f[3] + f[4] : 0
    for (i = 1; i <= 4; i++) g[i] = tot > 0 ? cpu * f[i] / tot : -1
    nl = split(stat, lines, "\n")
    for (i = 1; i <= nl; i++) { c = split(lines[i], x, ","); if (c > 3) ev[x[3]] = x[1] }
    printf "%s %s %f %f %f %f %f %f %f %f %f\n", rps, p99, cpu, g[1], g[2], g[3], g[4], ev["syscalls:sys_enter_read"] / n, ev["syscalls:sys_enter_write"] / n, (ev["syscalls:sys_enter_epoll_wait"] + ev["syscalls:sys_enter_epoll_pwait"]) / n, ev["context-switches"] / n
  }'
}

# median FILE: each column's median over FILE's lines
median() {
  awk '{ for (i = 1; i <= NF; i++) v[i, NR] = $i; nf = NF }
    END {
      for (i = 1; i <= nf; i++) {
        for (j = 1; j <= NR; j++) a[j] = v[i, j]
        for (j = 2; j <= NR; j++) for (k = j; k > 1 && a[k - 1] > a[k]; k--) { x = a[k]; a[k] = a[k - 1]; a[k - 1] = x }
        printf "%s%s", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, (i < nf) ? " " : "\n"
      }
    }' "$1"
}

[ "$CALIBRATE" = 1 ] && echo "# CALIBRATE=1: the ours column is a second redis-server"
echo "# goredis vs redis-server $(redis-server --version | awk '{print $3}' | cut -d= -f2), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "# redis-benchmark -c $CLIENTS -n $N -r 100000 -P $P -d $D; CPU per request from /proc, split by perf record's samples"
start_pair profile --appendonly no $EXTRA
for t in ${TESTS//,/ }; do
  : >"$work/ours.rows"
  : >"$work/redis.rows"
  for i in $(seq 1 "$ROUNDS"); do
    # Alternating, so that a slow spell of the machine falls on both.
    for side in $([ $((i % 2)) = 1 ] && echo "ours redis" || echo "redis ours"); do
      if [ "$side" = ours ]; then
        measure ours "$ours" "$ours_pid" "$t"
      else
        measure redis "$theirs" "$theirs_pid" "$t"
      fi
      per "$side" >>"$work/$side.rows"
    done
  done
  read -r -a o < <(median "$work/ours.rows")
  read -r -a r < <(median "$work/redis.rows")
  echo
  echo "## $t -P $P -d $D (median of $ROUNDS rounds)"
  printf '%-34s %10s %10s %7s\n' measure ours redis ratio
  row() { awk -v name="$1" -v a="$2" -v b="$3" -v f="$4" 'BEGIN{ if (a < 0 || b < 0) exit; printf "%-34s %10" f " %10" f " %7s\n", name, a, b, (b > 0) ? sprintf("%.2f", a / b) : "n/a" }'; }
  row "requests per second" "${o[0]}" "${r[0]}" .0f
  row "p99 (ms)" "${o[1]}" "${r[1]}" .3f
  row "CPU µs per request" "${o[2]}" "${r[2]}" .2f
  row "  in the kernel" "${o[3]}" "${r[3]}" .2f
  row "  waiting and waking (user)" "${o[4]}" "${r[4]}" .2f
  row "  runtime and libraries otherwise" "${o[5]}" "${r[5]}" .2f
  row "  in the server's own code" "${o[6]}" "${r[6]}" .2f
  if [ "$perf_ok" = 1 ]; then
    row "reads per request" "${o[7]}" "${r[7]}" .3f
    row "writes per request" "${o[8]}" "${r[8]}" .3f
    row "epoll waits per request" "${o[9]}" "${r[9]}" .3f
    row "context switches per request" "${o[10]}" "${r[10]}" .3f
    for side in ours redis; do
      cpu=$([ $side = ours ] && echo "${o[2]}" || echo "${r[2]}")
      for f in top top.user; do
        echo "# $side: hottest functions$([ $f = top.user ] && echo " outside the kernel") in the last round (% of samples, µs per request at the median)"
        awk -v cpu="$cpu" '{ pct = $1; $1 = ""; printf "  %6.2f%% %6.2f %s\n", pct, cpu * pct / 100, substr($0, 2) }' "$work/$side.$f"
      done
    done
  fi
done
stop_pair
