#!/usr/bin/env python3
"""Runs of identical values in training corpora, with what surrounds them (docs/vitals.md, "Frozen and
too-smooth channels, session 13").

  vitals-runs.py CORPORA SCORES SEED...

For every channel of every non-gateway monitor, every run of identical values that ends, once the channel
has 60 samples and changes in at least 30 % of its messages (q, learned as the engine does: the plain share,
then a moving average of weight 1/128 per message), whose chance n*log10(1-q) is at most -2.5 (SpO2 at 99 or
more excluded), prints one line:

  label seed monitor channel cadence_s n log10_chance held next scatter jump floor end first last q
        q16 q32 log10_chance16 below below_scale below_all

label: clean (a clean monitor), cleanpart (a manipulated monitor outside its episode and grace), KIND:hit or
KIND:MISSED (a run of a manipulated channel ending inside the episode or its 3-message grace), other-in-ep;
scatter: moving mean |change| of the channel's changes (64); jump: |next - held| / scatter (the
discontinuity at resumption); floor: held within scale/15 of the 10th-percentile estimate, or a heart rate at
a multiple of 5 (the engine's pacing test); q16, q32: share of changes in the 16 / 32 messages before the
run, log10_chance16 the run's chance by q16; below: share of the 120 values before the run below the held
value, below_scale below it by more than scale/15, below_all the same over all earlier values.

Corpora in CORPORA/corpus-SEED (hl7load corpus gen), scores of main in SCORES/main-score-SEED.json (hl7load
corpus score --json). Standard library only (parse from vitals-noise.py). Never run it on held-out seeds.
"""
import importlib.util, json, math, os, sys

spec = importlib.util.spec_from_file_location('vn', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vitals-noise.py'))
vn = importlib.util.module_from_spec(spec); spec.loader.exec_module(vn)
SCALE = {'HR': 45, 'PR': 45, 'RR': 25}


def share(seg):
    return sum(seg[j] != seg[j-1] for j in range(1, len(seg))) / (len(seg) - 1) if len(seg) > 1 else float('nan')


def runs(corpora, scores, seeds):
    for s, mo, ser, missed in vn.corpus(corpora, scores, seeds, 'main-score-%d.json'):
        ef, el = mo.get('episode_first', 0) - 1, mo.get('episode_last', 0) - 1
        for c in vn.CH:
            pv, run, rv, seen, ch, q, sc, nsc, low, prev = [], 0, None, 0, 0, None, None, 0, None, None
            for i, m in enumerate(ser):
                v = m.get(c)
                if v is None:
                    continue
                pv.append(v)
                if run and v == rv:
                    run += 1
                else:
                    if run and seen >= 60 and q >= 0.3 and run >= 5 and sc and not (c == 'SpO2' and rv >= 99):
                        lc = run * math.log10(1 - q)
                        if lc <= -2.5:
                            fl = (c in SCALE and rv <= low + SCALE[c] / 15) or (c == 'HR' and rv % 5 == 0)
                            lab = vn.label(mo, c, i, missed)
                            b0 = len(pv) - 1 - run  # the run's first value
                            q16, q32 = share(pv[max(0, b0-16):b0+1]), share(pv[max(0, b0-32):b0+1])
                            pre = pv[max(0, b0-120):b0]
                            tol = SCALE.get(c, 20) / 15
                            below = sum(x < rv for x in pre) / max(1, len(pre))
                            below_s = sum(x < rv - tol for x in pre) / max(1, len(pre))
                            below_a = sum(x < rv - tol for x in pv[:b0]) / max(1, b0)
                            lc16 = run * math.log10(max(1e-9, 1 - q16)) if q16 == q16 else 0
                            print(lab, s, mo['id'], c, mo['cadence_s'], run, round(lc, 1), rv, v, round(sc, 2),
                                  round(abs(v - rv) / sc, 2), fl, i, ef, el, round(q, 2), round(q16, 2), round(q32, 2),
                                  round(lc16, 1), round(below, 3), round(below_s, 3), round(below_a, 3))
                    if run:
                        if seen < 60:
                            ch += 1; q = ch / max(seen, 1)
                        else:
                            q = q * (1 - 1/128) ** run + 1/128
                    rv, run = v, 1
                if prev is not None and v != prev:
                    nsc += 1
                    sc = abs(v - prev) if sc is None else sc + (abs(v - prev) - sc) / min(nsc, 64)
                prev = v
                seen += 1
                if run == 1:  # the engine's stochastic 10th percentile, from values that begin runs
                    dd = SCALE.get(c, 20) / 20
                    low = v if low is None else (low - 0.9 * dd if v < low else low + 0.1 * dd)


if __name__ == '__main__':
    runs(sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3:]])
