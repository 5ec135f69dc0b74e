#!/usr/bin/env python3
"""Noise-shape and run-length statistics of corpus channels (docs/vitals.md, session 9).

Measures, per channel, on the clean monitors of training corpora and on the
too_smooth and frozen episodes, the statistics session 9 examined:

  shape  reversal share of consecutive non-zero first differences (EMA 1/16)
         and lag-1 correlation of first differences (EMA 1/24): lowest /
         highest value reached on each clean channel, and inside each episode
  rough  second-difference roughness over 24 and 64 messages (EMA) relative to the
         channel's learned level, alone and relative to the median of the
         monitor's other channels
  runs   runs of identical values: log10 chance (n-1)*log10(1-q), q the
         channel's share of changes before the run (all of it, and the last
         30 messages), for runs starting from the 60th sample; the deepest on clean
         channels (all, and only those at cadences >= 30 s) and each frozen
         episode's

Usage: vitals-noise.py [--corpora DIR] [--scores DIR] SEED...   (all reports, one pass)
Corpora in DIR/corpus-SEED (hl7load corpus gen), scores (hl7load corpus score
--json) in --scores/score-SEED.json for the missed/hit mark. Standard library
only; aggregating gateway files are skipped. Never run it on held-out seeds.
"""
import argparse, collections, json, math, statistics

CODES = {'147842': 'HR', '149530': 'PR', '150456': 'SpO2', '151562': 'RR', '150033': 'ABP-sys',
         '150034': 'ABP-dia', '150035': 'ABP-mean', '151708': 'etCO2',
         # LOINC, as the nist layout codes them
         '8867-4': 'HR', '8889-8': 'PR', '59408-5': 'SpO2', '9279-1': 'RR', '76215-3': 'ABP-sys',
         '76213-8': 'ABP-dia', '76214-6': 'ABP-mean', '19889-5': 'etCO2'}
CH = ['HR', 'PR', 'SpO2', 'RR', 'ABP-sys', 'ABP-dia', 'ABP-mean', 'etCO2']
LEARN = 120


def parse(path):
    """One dict channel -> value (None: placeholder or unparsable) per message."""
    out = []
    with open(path, 'rb') as f:
        for line in f:
            m = {}
            for seg in line.rstrip(b'\n').split(b'\r'):
                if not seg.startswith(b'OBX'):
                    continue
                fs = seg.split(b'|')
                if len(fs) < 6:
                    continue
                ch = next((CODES[c] for c in fs[3].decode(errors='replace').split('^') if c in CODES), None)
                if ch is None:
                    continue
                try:
                    v = float(fs[5])
                    m[ch] = v if v >= 0 else None
                except ValueError:
                    m[ch] = None
            out.append(m)
    return out


def corpus(corpora, scores, seeds, score='score-%d.json', keep=lambda mo: True):
    """Yields (seed, monitor, series, missed) for every monitor of CORPORA/corpus-SEED that is not an
    aggregating gateway's and that keep accepts; missed holds the missed episodes' ids from SCORES/score
    (empty when there is no such file)."""
    for seed in seeds:
        d = '%s/corpus-%d' % (corpora, seed)
        missed = set()
        try:
            for k in json.load(open(('%s/' + score) % (scores, seed)))['kinds']:
                missed |= set(k['missed_episodes'])
        except FileNotFoundError:
            pass
        for line in open(d + '/monitors.jsonl'):
            mo = json.loads(line)
            if mo['layout'] == 'gateway' or not keep(mo):
                continue
            yield seed, mo, parse('%s/%s' % (d, mo['file'])), missed


def monitors(args):
    """Yields (seed, monitor, series, status) with status clean / hit / missed."""
    for seed, mo, ser, missed in corpus(args.corpora, args.scores, args.seeds):
        st = 'clean' if mo['status'] == 'clean' else ('missed' if mo['episode'] in missed else 'hit')
        yield seed, mo, ser, st


def params(mo):
    return [c for p in mo['parameter'].split(',') for c in (['ABP-sys', 'ABP-dia', 'ABP-mean'] if p == 'ABP' else [p])]


def label(mo, c, i, missed):
    """How a run of channel c ending at message i of monitor mo counts: clean (a clean monitor), KIND:hit or
    KIND:MISSED (inside the episode of a manipulated channel, or 3 messages after it), other-in-ep (another
    channel during the episode) or cleanpart (outside the episode). missed holds the missed episodes' ids."""
    if mo['status'] == 'clean':
        return 'clean'
    ef, el = mo.get('episode_first', 0) - 1, mo.get('episode_last', 0) - 1
    if not ef <= i <= el + 3:
        return 'cleanpart'
    if c in params(mo):
        return '%s:%s' % (mo['kind'], 'MISSED' if mo['episode'] in missed else 'hit')
    return 'other-in-ep'


def shape(vals):
    """Per message (reversal share, lag-1 correlation of differences) once LEARN reversals were seen."""
    out, last, lastd, lastnz = [None] * len(vals), None, None, 0
    rev, num, den, n = 0.5, 0.0, 1e-9, 0
    for i, v in enumerate(vals):
        if v is None:
            continue
        if last is not None:
            d = v - last
            if lastd is not None:
                num += (d * lastd - num) / 24
                den += (d * d - den) / 24
            if d != 0:
                if lastnz != 0:
                    rev += ((1.0 if d * lastnz < 0 else 0.0) - rev) / 16
                    n += 1
                lastnz = d
            lastd = d
        last = v
        if n >= LEARN:
            out[i] = (rev, num / den if den > 1e-6 else 0.0)
    return out


def rough(series, w):
    """Per message, channel -> roughness over 1/w EMA divided by its learned level."""
    st = {c: [None, None, 0.0, 0.0, 0] for c in CH}  # last, last2, now, learned, n
    out = []
    for m in series:
        r = {}
        for c in CH:
            v, s = m.get(c), st[c]
            if v is None:
                continue
            if s[1] is not None:
                d2 = abs(v - 2 * s[0] + s[1])
                s[2] += (d2 - s[2]) / w
                s[4] += 1
                if s[4] <= LEARN:
                    s[3] += (d2 - s[3]) / s[4]
                elif s[2] >= 0.5 * s[3]:
                    s[3] += (min(d2, 4 * s[3]) - s[3]) / 256
                if s[4] > LEARN and s[3] >= 0.5:
                    r[c] = s[2] / s[3]
            s[1], s[0] = s[0], v
        out.append(r)
    return out


def relative(r, c):
    """The channel's ratio over the median of the other channels' (one transducer, one heart count once)."""
    group = lambda x: 'ABP' if x.startswith('ABP') else ('rate' if x in ('HR', 'PR') else x)
    others = [r[o] for o in r if group(o) != group(c)]
    return r[c] / max(statistics.median(others), 1e-3) if c in r and len(others) >= 2 else None


def runs(vals, window=30):
    """(first, last, length, log10 chance by the recent and the whole-history change share, value) of runs >= 4."""
    idx = [i for i, v in enumerate(vals) if v is not None]
    xs = [vals[i] for i in idx]
    ch = [0] + [int(xs[k] != xs[k - 1]) for k in range(1, len(xs))]
    k, out = 0, []
    while k < len(xs):
        j = k
        while j + 1 < len(xs) and xs[j + 1] == xs[k]:
            j += 1
        n = j - k + 1
        if n >= 4 and k >= 60:  # judged from the 60th sample, as the frozen rule does (changeLearn)
            q, qg = sum(ch[k - window:k]) / window, sum(ch[1:k]) / (k - 1)
            out.append((idx[k], idx[j], n, (n - 1) * math.log10(max(1 - q, 1 / window / 2)),
                        (n - 1) * math.log10(max(1 - qg, 1e-3)), xs[k]))
        k = j + 1
    return out


def report(title, names, clean, eps, key=lambda x: x[0]):
    """Prints the five most extreme clean channels and every episode, per channel."""
    print('#', title, '(' + ', '.join(names) + ')')
    for c in CH:
        if not clean[c] and not eps[c]:
            continue
        print('== %s: clean channels %d, episodes %d' % (c, len(clean[c]), len(eps[c])))
        for x in sorted(clean[c], key=key)[:5]:
            print('   clean ', ' '.join('%.2f' % v for v in x[:len(names)]), 'seed %d %s %ds' % x[len(names):len(names) + 3])
        for x in sorted(eps[c], key=lambda x: (len(x) == 4, key(x) if len(x) > 4 else 0)):
            vals = ' '.join('%.2f' % v for v in x[:-4]) if len(x) > 4 else '(not judged: too few samples)'
            print('   %-7s' % x[-1], vals, 'seed %d %s %ds' % x[-4:-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('seeds', type=int, nargs='+')
    ap.add_argument('--corpora', default='/work/corpora/base')
    ap.add_argument('--scores', default='/work/corpora/base9')
    args = ap.parse_args()
    R = collections.defaultdict(lambda: (collections.defaultdict(list), collections.defaultdict(list)))
    for seed, mo, ser, st in monitors(args):
        kind = mo.get('kind')
        if st != 'clean' and kind not in ('too_smooth', 'frozen'):
            continue
        a, b = mo.get('episode_first', 0), mo.get('episode_last', -1)
        tag = (seed, mo['id'], mo['cadence_s'], st)
        add = lambda what, c, stat: (R[what][0][c].append(stat + tag) if stat else None) if st == 'clean' else R[what][1][c].append((stat or ()) + tag)
        sel = lambda xs: xs if st == 'clean' else xs[a - 1:b]
        rs = {w: rough(ser, w) for w in (24, 64)} if st == 'clean' or kind == 'too_smooth' else {}
        for c in (CH if st == 'clean' else params(mo)):
            vals = [m.get(c) for m in ser]
            if st == 'clean' or kind == 'too_smooth':
                xs = [t for t in sel(shape(vals)) if t]
                add('shape', c, (min(x[0] for x in xs), max(x[1] for x in xs)) if xs else None)
                for w, r in rs.items():
                    own = [x[c] for x in sel(r) if c in x]
                    rel = [x for x in (relative(y, c) for y in sel(r)) if x is not None]
                    add('rough%d' % w, c, (min(own), min(rel) if rel else float('nan')) if own else None)
            if st == 'clean' or kind == 'frozen':
                rr = [r for r in runs(vals) if not (c == 'SpO2' and r[5] >= 99)]
                if st != 'clean':
                    rr = [r for r in rr if r[1] >= a - 1 and r[0] <= b - 1]
                stat = (min(r[4] for r in rr), min(r[3] for r in rr), max(r[2] for r in rr)) if rr else None
                add('runs', c, stat)
                if st == 'clean' and mo['cadence_s'] >= 30:
                    add('runs30', c, stat)
    report('too_smooth: noise shape: lowest reversal share, highest lag-1 correlation of differences',
           ('reversal share', 'lag-1 correlation'), *R['shape'])
    report('too_smooth: highest lag-1 correlation first', ('reversal share', 'lag-1 correlation'), *R['shape'], key=lambda x: -x[1])
    for w in (24, 64):
        report('too_smooth: roughness over %d messages' % w, ('own ratio', 'ratio to the other channels'), *R['rough%d' % w])
        report('too_smooth: roughness over %d messages, by the ratio to the other channels' % w,
               ('own ratio', 'ratio to the other channels'), *R['rough%d' % w], key=lambda x: x[1])
    names = ('log10 chance (history q)', 'log10 chance (last 30)', 'longest run')
    report('frozen: runs of one value, all cadences', names, *R['runs'])
    report('frozen: runs of one value, clean monitors at cadences >= 30 s', names, R['runs30'][0], R['runs'][1])


if __name__ == '__main__':
    main()
