#!/usr/bin/env bash
# The full hl7gate benchmark (see BENCHMARKS.md): the same simulated monitors and central station,
# connected directly, through HAProxy in TCP mode, and through hl7gate with every check on.
# Prints one comparison table; exits non-zero if any run lost or falsely acknowledged a message.
#
#   test/bench/run.sh                       # everything, about 15 minutes
#   DURATION=10s RELAYS="hl7gate" SCENARIOS="closed50 open10k" test/bench/run.sh
#   REPEAT=3 test/bench/run.sh              # each scenario 3 times, relays interleaved; table of the median runs
#   SCENARIOS="light50 flagged1 flagged50 latency1" REPEAT=3 test/bench/run.sh   # the light-driver scenarios
#   RATE=0.6 RELAYS="haproxy hl7gate" SCENARIOS=open5k test/bench/run.sh   # 5,000 monitors, 3,000 msg/s in all
#   RELAYS="haproxy hl7gate hl7gate-nospin" SCENARIOS=latency1 REPEAT=3 test/bench/run.sh   # delivery.busy_poll's
#                                           # trade-off: hl7gate-nospin is hl7gate with busy_poll 0
#   B_HL7GATE=/tmp/old/hl7gate RELAYS="hl7gate hl7gate-b" SCENARIOS=light50 REPEAT=5 test/bench/run.sh   # an A/B:
#                                           # hl7gate-b is hl7gate's configuration run by the build B_HL7GATE names
#   RELAYS="haproxy gorelay hl7gate" SCENARIOS="light50 latency1" REPEAT=3 test/bench/run.sh   # with gorelay,
#                                           # hl7load's bare Go relay with hl7gate's system calls: hl7gate's floor
#   RELAYS="haproxy gorelay gorelay-uring" SCENARIOS=light50 REPEAT=5 test/bench/run.sh   # gorelay-uring: the
#                                           # bare relay as one thread's io_uring loop (system calls batched)
#   RELAYS="haproxy gorelay-uring gorelay-uring-check hl7gate" SCENARIOS="light50 flagged1" REPEAT=5 test/bench/run.sh
#                                           # gorelay-uring-check: that loop doing hl7gate's per-message work
#
# The light-driver scenarios (light50, flagged1, flagged50, latency1) send prebuilt messages (hl7load
# --prebuilt: rendered before the run, only MSH-10 patched per message), so the relay's cost dominates.
#
# Results (JSON per run, logs, the table) are kept in $OUT (default: a new /tmp/hl7bench.* directory). Each
# hl7gate run also leaves its runtime histograms scraped once a second ($OUT/*.metrics): where an open loop's
# tail came from, goroutines waiting for a CPU or the collector, and in which seconds (BENCHMARKS.md, thirteenth
# round):   test/bench/runtime.py $OUT/open5k.hl7gate.*.metrics
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-30s}
RELAYS=${RELAYS:-"direct haproxy hl7gate hl7gate-pipelined"}
SCENARIOS=${SCENARIOS:-"closed50 closed50-16k open1k open1k-16k open10k idle"}
PREBUILT=${PREBUILT:-64}      # messages rendered per monitor in the light-driver scenarios
LATENCY_MESSAGES=${LATENCY_MESSAGES:-20000}
IDLE=${IDLE:-19000}    # the gateway needs one fd per monitor plus its station pool; 20,000 per process
REPEAT=${REPEAT:-1}
RATE=${RATE:-1}        # open5k's messages per second per monitor (below 1 on a machine too busy for 5,000 msg/s)

trap stop_all EXIT
build $RELAYS
if [[ " $RELAYS " == *" haproxy "* ]]; then need_haproxy; fi

REPORTS=()
failed=0
for scenario in $SCENARIOS; do
	for ((run = 1; run <= REPEAT; run++)); do
		for relay in $RELAYS; do
			case $scenario in
			closed50) args=(50 --duration "$DURATION" --size default) ;;
			closed50-16k) args=(50 --duration "$DURATION" --size 16k) ;;
			open1k) args=(1000 --rate 1 --ramp 5s --duration "$DURATION" --size default) ;;
			open1k-16k) args=(1000 --rate 1 --ramp 5s --duration "$DURATION" --size 16k) ;;
			open10k) args=(10000 --rate 1 --ramp 20s --duration "$DURATION" --size default) ;;
			# Issue 15's open loop: 5,000 monitors at 1 msg/s, light driver.
			open5k) args=(5000 --rate "$RATE" --ramp 10s --duration "$DURATION" --prebuilt "$PREBUILT") ;;
			idle) args=("$IDLE" --idle --ramp 20s --duration 10s) ;;
			# Light driver, clean traffic.
			light50) args=(50 --duration "$DURATION" --prebuilt "$PREBUILT") ;;
			# Light driver, one monitor (flagged1) or all (flagged50) tripping the range check on every message.
			flagged1) args=(50 --duration "$DURATION" --prebuilt "$PREBUILT" --manipulation range --manipulate-at 1 --manipulated 1) ;;
			flagged50) args=(50 --duration "$DURATION" --prebuilt "$PREBUILT" --manipulation range --manipulate-at 1) ;;
			# One connection, stop-and-wait: the latency each relay adds (its p50 minus direct's).
			latency1) args=(1 --messages "$LATENCY_MESSAGES" --duration 0 --prebuilt "$PREBUILT") ;;
			*)
				log "unknown scenario $scenario"
				exit 2
				;;
			esac
			RUN=$run measure "$scenario" "$relay" "${args[@]}" || failed=1
			sleep 2 # let TIME_WAIT sockets and the kernel's memory settle between runs
		done
	done
done

{
	echo "hl7gate benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
		"$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r)," \
		"$(go version | cut -d' ' -f3), $(haproxy -v 2>/dev/null | head -1 | cut -d' ' -f1-3)"
	median=()
	if ((REPEAT > 1)); then
		echo "each row: the median of $REPEAT runs (msg/s in closed loop, p99 in open loop, KiB/conn idle); every run: $OUT/runs.txt"
		"$BIN/hl7load" table "${REPORTS[@]}" >"$OUT/runs.txt"
		median=(--median)
	fi
	echo
	"$BIN/hl7load" table "${median[@]}" "${REPORTS[@]}"
	echo
	"$BIN/hl7load" table --markdown "${median[@]}" "${REPORTS[@]}"
} | tee "$OUT/table.txt"
log "reports in $OUT"
exit $failed
