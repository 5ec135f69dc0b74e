#!/usr/bin/env bash
# System calls per message of each relay over one light50 run (50 monitors, closed loop, light driver), one
# flagged1 run (light50, one monitor tripping the range check on every message), one open5k run
# (SCENARIO=open5k: 5,000 monitors at 1 msg/s, each parked between its messages by hl7gate), or one latency1
# run (SCENARIO=latency1: one monitor, stop-and-wait, 20,000 messages): every system
# call the relay process enters, counted by the kernel's tracepoints (perf stat -p, all threads, the whole
# run, open5k's ramp included), divided by the messages the monitors sent. Counts,
# not rates: they do not depend on how loaded the machine is. Also every system call
# (raw_syscalls:sys_enter), the relay's CPU time (task-clock; user and system from /proc/PID/stat over the
# monitors' run) and its context switches per message. REPEAT=n runs the relays n times, interleaved. Needs perf (Debian package
# linux-perf).
#
#   test/bench/syscalls.sh                             # haproxy, hl7gate, hl7gate-pipelined; 8 s each
#   DURATION=4s RELAYS=hl7gate test/bench/syscalls.sh
#   SCENARIO=open5k DURATION=10s RELAYS="haproxy hl7gate" test/bench/syscalls.sh
#   REPEAT=5 DURATION=6s RELAYS="haproxy gorelay gorelay-uring" test/bench/syscalls.sh
#   SCENARIO=flagged1 REPEAT=5 DURATION=6s RELAYS="haproxy gorelay-uring gorelay-uring-check hl7gate" test/bench/syscalls.sh
#   TRACE=0 REPEAT=5 DURATION=6s RELAYS="haproxy gorelay-uring gorelay-uring-check hl7gate" test/bench/syscalls.sh
#   SCENARIO=latency1 TRACE=0 REPEAT=3 RELAYS="haproxy hl7gate hl7gate-nospin" test/bench/syscalls.sh   # one
#                                           # connection's 20,000 messages: delivery.busy_poll's CPU per message
#   SCENARIO=open5k STEADY=1 DURATION=20s REPEAT=3 RELAYS="haproxy hl7gate hl7gate-nospin" test/bench/syscalls.sh
#                                           # open5k's steady state only: counted from 3 s after the ramp for 10 s
#                                           # (50,000 messages at the open loop's fixed rate), the ramp's 5,000
#                                           # connections and their collections left out (BENCHMARKS.md, session 14)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-8s}
RELAYS=${RELAYS:-"haproxy hl7gate hl7gate-pipelined"}
REPEAT=${REPEAT:-1}
SCENARIO=${SCENARIO:-light50}
case $SCENARIO in
light50) monitors=50 load=() ;;
flagged1) monitors=50 load=(--manipulation range --manipulate-at 1 --manipulated 1) ;; # one monitor tripping the range check on every message
open5k) monitors=5000 load=(--rate 1 --ramp 10s) ;;
latency1) monitors=1 load=(--messages "${LATENCY_MESSAGES:-20000}") DURATION=0 ;; # one connection, stop-and-wait; a count, not a duration
*)
	log "unknown scenario $SCENARIO (light50, flagged1, open5k or latency1)"
	exit 2
	;;
esac
# STEADY=1 (open5k only): count 10 s of the measured phase, from 3 s after the 10 s ramp, instead of the whole
# run; the divisor is the messages the open loop sends in them (5,000 a second), not the run's.
STEADY=${STEADY:-0}
if [[ $STEADY == 1 && $SCENARIO != open5k ]]; then
	log "STEADY=1 is for SCENARIO=open5k"
	exit 2
fi
CALLS=${CALLS:-"read write recvfrom sendto readv writev epoll_pwait epoll_wait epoll_ctl futex nanosleep sched_yield setsockopt getsockopt accept4 close io_uring_enter"}

command -v perf >/dev/null || { log "perf is missing (apt-get install linux-perf)"; exit 2; }
trap stop_all EXIT
build $RELAYS
if [[ " $RELAYS " == *" haproxy "* ]]; then need_haproxy; fi

log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# ticks PID...: the processes' user and system CPU time so far, in clock ticks.
ticks() {
	local pid u=0 s=0 f
	for pid in "$@"; do
		read -ra f <"/proc/$pid/stat"
		u=$((u + f[13])) s=$((s + f[14]))
	done
	echo "$u $s"
}
hz=$(getconf CLK_TCK)
events=task-clock,context-switches,raw_syscalls:sys_enter,$(for c in $CALLS; do printf 'syscalls:sys_enter_%s,' "$c"; done)
# TRACE=0: task-clock and context switches only, no system-call tracepoints (each traced call costs a relay
# that makes many of them a little CPU): the CPU per message without the tracing's share.
if [[ ${TRACE:-1} == 0 ]]; then events=task-clock,context-switches; fi
for ((run = 1; run <= REPEAT; run++)); do
	for relay in $RELAYS; do
		name=syscalls.$relay label=$relay
		if ((REPEAT > 1)); then name+=.$run label+=" (run $run)"; fi
		start_station "$name"
		start_relay "$relay" "$monitors" "$name"
		pids=$(IFS=,; echo "${RELAY_PIDS[*]}")
		monitors_run() {
			"$BIN/hl7load" monitors --addr "$TARGET" --sources "$SOURCES" -n "$monitors" --station "http://$STATION_HTTP" \
				"${load[@]}" --duration "$DURATION" --prebuilt 64 --scenario "$SCENARIO" --relay "$relay" --json >"$OUT/$name.json" 2>"$OUT/$name.log" ||
				log "   $relay: the run failed verification (see $OUT/$name.log)"
		}
		if [[ $STEADY == 1 ]]; then
			monitors_run &
			load_pid=$!
			sleep 13 # the 10 s ramp and 3 s more
			read -r u0 s0 < <(ticks "${RELAY_PIDS[@]}")
			perf stat -x, -e "${events%,}" -p "$pids" -o "$OUT/$name.perf" -- sleep 10
			read -r u1 s1 < <(ticks "${RELAY_PIDS[@]}")
			wait "$load_pid"
		else
			perf stat -x, -e "${events%,}" -p "$pids" -o "$OUT/$name.perf" &
			perf_pid=$!
			sleep 1 # perf takes a moment to attach to every thread; a message before that would not be counted
			read -r u0 s0 < <(ticks "${RELAY_PIDS[@]}")
			monitors_run
			read -r u1 s1 < <(ticks "${RELAY_PIDS[@]}")
			kill -INT "$perf_pid"
			wait "$perf_pid" || true
		fi
		stop_all
		sent=$(grep -o '"sent": *[0-9]*' "$OUT/$name.json" | head -1 | grep -o '[0-9]*$')
		if [[ $STEADY == 1 ]]; then sent=50000; fi # counted: 10 s at 5,000 messages a second
		p50=$(grep -o '"p50_ms": *[0-9.]*' "$OUT/$name.json" | head -1 | grep -o '[0-9.]*$')
		printf '%s: %s messages, p50 %s ms\n' "$label" "$sent" "$p50"
		awk -F, -v n="$sent" -v user=$(((u1 - u0) * 1000000 / hz)) -v sys=$(((s1 - s0) * 1000000 / hz)) '/syscalls:sys_enter_/ && $1 > 0 {
			sub("syscalls:sys_enter_", "", $3); t += $1; printf "  %-14s %6.2f\n", $3, $1 / n
		} $3 == "task-clock" { cpu = $1 * 1000 / n } $3 == "context-switches" { cs = $1 / n }
		$3 == "raw_syscalls:sys_enter" { all = $1 / n }
		END { printf "  %-14s %6.2f per message (every system call: %.2f)\n  %-14s %6.2f µs per message (user %.1f, system %.1f)\n",
			"total", t / n, all, "cpu", cpu, user / n, sys / n
			printf "  %-14s %6.2f per message\n", "ctx switches", cs }' "$OUT/$name.perf"
	done
done
echo "perf counts in $OUT"
