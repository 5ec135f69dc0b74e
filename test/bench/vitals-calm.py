#!/usr/bin/env python3
"""Runs of identical values and whether the patient was calm (docs/vitals.md, "Frozen channels while the patient
is restless, session 14").

  vitals-calm.py DIR MIN_CADENCE_S SEED...

DIR holds corpus-SEED (hl7load corpus gen) and score-SEED.json (hl7load corpus score --json), as
test/bench/vitals-eval.sh --keep --out DIR leaves them. For every run of identical values of every channel of
every non-gateway monitor at a cadence of at least MIN_CADENCE_S that ends once the channel has 60 samples and
changes in at least 30 % of its messages (q learned as the engine does), of at least 5 messages, whose chance
n*log10(1-q) is at most -3 (SpO2 at 99 or more excluded), prints:

  label seed monitor channel cadence_s n log10_chance HR RR PR

label as vitals-runs.py (clean, cleanpart, KIND:hit, KIND:MISSED, other-in-ep); HR, RR, PR: that channel's mean
|change| during the run over its mean |change| in the 120 messages before it ('-' for the held channel itself).
Standard library only. Never run it on held-out seeds.
"""
import importlib.util, json, math, os, sys
spec = importlib.util.spec_from_file_location('vn', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vitals-noise.py'))
vn = importlib.util.module_from_spec(spec); spec.loader.exec_module(vn)

def mad(xs):
    xs = [x for x in xs if x is not None]
    d = [abs(xs[i]-xs[i-1]) for i in range(1, len(xs))]
    return sum(d)/len(d) if d else float('nan')

corp, MINCAD, seeds = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
for s, mo, ser, missed in vn.corpus(corp, corp, seeds, keep=lambda mo: mo['cadence_s'] >= MINCAD):
    for c in vn.CH:
        run, rv, seen, ch, q, start = 0, None, 0, 0, None, 0
        for i, m in enumerate(ser):
            v = m.get(c)
            if v is None:
                continue
            if run and v == rv:
                run += 1
            else:
                if run and seen >= 60 and q >= 0.3 and run >= 5 and not (c == 'SpO2' and rv >= 99):
                    lc = run * math.log10(1 - q)
                    if lc <= -3:
                        lab = vn.label(mo, c, i, missed)
                        out = []
                        for w in ('HR', 'RR', 'PR'):
                            if w == c:
                                out.append('-'); continue
                            dur = [x.get(w) for x in ser[start:i]]
                            pre = [x.get(w) for x in ser[max(0, start-120):start]]
                            a, b = mad(dur), mad(pre)
                            out.append('%.2f' % (a/b) if b and b == b and a == a else 'nan')
                        print(lab, s, mo['id'], c, mo['cadence_s'], run, round(lc, 1), *out)
                if run:
                    if seen < 60:
                        ch += 1; q = ch / max(seen, 1)
                    else:
                        q = q * (1 - 1/128) ** run + 1/128
                rv, run, start = v, 1, i
            seen += 1
