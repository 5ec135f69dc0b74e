# Shared by run.sh and smoke.sh: build, start and stop the station, the relays and the monitors.
# Sourced, not run. Every process started here is stopped by its own PID.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$ROOT/test/bench
OUT=${OUT:-$(mktemp -d /tmp/hl7bench.XXXXXX)}
BIN=$OUT/bin
# Unusual ports so the benchmark does not collide with a gateway or station already running; PORT_BASE moves
# them all, so that two benchmarks can run side by side.
PORT_BASE=${PORT_BASE:-22575}
STATION=127.0.0.1:$((PORT_BASE + 1))
STATION_HTTP=127.0.0.1:$((PORT_BASE + 325))
RELAY_PORT=$PORT_BASE   # a second HAProxy process (runs with more than HAPROXY_MAX monitors) uses RELAY_PORT+10
ADMIN=127.0.0.1:$((PORT_BASE + 327))
# One source address per monitor, as on a real monitor segment: the vital-sign checks keep their state per
# monitor address, and one loopback address would also run out of ports near 28,000 connections.
SOURCES=127.1.0.1-127.1.255.254
HAPROXY_MAX=9900        # connections per HAProxy process: 2 fds each, 20,000 fds per process
PIDS=()

# Each process may hold 20,000 open files at most; use all of them.
ulimit -n "$(ulimit -Hn)"

log() { printf '%s\n' "$*" >&2; }

# build RELAY...: hl7load, and hl7gate when it is one of the relays.
build() {
	mkdir -p "$BIN"
	(cd "$ROOT" && go build -o "$BIN/" ./cmd/hl7load)
	if [[ " $* " == *" hl7gate"* ]]; then
		(cd "$ROOT" && go build -o "$BIN/" ./cmd/hl7gate)
	fi
}

need_haproxy() {
	command -v haproxy >/dev/null && return
	log "installing haproxy (Debian package)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
	# The package starts a system service on port 80; the benchmark runs its own processes.
	systemctl disable --now haproxy >/dev/null 2>&1 || service haproxy stop >/dev/null 2>&1 || true
}

# wait_port HOST:PORT: until something accepts connections there (10 s at most).
wait_port() {
	local host=${1%:*} port=${1##*:}
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	log "nothing listens on $1"
	return 1
}

start_station() { # name
	"$BIN/hl7load" station --addr "$STATION" --http "$STATION_HTTP" >"$OUT/$1.station.json" 2>"$OUT/$1.station.log" &
	PIDS+=($!)
	wait_port "$STATION"
}

# start_relay RELAY MONITORS [NAME]: starts it; sets TARGET (addresses for the monitors) and RELAY_PIDS. Its
# configuration and log are $OUT/NAME.* (NAME: the run's name, default RELAY), so that the runs of several
# scenarios and rounds keep theirs apart.
start_relay() {
	local relay=$1 n=$2 name=${3:-$1}
	RELAY_PIDS=()
	case $relay in
	direct)
		TARGET=$STATION
		;;
	haproxy)
		local procs=$(((n + HAPROXY_MAX - 1) / HAPROXY_MAX)) i addr
		TARGET=
		for ((i = 0; i < procs; i++)); do
			addr=127.0.0.1:$((RELAY_PORT + 10 * i))
			sed -e "s/@LISTEN@/$addr/" -e "s/@STATION@/$STATION/" -e "s/@MAXCONN@/$HAPROXY_MAX/" \
				"$BENCH/haproxy.cfg.in" >"$OUT/$name.haproxy$i.cfg"
			haproxy -db -f "$OUT/$name.haproxy$i.cfg" >"$OUT/$name.haproxy$i.log" 2>&1 &
			RELAY_PIDS+=($!)
			TARGET=${TARGET:+$TARGET,}$addr
		done
		;;
	gorelay | gorelay-uring | gorelay-uring-check)
		# hl7load's bare relay: hl7gate's socket pattern in Go (the station idle check included) without its
		# work on the message; the floor for hl7gate's CPU per message (BENCHMARKS.md, tenth round).
		# gorelay-uring: the same relay as one thread's io_uring loop, system calls batched over all
		# connections (BENCHMARKS.md, eleventh round); its log ends with its messages and io_uring_enter calls.
		# gorelay-uring-check: that loop doing the gateway's per-message work (parse, body check, allowlist,
		# inventory, vital-sign checks, the station's ACK checked) on the ring's thread (twelfth round).
		local engine=go flags=()
		case $relay in
		gorelay-uring) engine=uring ;;
		gorelay-uring-check) engine=uring flags=(--check) ;;
		esac
		TARGET=127.0.0.1:$RELAY_PORT
		"$BIN/hl7load" relay --engine "$engine" "${flags[@]}" --addr "$TARGET" --station "$STATION" >"$OUT/$name.relay.log" 2>&1 &
		RELAY_PIDS+=($!)
		;;
	hl7gate | hl7gate-pipelined | hl7gate-nospin | hl7gate-b)
		# hl7gate: MLLP stop-and-wait toward the station (the default), one message per pooled connection.
		# hl7gate-b: hl7gate's configuration run by another build, $B_HL7GATE (an A/B of two commits or builds).
		# hl7gate-pipelined: station.pipeline set, so a few connections carry many messages in flight.
		# hl7gate-nospin: hl7gate with delivery.busy_poll 0: no wait polls its socket before it sleeps.
		local conns=64 pipeline=1
		if [[ $relay == hl7gate-pipelined ]]; then conns=4 pipeline=32; fi
		TARGET=127.0.0.1:$RELAY_PORT
		sed -e "s/@LISTEN@/$TARGET/" -e "s/@STATION@/$STATION/" -e "s/@ADMIN@/$ADMIN/" -e "s/@MAXCONN@/20000/" \
			-e "s/@CONNS@/$conns/" -e "s/@PIPELINE@/$pipeline/" "$BENCH/hl7gate.yaml.in" >"$OUT/$name.yaml"
		if [[ $relay == hl7gate-nospin ]]; then printf 'delivery:\n  busy_poll: 0\n' >>"$OUT/$name.yaml"; fi
		local bin=$BIN/hl7gate
		if [[ $relay == hl7gate-b ]]; then bin=${B_HL7GATE:?hl7gate-b runs the build B_HL7GATE names}; fi
		env ${RELAY_ENV:-} "$bin" serve --config "$OUT/$name.yaml" >"$OUT/$name.relay.log" 2>&1 &
		RELAY_PIDS+=($!)
		;;
	*)
		log "unknown relay $relay"
		return 1
		;;
	esac
	PIDS+=("${RELAY_PIDS[@]}")
	local a
	for a in ${TARGET//,/ }; do wait_port "$a"; done
}

# stop_all: stops every process this script started, newest first, and waits for them.
stop_all() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill "${PIDS[i]}" 2>/dev/null || true
		wait "${PIDS[i]}" 2>/dev/null || true
	done
	PIDS=()
}

# scrape_runtime FILE: until stop_all, hl7gate's runtime histograms and connection counts from its /metrics
# once a second, each scrape after a "## <unix time>" line; test/bench/runtime.py reads them (where an open
# loop's tail came from: goroutines waiting for a CPU, or the collector; BENCHMARKS.md, thirteenth round).
scrape_runtime() {
	command -v curl >/dev/null || return 0
	while sleep 1; do
		echo "## $(date +%s.%N)"
		curl -s --max-time 1 "http://$ADMIN/metrics" |
			grep -E '^(go_sched_latencies_seconds|go_gc_pauses_seconds|go_gc_cycles_total_gc_cycles_total|go_goroutines|hl7gate_connections_open|hl7gate_connections_parked)[ {_]' ||
			true # a failed scrape (run.sh's set -e) must not end the loop
	done >"$1" 2>/dev/null &
	PIDS+=($!)
}

# measure SCENARIO RELAY MONITORS MONITOR-FLAGS...: one run; the JSON report goes to $OUT/SCENARIO.RELAY.json
# ($OUT/SCENARIO.RELAY.RUN.json when RUN is set).
# Returns non-zero when the run failed verification or could not run.
measure() {
	local scenario=$1 relay=$2 n=$3
	shift 3
	local name=$scenario.$relay${RUN:+.$RUN} rc=0 pidflag=()
	start_station "$name" || { stop_all; return 2; }
	start_relay "$relay" "$n" "$name" || { stop_all; return 2; }
	if ((${#RELAY_PIDS[@]})); then
		pidflag=(--pid "$(IFS=,; echo "${RELAY_PIDS[*]}")")
	fi
	if [[ $relay == hl7gate* ]]; then scrape_runtime "$OUT/$name.metrics"; fi
	log "== $scenario via $relay: $n monitors $*"
	"$BIN/hl7load" monitors --addr "$TARGET" --sources "$SOURCES" -n "$n" --station "http://$STATION_HTTP" \
		"${pidflag[@]}" --scenario "$scenario" --relay "$relay" --json "$@" >"$OUT/$name.json" 2>"$OUT/$name.log" || rc=$?
	stop_all
	if ((rc != 0)); then
		log "   FAILED (exit $rc): see $OUT/$name.log and $OUT/$name.json"
	fi
	REPORTS+=("$OUT/$name.json")
	return $rc
}
