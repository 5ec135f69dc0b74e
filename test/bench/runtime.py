#!/usr/bin/env python3
"""Where an hl7gate run's latency tail came from, by the gateway's own runtime histograms (BENCHMARKS.md,
"Thirteenth round, session 13: the open loop's tail").

  runtime.py FILE.metrics...    one line per run: over the scrapes with every monitor connected (the
                                measured phase of an open loop after its ramp, give or take a second), the
                                share of goroutine wake-ups that waited for a CPU over 0.9, 10 and 117 ms
                                (go_sched_latencies_seconds), the collections and the bucket bound their
                                longest stop-the-world pause exceeded (go_gc_pauses_seconds), and the most
                                goroutines (thousands: sessions that stopped parking, a backlog); and from
                                the run's JSON report beside it (hl7load's latency_by_second), the seconds
                                of the measured phase that hold its slowest 1 % (second: messages), most first

The files are written by test/bench/lib.sh (scrape_runtime) next to each hl7gate run's JSON report. The
runtime's histograms are exported in coarse buckets (upper bounds about 0.9, 10.5 and 117 ms), so the shares
are of wake-ups beyond those bounds. Standard library only.
"""
import json
import os
import re
import sys


def scrapes(path):
    out, cur = [], None
    for line in open(path):
        if line.startswith('##'):
            cur = {}
            out.append(cur)
        elif cur is not None and line.strip():
            name, _, value = line.rstrip().rpartition(' ')
            try:
                v = float(value)
            except ValueError:
                continue
            if name.startswith('hl7gate_connections_open{'):  # one series per listener: their sum
                name, v = 'hl7gate_connections_open', cur.get('hl7gate_connections_open', 0) + v
            cur[name] = v
    return [s for s in out if s]


def buckets(a, b, family):
    """(count, {upper bound: count above it}) of family's histogram between scrapes a and b."""
    n = b.get(family + '_count', 0) - a.get(family + '_count', 0)
    above = {}
    for k, v in b.items():
        m = re.match(re.escape(family) + r'_bucket\{le="([^"]+)"\}$', k)
        if m and m.group(1) != '+Inf':
            above[float(m.group(1))] = n - (v - a.get(k, 0))
    return n, above


def share(n, above, bound):
    """Percentage of the n samples above the bucket bound nearest to bound (in seconds)."""
    le = min(above, key=lambda x: abs(x - bound))
    return 100 * above[le] / n


def main(paths):
    if not paths:
        sys.exit(__doc__)
    for path in paths:
        ss = scrapes(path)
        most = max((s.get('hl7gate_connections_open', 0) for s in ss), default=0)
        full = [s for s in ss if most and s.get('hl7gate_connections_open', 0) == most]
        if len(full) < 2:
            print(f'{path}: fewer than two scrapes with all {most:.0f} connections open')
            continue
        a, b = full[0], full[-1]
        n, above = buckets(a, b, 'go_sched_latencies_seconds')
        pauses, pabove = buckets(a, b, 'go_gc_pauses_seconds')
        longest = max((le for le, c in pabove.items() if c > 0), default=0)
        gcs = b.get('go_gc_cycles_total_gc_cycles_total', 0) - a.get('go_gc_cycles_total_gc_cycles_total', 0)
        gor = max(s.get('go_goroutines', 0) for s in full)
        if not n:
            print(f'{path}: no runtime histograms in its /metrics (an hl7gate before session 13); goroutines at '
                  f'most {gor:.0f}')
        else:
            print(f'{path}: {len(full)} scrapes, {most:.0f} connections; wake-ups {n:.0f}, waited > 0.9 ms '
                  f'{share(n, above, 0.0009):.2f} %, > 10 ms {share(n, above, 0.0105):.3f} %, > 117 ms '
                  f'{share(n, above, 0.117):.4f} %; collections {gcs:.0f} (pauses {pauses:.0f}, longest over '
                  f'{longest * 1e3:.3f} ms); goroutines at most {gor:.0f}')
        report = path[:-len('.metrics')] + '.json'
        if path.endswith('.metrics') and os.path.exists(report):
            secs = json.load(open(report)).get('latency_by_second') or []
            slow = sorted((s for s in secs if s['over_run_p99']), key=lambda s: -s['over_run_p99'])
            print('    slowest 1 % by second: ' + (', '.join(f"{s['second']}: {s['over_run_p99']}" for s in slow[:8]) or '-'))


if __name__ == '__main__':
    main(sys.argv[1:])
