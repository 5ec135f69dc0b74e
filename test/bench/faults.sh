#!/usr/bin/env bash
# hl7gate under station faults (see BENCHMARKS.md): 200 monitors at 20 msg/s each for 16 s while the
# simulated station's answer is switched every 2 s (MODES): close the connection instead of answering,
# AE, AA after 50 ms, no answer at all, AA, and once more close, AE, AA. Prints one table; exits non-zero
# if a run could not run or any message was lost (positively ACKed, never received) or falsely ACKed
# (positively ACKed, refused by the station).
# Duplicates are expected and reported: a message whose station connection died unanswered is retried
# once on a fresh connection, and the station may have had it.
#
#   test/bench/faults.sh
#   RELAYS=hl7gate-pipelined test/bench/faults.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RELAYS=${RELAYS:-"hl7gate hl7gate-pipelined"}
MODES=(close AE slow:50ms silent AA close AE AA)

trap stop_all EXIT
build $RELAYS
REPORTS=()
for relay in $RELAYS; do
	# Switch the station's answer from 3 s on (the station and relay start, then the 1 s ramp).
	(
		sleep 3
		for mode in "${MODES[@]}"; do
			curl -fsS -X POST "http://$STATION_HTTP/ackmode?mode=$mode" >/dev/null || true
			sleep 2
		done
	) &
	switcher=$!
	measure faults "$relay" 200 --rate 20 --ramp 1s --duration 16s --size default || true
	wait $switcher
	sleep 2
done
relays=($RELAYS)
if ((${#REPORTS[@]} != ${#relays[@]})); then
	log "only ${#REPORTS[@]} of ${#relays[@]} runs could run"
	exit 2
fi
"$BIN/hl7load" table "${REPORTS[@]}" | tee "$OUT/table.txt"
# Columns 9 and 10 of the table's rows are lost and false-acked; "-" means the run was not verified.
awk 'NR > 1 && ($9 != "0" || $10 != "0") { bad = 1 } END { exit bad }' <(sed 's/^ *//' "$OUT/table.txt" | tr -s ' ')
