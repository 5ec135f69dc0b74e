#!/usr/bin/env bash
# Short benchmark for CI (about a minute): hl7gate with every check on, closed and open loop, 1 KB and
# 16 KB messages, verified message by message against the simulated station. Exits non-zero if any
# message was lost, falsely acknowledged, duplicated, reordered or changed, or if a run could not run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

trap stop_all EXIT
build hl7gate
REPORTS=()
failed=0
measure smoke-closed hl7gate 20 --duration 10s --size default || failed=1
measure smoke-16k hl7gate 20 --duration 5s --size 16k || failed=1
measure smoke-pipelined hl7gate-pipelined 20 --duration 5s --size default || failed=1
measure smoke-open hl7gate 1000 --rate 2 --ramp 3s --duration 10s --size default || failed=1
measure smoke-direct direct 20 --duration 5s --size default || failed=1
"$BIN/hl7load" table "${REPORTS[@]}"
exit $failed
