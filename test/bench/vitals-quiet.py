#!/usr/bin/env python3
"""Missed frozen and too_smooth episodes of training corpora, and the heart-pulse witness of held rates
(docs/vitals.md, "Frozen and too-smooth channels, session 11").

  vitals-quiet.py missed SEED...    one markdown row per missed too_smooth or frozen episode (parameter,
                                    cadence, messages, what the data show) with its cause group
  vitals-quiet.py witness SEED...   every run of identical ECG heart rates (pulse rates) improbable below
                                    1e-6 by the channel's share of changes, with the other rate's signed and
                                    mean absolute distance from the held value beyond the pair's learned
                                    difference and that pair's learned scatter; clean monitors first, by
                                    the ratio (mean absolute distance / scatter), highest first

Corpora in /work/corpora/base/corpus-SEED, scores of main in /work/corpora/after9 (seeds <= 20) or
/work/corpora/main11. Standard library only (parse from vitals-noise.py); gateway files are skipped.
Never run it on held-out seeds.
"""
import json, math, os, sys, statistics, collections, importlib.util
spec = importlib.util.spec_from_file_location('vn', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vitals-noise.py'))
vn = importlib.util.module_from_spec(spec); spec.loader.exec_module(vn)
SCALE = {'HR': 45, 'PR': 45, 'RR': 25}
def scoredir(s): return '/work/corpora/after9' if s <= 20 else '/work/corpora/main11'
def rough(v):
    d = [abs(v[i]-2*v[i-1]+v[i-2]) for i in range(2, len(v))]
    return sum(d)/len(d) if d else float('nan')
def share(v):
    c = [v[i] != v[i-1] for i in range(1, len(v))]
    return sum(c)/len(c) if c else float('nan')


def missed(seeds):
    groups = collections.Counter()
    for s in seeds:
        d = '/work/corpora/base/corpus-%d' % s
        missed = set()
        for k in json.load(open('%s/score-%d.json' % (scoredir(s), s)))['kinds']:
            missed |= set(k['missed_episodes'])
        for line in open(d + '/monitors.jsonl'):
            mo = json.loads(line)
            if mo.get('kind') not in ('too_smooth', 'frozen') or mo['episode'] not in missed: continue
            kind = mo['kind']; n = mo['episode_last'] - mo['episode_first'] + 1
            head = '| %d %s | %s | %s | %s | %d s | %d |' % (s, mo['id'], kind, mo['parameter'], mo['strength'][0], mo['cadence_s'], n)
            if mo['layout'] == 'gateway':
                g = 'gateway file (beds share one file; not measured here)'; groups[(kind, 'G')] += 1
                print(head, '—', '|', g, '|'); continue
            ser = vn.parse('%s/%s' % (d, mo['file']))
            a, b = mo['episode_first'] - 1, mo['episode_last']
            ps = vn.params(mo)
            show = []
            for c in ps:
                pre = [m[c] for m in ser[max(0, a-120):a] if m.get(c) is not None]
                ep = [m[c] for m in ser[a:b] if m.get(c) is not None]
                if len(pre) < 3 or len(ep) < 3: show.append('%s absent' % c); continue
                if kind == 'frozen':
                    q = share(pre); lp = n * math.log10(max(1e-9, 1 - q))
                    low = sorted(pre)[len(pre)//10]
                    fl = c in SCALE and ep[0] <= low + SCALE[c]/15
                    m5 = c == 'HR' and ep[0] % 5 == 0
                    show.append('%s held at %g (level %.0f), q %.2f, chance 10^%.1f%s%s' % (c, ep[0], statistics.mean(pre), q, lp, ', at its floor' if fl else '', ', multiple of 5' if m5 else ''))
                else:
                    r = rough(ep)/rough(pre) if rough(pre) else float('nan')
                    show.append('%s %.2f of its roughness, %d→%d values' % (c, r, len(set(pre)), len(set(ep))))
            if kind == 'frozen':
                c = ps[0]
                if c in ('HR', 'PR'): g = 'F1 rate with a witness that stayed near the held value'
                elif c == 'RR' and 'at its floor' in show[0]: g = 'F2 breathing rate held at its floor (ventilator exemption)'
                else: g = 'F3 no witness, run too probable or too short (SpO2, RR, etCO2, ABP-sys)'
            else:
                held = any('→1 values' in x for x in show)
                if held: g = 'S1 smoothed to one value: a short freeze'
                elif ('HR' in ps) != ('PR' in ps): g = 'S2 one of HR/PR smoothed, the other kept (a witness)'
                else: g = 'S3 no witness kept (HR and PR both, or RR, SpO2, etCO2, ABP)'
            groups[(kind, g[:2])] += 1
            print(head, '; '.join(show), '|', g, '|')
    for k, v in sorted(groups.items()): print('#', k, v)


def witness(seeds):
    res = []
    for s in seeds:
        d = '/work/corpora/base/corpus-%d' % s
        missed = set()
        for k in json.load(open('%s/score-%d.json' % (scoredir(s), s)))['kinds']:
            missed |= set(k['missed_episodes'])
        for line in open(d + '/monitors.jsonl'):
            mo = json.loads(line)
            if mo['layout'] == 'gateway' or 'PR' not in mo['channels'] and 'HR' not in mo['channels']: continue
            ser = vn.parse('%s/%s' % (d, mo['file']))
            if mo['status'] == 'clean': lab = 'clean'
            else:
                lab = '%s:%s:%s' % (mo['kind'], mo['parameter'], 'MISSED' if mo['episode'] in missed else 'hit')
            ef, el = mo.get('episode_first', 0) - 1, mo.get('episode_last', 0)
            for p, w in (('HR', 'PR'), ('PR', 'HR')):
                vals = [m.get(p) for m in ser]; wit = [m.get(w) for m in ser]
                # learned pair: EMA over 64 of d=PR-HR while neither in run>=3
                off = dev = None; npair = 0
                run = 0; rv = None; ch = 0; seen = 0; q = None
                runs_w = []
                wrun = 0; wv = None
                for i in range(len(ser)):
                    v, x = vals[i], wit[i]
                    # witness run length
                    if x is not None and x == wv: wrun += 1
                    else: wrun = 1 if x is not None else 0; wv = x
                    if v is None: continue
                    if run and v == rv: run += 1
                    else:
                        if run:
                            if seen < 60: ch += 1; q = ch / seen
                            else: q = q * (1 - 1/128) ** run + 1/128
                        rv, run, start = v, 1, i; acc = []
                    seen += 1
                    if x is not None:
                        dd = (x - v) if p == 'HR' else (v - x)
                        if npair == 0: off = dd; dev = 0.0; npair = 1
                        elif run < 3 and wrun < 3:
                            k = min(npair, 64); dev += (abs(dd - off) - dev) / k; off += (dd - off) / k; npair = min(npair + 1, 64)
                        if run >= 2 and npair >= 60:
                            acc.append(dd - off)
                    if seen < 60 or q is None or q < 0.3 or run < 6 or len(acc) < 4: continue
                    if run * math.log10(1 - q) > -6: continue
                    sm = abs(sum(acc) / len(acc)); am = sum(abs(a) for a in acc) / len(acc)
                    inep = ef <= i < el + 3
                    res.append((s, mo['id'], lab if inep or lab == 'clean' else 'cleanpart', p, mo['cadence_s'], run, round(run * math.log10(1 - q), 1), rv, round(sm, 2), round(am, 2), round(dev, 2), round(am / max(dev, 1e-9), 2), i))
    # per (seed, monitor, param, run start) keep max ratio
    best = {}
    for r in res:
        key = (r[0], r[1], r[3], r[12] - r[5])
        if key not in best or r[11] > best[key][11]: best[key] = r
    for r in sorted(best.values(), key=lambda r: (r[2] != 'clean', -r[11])):
        print(*r)


if __name__ == '__main__':
    {'missed': missed, 'witness': witness}[sys.argv[1]]([int(x) for x in sys.argv[2:]])
