#!/usr/bin/env bash
# The blind driver (this directory) against targets on loopback: direct (driver → station), HAProxy
# (mode tcp, nbthread 2) and hl7gate serve on a README-style config with every check at its default, and
# that config's variants (hl7gate-pipelined, hl7gate-nobudget). Scenarios run in interleaved rounds, each
# relay a fresh process per run; the table gives medians and ratios to HAProxy. See README.md here.
#
#   test/bench/blind/run.sh                               # 3 rounds, 10 s windows: the measurement
#   DURATION=2s ROUNDS=1 test/bench/blind/run.sh          # smoke
#   SCENARIOS=closed TARGETS="direct haproxy hl7gate hl7gate-pipelined" test/bench/blind/run.sh
#                                                         # pipelined mode (issue 15: ≥ 1.1 × HAProxy's msg/s)
#   SCENARIOS=flood TARGETS="direct haproxy hl7gate hl7gate-nobudget" test/bench/blind/run.sh
#                                                         # one device flooding, with and without the budget
#   STATION_FAULTS="-wrong-every 997" ROUNDS=1 DURATION=2s SCENARIOS=closed test/bench/blind/run.sh
#                                                         # the bad column must count the faults
#   TARGETS="direct faulty" ROUNDS=1 DURATION=2s test/bench/blind/run.sh   # so must it for a faulty relay
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}              # closed and open: the timed window
WARMUP=${WARMUP:-1s}                   # closed and open: before the window
MONITORS=${MONITORS:-50}               # closed
COUNT=${COUNT:-20000}                  # single: messages timed
SINGLE_WARMUP=${SINGLE_WARMUP:-1000}   # single: messages before
OPEN_MONITORS=${OPEN_MONITORS:-5000}   # open
OPEN_RATE=${OPEN_RATE:-1}              # open: msg/s per monitor
FLOOD_MONITORS=${FLOOD_MONITORS:-50}   # flood: monitors, open loop, each its own address
FLOOD_RATE=${FLOOD_RATE:-20}           # flood: msg/s per monitor
FLOODERS=${FLOODERS:-16}               # flood: connections sending FLOOD_BYTES messages back to back
FLOOD_SOURCES=${FLOOD_SOURCES:-4}      # flood: the addresses the flooders share
FLOOD_BYTES=${FLOOD_BYTES:-1000000}    # flood: a flooder's message (waveform OBX rows), framing not counted
PIPELINE=${PIPELINE:-32}               # hl7gate-pipelined: the station's pipeline (the docs name no value; issue 15's)
TARGETS=${TARGETS:-"direct haproxy hl7gate"} # also hl7gate-pipelined, hl7gate-nobudget, and faulty: a relay that
                                       # fakes and drops (a check of the checks)
SCENARIOS=${SCENARIOS:-"closed single open"}
STATION_FAULTS=${STATION_FAULTS:-}     # station flags, e.g. "-wrong-every 997"
PORT_BASE=${PORT_BASE:-12570}          # station +6, HAProxy +7, hl7gate +8, its admin +9, station counters +10, faulty +11
OUT=${OUT:-$(mktemp -d /tmp/blindbench.XXXXXX)}
BIN=${BIN:-$OUT/bin}

STATION=127.0.0.1:$((PORT_BASE + 6))
STATION_CTL=127.0.0.1:$((PORT_BASE + 10))
HAPROXY=127.0.0.1:$((PORT_BASE + 7))
HL7GATE=127.0.0.1:$((PORT_BASE + 8))
ADMIN=127.0.0.1:$((PORT_BASE + 9))
FAULTY=127.0.0.1:$((PORT_BASE + 11))

scenario_flags() {
	case $1 in
	closed) echo "-scenario closed -monitors $MONITORS -duration $DURATION -warmup $WARMUP" ;;
	single) echo "-scenario single -count $COUNT -warmup-msgs $SINGLE_WARMUP" ;;
	open) echo "-scenario open -monitors $OPEN_MONITORS -rate $OPEN_RATE -duration $DURATION -warmup $WARMUP" ;;
	flood)
		echo "-scenario flood -monitors $FLOOD_MONITORS -rate $FLOOD_RATE -flooders $FLOODERS" \
			"-flood-sources $FLOOD_SOURCES -flood-bytes $FLOOD_BYTES -duration $DURATION -warmup $WARMUP"
		;;
	*) echo "unknown scenario $1 (closed, single, open, flood)" >&2; exit 2 ;;
	esac
}

# Refuse a misspelt scenario or target before anything is built or started: scenario_flags's exit inside
# $(…) below would not stop the script, and the driver would run its default scenario under that name.
for scenario in $SCENARIOS; do scenario_flags "$scenario" >/dev/null; done
KNOWN_TARGETS="direct haproxy hl7gate hl7gate-pipelined hl7gate-nobudget faulty"
for target in $TARGETS; do
	[[ " $KNOWN_TARGETS " == *" $target "* ]] || { echo "unknown target $target ($KNOWN_TARGETS)" >&2; exit 2; }
done

cd "$(dirname "$0")/../../.."
ulimit -n "$(ulimit -Hn)" # 5,000 monitors: two descriptors each in a relay
mkdir -p "$OUT" "$BIN"
echo "results in $OUT" >&2

go build -o "$BIN/" ./test/bench/blind ./cmd/hl7gate
if ! command -v haproxy >/dev/null; then
	apt-get install -y haproxy >&2 || { echo "haproxy missing and apt-get failed (root?)" >&2; exit 1; }
fi

station_pid=0 relay_pid=0
cleanup() { # only what this script started and has not stopped yet, by PID
	local p
	for p in "$relay_pid" "$station_pid"; do ((p > 0)) && kill "$p" 2>/dev/null; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# wait_port HOST:PORT: until something accepts there, at most 10 s.
wait_port() {
	local host=${1%:*} port=${1##*:} deadline=$((SECONDS + 10))
	until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
		((SECONDS < deadline)) || { echo "nothing listens on $1" >&2; return 1; }
		sleep 0.05
	done
}

# wait_ready: hl7gate's /readyz answers 200 (the station is up), at most 10 s.
wait_ready() {
	local deadline=$((SECONDS + 10))
	until curl -sf -o /dev/null "http://$ADMIN/readyz"; do
		((SECONDS < deadline)) || { echo "hl7gate not ready; see $OUT/hl7gate-*.log" >&2; return 1; }
		sleep 0.05
	done
}

cat >"$OUT/haproxy.cfg" <<CFG
global
	nbthread 2
	maxconn 9000
defaults
	mode tcp
	maxconn 9000
	timeout connect 5s
	timeout client 120s
	timeout server 120s
frontend monitors
	bind $HAPROXY
	default_backend station
backend station
	server central $STATION
CFG

# From README.md: a direct listener admitting loopback, one station, one route for ORU^R01; nothing else
# set, so every check runs as it does by default (max_source_rate too: 4 MiB/s). The variants add one key
# each: the station's pipeline (README "How it works", docs/deployment.md "Sizing the station
# connections"), or the listener's byte budget turned off (README "Per-source byte rate").
# hl7gate_config FILE [LISTENER_KEY] [STATION_KEY]
hl7gate_config() {
	cat >"$1" <<CFG
listeners:
  - name: monitors
    address: "$HL7GATE"
    allow_sources: ["127.0.0.0/8"]${2:+
    $2}
stations:
  - name: central
    address: "$STATION"${3:+
    $3}
routes:
  - name: vitals
    match:
      message_types: ["ORU^R01"]
    stations: [central]
admin:
  address: "$ADMIN"
CFG
	"$BIN/hl7gate" validate --config "$1" >&2
}
hl7gate_config "$OUT/hl7gate.yaml"
hl7gate_config "$OUT/hl7gate-pipelined.yaml" "" "pipeline: $PIPELINE"
hl7gate_config "$OUT/hl7gate-nobudget.yaml" "max_source_rate: -1"

# shellcheck disable=SC2086 # STATION_FAULTS is a list of flags
"$BIN/blind" station -listen "$STATION" -ctl "$STATION_CTL" $STATION_FAULTS 2>"$OUT/station.log" &
station_pid=$!
wait_port "$STATION_CTL"

# start_relay TARGET LOG: a fresh relay process; sets relay_pid and addr.
start_relay() {
	case $1 in
	direct) relay_pid=0 addr=$STATION ;;
	haproxy)
		haproxy -db -f "$OUT/haproxy.cfg" 2>"$2" &
		relay_pid=$! addr=$HAPROXY
		wait_port "$HAPROXY"
		;;
	hl7gate | hl7gate-pipelined | hl7gate-nobudget)
		"$BIN/hl7gate" serve --config "$OUT/$1.yaml" 2>"$2" &
		relay_pid=$! addr=$HL7GATE
		wait_port "$HL7GATE"
		wait_ready
		;;
	faulty) # blind's own relay, faking an AA every 1000th message it carries and dropping every 5000th: must show as bad
		"$BIN/blind" relay -listen "$FAULTY" -upstream "$STATION" -fake-every 1000 -drop-every 5000 2>"$2" &
		relay_pid=$! addr=$FAULTY
		wait_port "$FAULTY"
		;;
	*) echo "unknown target $1 ($KNOWN_TARGETS)" >&2; exit 2 ;;
	esac
}

stop_relay() {
	((relay_pid > 0)) || return 0
	kill "$relay_pid"
	wait "$relay_pid" 2>/dev/null || true
	relay_pid=0
}

# hl7gate_counts: what the gateway itself counted in the run (rejections, vital-sign findings, and OBX rows
# its checks could not judge: not 0 would mean the run skipped checks "every check on" claims; messages
# delayed by max_source_rate and their wait), one line.
hl7gate_counts() {
	curl -sf "http://$ADMIN/metrics" |
		grep -E '^hl7gate_(messages_(received|forwarded|rejected)_total|vitals_(findings|unrecognised)_total|source_throttled_(total|seconds_total)|station_reserve_waits_total)' |
		awk '{sub(/^hl7gate_/, ""); printf "%s=%s ", $1, $2} END {print ""}'
}

read -ra targets <<<"$TARGETS"
for ((round = 1; round <= ROUNDS; round++)); do
	for scenario in $SCENARIOS; do
		# Interleaved: each round starts with the next target, so no target always runs first or last.
		for ((i = 0; i < ${#targets[@]}; i++)); do
			target=${targets[$(((i + round - 1) % ${#targets[@]}))]}
			log="$OUT/$target-$scenario-$round.log"
			start_relay "$target" "$log"
			echo "round $round $scenario $target" >&2
			# shellcheck disable=SC2046 # the flags are words
			"$BIN/blind" drive -target "$addr" -name "$target" -round "$round" -relay-pid "$relay_pid" \
				-station-ctl "$STATION_CTL" $(scenario_flags "$scenario") >>"$OUT/results.jsonl"
			if [[ $target == hl7gate* ]]; then
				echo "  $target $scenario round $round counted: $(hl7gate_counts)" | tee -a "$OUT/hl7gate-counts.txt" >&2
			fi
			stop_relay
		done
	done
done

echo "# blind driver: $(nproc) CPUs, $(uname -r), $(haproxy -v | head -1 | cut -d' ' -f1-3), $(date -u +%FT%TZ)" >"$OUT/report.md"
status=0
"$BIN/blind" report "$OUT/results.jsonl" >>"$OUT/report.md" || status=$?
cat "$OUT/report.md"
exit "$status"
