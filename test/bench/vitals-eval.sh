#!/usr/bin/env bash
# Detection figures of the vital-sign checks on data they were not tuned on (issue 14).
#
# For each seed: generate the blind labelled corpus (hl7load corpus gen), run `hl7gate check` over it with the
# arrival times of its labels.jsonl (--arrival), score the findings (hl7load corpus score --json); and run the
# project's own simulator for the same seed (hl7load simeval, adult and neonatal). Prints per-kind recall,
# overall recall and false flags per clean monitor-hour, per seed and aggregated over the seeds.
#
# Seeds 1-20 are for tuning; the default seeds 1001 and 1002 are held out: report on them, never tune on them.
#
#   test/bench/vitals-eval.sh                                  # seeds 1001 1002, 150 monitors x 4 h each
#   test/bench/vitals-eval.sh --seeds "1 2 3" --monitors 45 --hours 1 --config my-gateway.yaml
#   make vitals-eval EVAL_ARGS='--seeds "1001 1002"'
#
# --generator corpus2 takes the corpus from the second blind generator, test/bench/corpus2/gen.py (Python, written
# without reading either the checks or the first generator; seeds 1-10 and the fresh seeds named in docs/vitals.md
# were tuned on, 2001-2006 and 3001-3006 are held out) instead of hl7load corpus gen; --generator corpus3 from the
# third, test/bench/corpus3/gen.py (session 19, written without reading the checks or the other two generators;
# no seed of it has been tuned on); --generator corpus4 from the fourth, test/bench/corpus4/gen.py (session 26, written
# blind the same way; it models beats, breaths and the monitor's averaging; seeds >= 1000 are held out); --generator
# corpus5 from the fifth, test/bench/corpus5/gen.py (session 29, written blind the same way; ten vendor layouts and an
# aggregating gateway, clinical and device/network traps named in each label's events; seeds >= 1000 are held out);
# --generator corpus6 from the sixth, test/bench/corpus6/gen.py (session 34, written blind the same way: five vendor
# layouts at 1-60 s, adult and neonatal physiology with arrhythmias, pacing and line artefacts, a forgery's label on
# exactly the messages whose bytes it changed; seeds >= 1000 are held out); --generator corpus7 from the seventh,
# test/bench/corpus7/gen.py (session 40, written blind the same way: nine vendor layouts, adult, paediatric and neonatal
# physiology, clinical, artefact and device/network traps named in each label's events; seeds >= 1000 are held out);
# --generator corpus8 from the eighth, test/bench/corpus8/gen.py (session 46, written blind the same way: a cardiac ICU,
# general ICU, step-down unit sending every 30-60 s or on change, PICU and NICU; six layouts including a gateway with
# several beds on one connection; night-time nursing routines and post-cardiac-surgery physiology; seeds >= 1000 are
# held out).
# The scorer and the files are the same.
#
# Flags: --generator corpus|corpus2|corpus3|corpus4|corpus5|corpus6|corpus7|corpus8 (corpus), --seeds "S...", --monitors N (150), --hours H (4), --config FILE (a gateway YAML whose vitals section
# hl7gate check uses; the simulator always runs the defaults), --sim-per-kind N (10), --sim-clean N (50),
# --sim-hours H (4), --no-sim, --out DIR (default a new /tmp/vitals-eval.XXXXXX; findings, scores and logs stay
# there), --keep (keep the generated corpora, about 430 MiB per seed at the default size), --json FILE (the
# aggregated figures as JSON), --monitor device|file (hl7gate check's keying, default device: each device a monitor;
# file keys each file, one connection, by its source as the gateway keys a connection, so its figures are the
# wire's), --min-severity info|warning|critical (score only the findings at or above it: with warning, what the
# central station is alerted on, vitals.alert.min_severity's default; e.g. with --config configs/vitals/quiet.yaml).
# A default seed costs about 220,000 messages: a minute or two of CPU.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SEEDS="1001 1002"
GENERATOR=corpus
MONITORS=150
HOURS=4
CONFIG=
SIM=1
SIM_PER_KIND=10
SIM_CLEAN=50
SIM_HOURS=4
OUT=
KEEP=0
JSON=
MONITOR=device
MIN_SEVERITY=

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--generator) GENERATOR=$2; shift ;;
	--seeds) SEEDS=$2; shift ;;
	--monitors) MONITORS=$2; shift ;;
	--hours) HOURS=$2; shift ;;
	--config) CONFIG=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
	--sim-per-kind) SIM_PER_KIND=$2; shift ;;
	--sim-clean) SIM_CLEAN=$2; shift ;;
	--sim-hours) SIM_HOURS=$2; shift ;;
	--no-sim) SIM=0 ;;
	--out) OUT=$2; shift ;;
	--keep) KEEP=1 ;;
	--json) JSON=$2; shift ;;
	--monitor) MONITOR=$2; shift ;;
	--min-severity) MIN_SEVERITY=$2; shift ;;
	-h | --help) usage ;;
	*) echo "vitals-eval: unknown argument $1" >&2; usage ;;
	esac
	shift
done
case $GENERATOR in
corpus | corpus2 | corpus3 | corpus4 | corpus5 | corpus6 | corpus7 | corpus8) ;;
*) echo "vitals-eval: --generator is corpus, corpus2, corpus3, corpus4, corpus5, corpus6, corpus7 or corpus8, not $GENERATOR" >&2; exit 2 ;;
esac
case $MIN_SEVERITY in
'' | info | warning | critical) ;;
*) echo "vitals-eval: --min-severity is info, warning or critical, not $MIN_SEVERITY" >&2; exit 2 ;;
esac
command -v jq >/dev/null || { echo "vitals-eval: needs jq (apt-get install jq)" >&2; exit 2; }
OUT=${OUT:-$(mktemp -d /tmp/vitals-eval.XXXXXX)}
mkdir -p "$OUT/bin"
log() { printf '%s\n' "$*" >&2; }

(cd "$ROOT" && go build -o "$OUT/bin/" ./cmd/hl7gate ./cmd/hl7load)
log "vitals-eval: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'), seeds $SEEDS, output in $OUT"

check_args=(--monitor "$MONITOR")
[ -n "$CONFIG" ] && check_args+=(--config "$CONFIG")
for seed in $SEEDS; do
	corpus=$OUT/corpus-$seed
	log "seed $seed: $GENERATOR gen ($MONITORS monitors x $HOURS h)"
	if [ "$GENERATOR" != corpus ]; then
		python3 "$ROOT/test/bench/$GENERATOR/gen.py" --seed "$seed" --out "$corpus" --monitors "$MONITORS" --hours "$HOURS" >&2
	else
		"$OUT/bin/hl7load" corpus gen --seed "$seed" --out "$corpus" --monitors "$MONITORS" --hours "$HOURS" >&2
	fi
	log "seed $seed: hl7gate check --arrival labels.jsonl"
	"$OUT/bin/hl7gate" check "${check_args[@]}" --arrival "$corpus/labels.jsonl" "$corpus"/mon-*.hl7 \
		>"$OUT/findings-$seed.jsonl" 2>"$OUT/check-$seed.log"
	tail -n 3 "$OUT/check-$seed.log" >&2
	if [ -n "$MIN_SEVERITY" ]; then
		mv "$OUT/findings-$seed.jsonl" "$OUT/findings-all-$seed.jsonl"
		jq -c --arg min "$MIN_SEVERITY" '{info: 1, warning: 2, critical: 3} as $rank
			| select($rank[.severity] >= $rank[$min])' "$OUT/findings-all-$seed.jsonl" >"$OUT/findings-$seed.jsonl"
	fi
	"$OUT/bin/hl7load" corpus score --dir "$corpus" --findings "$OUT/findings-$seed.jsonl" --json >"$OUT/score-$seed.json"
	# Findings on entirely clean monitors by rule (the scorer breaks them down by genuine condition only).
	jq -n --slurpfile mons "$corpus/monitors.jsonl" --slurpfile fs "$OUT/findings-$seed.jsonl" '
		($mons | map(select(.status == "clean") | {key: .id, value: true}) | from_entries) as $clean
		| (reduce (inputs | select($clean[.monitor])) as $l ({}; .["\($l.file) \($l.message)"] = true)) as $msgs
		| [$fs[] | select($msgs["\(.file | split("/") | last) \(.message)"]) | .rule]
		| group_by(.) | map({key: .[0], value: length}) | from_entries' "$corpus/labels.jsonl" >"$OUT/clean-rules-$seed.json"
	[ "$KEEP" = 1 ] || rm -rf "$corpus"
	if [ "$SIM" = 1 ]; then
		for profile in adult neonatal; do
			log "seed $seed: hl7load simeval --profile $profile"
			"$OUT/bin/hl7load" simeval --seed "$seed" --profile "$profile" --per-kind "$SIM_PER_KIND" \
				--clean "$SIM_CLEAN" --clean-hours "$SIM_HOURS" --json >"$OUT/sim-$profile-$seed.json"
		done
	fi
done

# One JSON document: per generator, per seed and aggregated (sums of episodes, detections, flags and hours).
aggregate='
def agg(runs): {
	seeds: [runs[].seed],
	kinds: ([runs[].kinds[]] | group_by(.kind) | map({kind: .[0].kind, episodes: (map(.episodes) | add),
		detected: (map(.detected) | add)} | .recall = (if .episodes > 0 then .detected / .episodes else null end))),
	episodes: ([runs[].episodes] | add), detected: ([runs[].detected] | add),
	clean_hours: ([runs[].clean_hours] | add), false_flags: ([runs[].false_flags] | add)
} | .recall = (if .episodes > 0 then .detected / .episodes else null end)
  | .false_per_clean_monitor_hour = (if .clean_hours > 0 then .false_flags / .clean_hours else null end);
def runs(gen): [.[] | select(.generator == gen)];
{corpus: {runs: runs("corpus"), all: agg(runs("corpus"))},
 sim_adult: {runs: runs("sim-adult"), all: agg(runs("sim-adult"))},
 sim_neonatal: {runs: runs("sim-neonatal"), all: agg(runs("sim-neonatal"))}}'
{
	for seed in $SEEDS; do
		jq --argjson seed "$seed" --slurpfile rules "$OUT/clean-rules-$seed.json" '{generator: "corpus", seed: $seed,
			kinds: [.kinds[] | {kind, episodes, detected}], episodes, detected, clean_hours, false_flags: .clean_flagged,
			clean_monitors, clean_monitors_with_false_flag, manipulated_false_flags_per_monitor_hour, false_flags_by_event,
			false_by_rule: $rules[0]}' "$OUT/score-$seed.json"
		if [ "$SIM" = 1 ]; then
			for profile in adult neonatal; do
				jq --arg g "sim-$profile" '{generator: $g, seed, kinds: [.kinds[] | {kind, episodes, detected}],
					episodes, detected, clean_hours, false_flags: .false_findings, false_by_rule}' \
					"$OUT/sim-$profile-$seed.json"
			done
		fi
	done
} | jq -s "$aggregate" >"$OUT/eval.json"
[ -n "$JSON" ] && cp "$OUT/eval.json" "$JSON"

# The tables: one column per seed, then all seeds together.
table() { # table GENERATOR TITLE FALSE-FLAG-LABEL
	[ "$(jq --arg g "$1" '.[$g].runs | length' "$OUT/eval.json")" -gt 0 ] || return 0
	printf '\n== %s\n' "$2"
	jq -r --arg g "$1" --arg fp "$3" '
	def pct: if . == null then "-" else (. * 1000 | round / 10 | tostring) + "%" end;
	def num: if . == null then "-" else (. * 10000 | round / 10000 | tostring) end;
	.[$g] as $t |
	(["kind"] + [$t.runs[] | "seed \(.seed)"] + ["all"] | @tsv),
	($t.all.kinds[] as $a | [$a.kind] + [$t.runs[] | ([.kinds[] | select(.kind == $a.kind) | "\(.detected)/\(.episodes)"] | first // "-")]
		+ ["\($a.recall | pct) (\($a.detected)/\($a.episodes))"] | @tsv),
	(["recall, all kinds"] + [$t.runs[] | (if .episodes > 0 then .detected / .episodes else null end) | pct] + [$t.all.recall | pct] | @tsv),
	([$fp] + [$t.runs[] | (if .clean_hours > 0 then .false_flags / .clean_hours else null end) | num] + [$t.all.false_per_clean_monitor_hour | num] | @tsv),
	(["clean monitor-hours"] + [$t.runs[] | .clean_hours | round | tostring] + [$t.all.clean_hours | round | tostring] | @tsv),
	(if $g == "corpus" then
		(["clean monitors with a false flag"] + [$t.runs[] | "\(.clean_monitors_with_false_flag)/\(.clean_monitors)"] | @tsv),
		(["false flags / h outside episodes, manipulated monitors"] + [$t.runs[] | .manipulated_false_flags_per_monitor_hour | num] | @tsv)
	else empty end)' "$OUT/eval.json" | column -t -s $'\t'
}
table corpus "blind corpus ($GENERATOR): $([ "$GENERATOR" = corpus ] && echo hl7load corpus gen || echo "test/bench/$GENERATOR/gen.py"), hl7gate check --monitor $MONITOR --arrival labels.jsonl, hl7load corpus score" "false flags / clean monitor-hour"
jq -r '.corpus.runs[] | "seed \(.seed) false findings on clean monitors by rule: " +
	(.false_by_rule | to_entries | sort_by(-.value) | map("\(.key) \(.value)") | join(", "))' "$OUT/eval.json"
table sim_adult "project simulator, adult: hl7load simeval" "false findings / clean monitor-hour"
table sim_neonatal "project simulator, neonatal: hl7load simeval --profile neonatal" "false findings / clean monitor-hour"
log "vitals-eval: figures in $OUT/eval.json, findings and scores in $OUT"
