#!/usr/bin/env python3
"""Lone-channel level changes: missed steps and drifts against clean beds (docs/vitals.md, "Lone-channel
level changes, session 11").

Usage: test/bench/vitals-lone.py CORPORA SCORES SEEDS CLEANSEEDS
  CORPORA     directory holding corpus-S (hl7load corpus gen --seed S), e.g. /work/corpora/base
  SCORES      comma-separated directories holding score-S.json (hl7load corpus score --json); the first
              that has score-S.json is used for seed S (missed_episodes of step and drift)
  SEEDS       comma-separated training seeds whose step and drift episodes are measured
  CLEANSEEDS  comma-separated training seeds whose clean beds are scanned for the same shapes
  (never held-out seeds, never validation seeds' episodes)

The framing: a forged step or drift moves one channel by much more than its own scatter while the
channels physiology couples to it stay within theirs. Every number is in units of the bed's own
behaviour:
  step: shift = median of the first 5 messages of the episode minus median of the last 5 before, in
        units of the channel's own scatter (mean |change| between messages over the 20 before); each
        partner's shift over the same messages in units of its own scatter; jump = share of the shift
        made in the first message.
  drift: shift over the episode (median of its last 5 messages minus median of the 5 before it) in units
        of the channel's own wander over the same number of messages (median |change over h messages|
        of 5-message medians, outside the episode); each partner the same way.
  cuff: for arterial episodes, the change of (cuff mean - arterial mean) across the episode in units
        of that difference's own scatter before it (a genuine pressure change moves both).
A change is "lone" when every present partner stays below LONE (2) of its own units.
Clean beds are scanned with the same measures: abrupt level changes (step) and windows of 10-60 min
(drift) of HR, PR, SpO2, RR, arterial systolic, temperature and etCO2; their lone share is the cost.
"""
import sys, json, statistics as st, collections

CODES = [('ECG_HEART_RATE', 'HR'), ('PULS_OXIM_PULS_RATE', 'PR'), ('SAT_O2', 'SpO2'), ('RESP_RATE', 'RR'),
         ('ART_SYS', 'AS'), ('ART_DIA', 'AD'), ('ART_MEAN', 'AM'), ('NONINV_MEAN', 'NM'), ('CUFF_MEAN', 'NM'),
         ('CO2_ET', 'Et'), ('MDC_TEMP', 'T')]
PARAM = {'HR': 'HR', 'RR': 'RR', 'ABP': 'AS', 'SpO2': 'SpO2', 'Temp': 'T', 'etCO2': 'Et'}
# Physiological partners (the brief's coupling): the arterial trio's twins are listed apart.
PART = {'HR': ['PR', 'AS'], 'PR': ['HR', 'AS'], 'SpO2': ['HR', 'RR'], 'RR': ['Et', 'HR'],
        'AS': ['AD', 'AM', 'HR'], 'T': ['HR'], 'Et': ['RR']}
ARTEFACT = ('motion', 'probe_off', 'art_flush', 'art_zeroing')
LONE = 2.0


def load_mons(d):
    return {j['id']: j for j in map(json.loads, open(d + '/monitors.jsonl'))}


def load_labels(d, files):
    L = {}
    for l in open(d + '/labels.jsonl'):
        if l.split('"', 4)[3] not in files:
            continue
        j = json.loads(l)
        L[(j['file'], j['message'])] = j
    return L


def plausible(c, x):
    if x < 0:
        return False
    if c in ('AS', 'AD', 'AM'):
        return 15 <= x <= 250
    return True


def series(d, mon, L):
    """Messages of one bed (by its EUI in a gateway file) with values, label and events."""
    f = mon['file']; eui = mon['device'].split('^')[1]
    out = []; n = 0; cur = None
    for line in open(d + '/' + f, 'rb').read().decode('utf-8', 'replace').split('\r'):
        line = line.lstrip('\n')
        if line.startswith('MSH'):
            if cur is not None and cur['mine']:
                out.append(cur)
            n += 1
            cur = {'n': n, 'v': {}, 'mine': eui in line}
        elif line.startswith('OBX') and cur is not None:
            if eui in line:
                cur['mine'] = True
            x = line.split('|')
            if len(x) > 6 and x[2] == 'NM':
                for k, c in CODES:
                    if k in x[3]:
                        try:
                            v = float(x[5])
                            if plausible(c, v) and c not in cur['v']:
                                cur['v'][c] = v
                        except ValueError:
                            pass
                        break
    if cur is not None and cur['mine']:
        out.append(cur)
    res = []
    for m in out:
        lab = L.get((f, m['n']))
        if lab is None:
            continue
        m['label'] = lab['label']; m['events'] = lab.get('events', '')
        # a flushed or zeroed line (S/D/M together) is no arterial value
        v = m['v']
        if 'AS' in v and 'AD' in v and v['AS'] - v['AD'] < max(6, 0.05 * v['AS']):
            for c in ('AS', 'AD', 'AM'):
                v.pop(c, None)
        res.append(m)
    # cuff: only the message carrying a new reading
    last = None
    for m in res:
        x = m['v'].get('NM')
        if x is not None and x == last:
            m['v'].pop('NM')
        elif x is not None:
            last = x
    return res


def col(o, c, a, b):
    return [o[j]['v'].get(c) for j in range(max(0, a), min(len(o), b))]


def clean(xs):
    return [x for x in xs if x is not None]


def scatter(xs):
    xs = clean(xs)
    ds = [abs(a - b) for a, b in zip(xs, xs[1:])]
    return st.mean(ds) if len(ds) >= 5 else None


def med(xs):
    xs = clean(xs)
    return st.median(xs) if len(xs) >= 3 else None


def step_feats(o, c, F):
    pre = col(o, c, F - 20, F); post = col(o, c, F, F + 5)
    nz = scatter(pre); a = med(pre[-5:]); b = med(post)
    if nz is None or a is None or b is None or nz == 0:
        return None
    sh = b - a
    p0 = [x for x in pre if x is not None]; q0 = [x for x in post if x is not None]
    r = {'shift': sh, 'size': abs(sh) / nz, 'jump': (q0[0] - p0[-1]) / sh if sh else 0, 'parts': {}}
    for p in PART.get(c, []):
        pn = scatter(col(o, p, F - 20, F)); pa = med(col(o, p, F - 5, F)); pb = med(col(o, p, F, F + 5))
        if pn and pa is not None and pb is not None:
            r['parts'][p] = (pb - pa) / pn
    return r


def wander(vals5, h, skip):
    """Median |change over h messages| of a 5-message-median series, outside the index range skip."""
    ds = []
    for i in range(0, len(vals5) - h, max(1, h // 4)):
        j = i + h
        if vals5[i] is None or vals5[j] is None:
            continue
        if skip and (skip[0] <= j and i <= skip[1]):
            continue
        ds.append(abs(vals5[j] - vals5[i]))
    return st.median(ds) if len(ds) >= 8 else None


def med5(o, c):
    xs = [m['v'].get(c) for m in o]
    out = []
    for i in range(len(xs)):
        w = clean(xs[max(0, i - 4):i + 1])
        out.append(st.median(w) if len(w) >= 3 else None)
    return out


def cuff_change(o, F, Lx):
    """Change of (cuff mean - arterial mean) from readings before F to readings in [F, Lx], in units of its scatter."""
    before = [m['v']['NM'] - m['v']['AM'] for m in o[:F] if 'NM' in m['v'] and 'AM' in m['v']][-6:]
    during = [m['v']['NM'] - m['v']['AM'] for m in o[F:Lx + 1] if 'NM' in m['v'] and 'AM' in m['v']]
    if len(before) < 3 or not during:
        return None
    sd = st.pstdev(before) or 1.0
    return (st.mean(during) - st.mean(before)) / max(sd, 2.0), len(during)


def lone(parts, keys=None):
    ps = [abs(z) for p, z in parts.items() if keys is None or p in keys]
    return bool(ps) and max(ps) < LONE


def main():
    C = sys.argv[1] + '/corpus-%d'
    SC = sys.argv[2].split(',')
    SEEDS = [int(s) for s in sys.argv[3].split(',') if s]
    CLEAN = [int(s) for s in sys.argv[4].split(',') if s]
    eps = []
    for s in sorted(set(SEEDS) | set(CLEAN)):
        d = C % s
        mons = load_mons(d)
        sc = None
        for b in SC:
            try:
                sc = json.load(open('%s/score-%d.json' % (b, s))); break
            except OSError:
                pass
        missed = set()
        for k in (sc or {}).get('kinds', []):
            if k['kind'] in ('step', 'drift'):
                missed |= set(k.get('missed_episodes') or [])
        want = {}
        if s in SEEDS:
            want.update({mid: m for mid, m in mons.items() if m.get('kind') in ('step', 'drift')})
        if s in CLEAN:
            want.update({mid: m for mid, m in mons.items() if m['status'] == 'clean'})
        L = load_labels(d, set(m['file'] for m in want.values()))
        for mid, mon in sorted(want.items()):
            o = series(d, mon, L)
            if mon['status'] == 'manipulated':
                eps.append(episode(s, mon, o, mon['episode'] in missed))
            else:
                scan_clean(s, mon, o)
    report(eps)


CLEANROWS = []


def episode(s, mon, o, missed):
    c = PARAM[mon['parameter']]
    idx = [i for i, m in enumerate(o) if m['label'] == mon['kind']]
    r = {'seed': s, 'mon': mon['id'], 'kind': mon['kind'], 'c': c, 'strength': mon['strength'],
         'cad': mon['cadence_s'], 'class': mon['class'], 'missed': missed, 'n': len(idx)}
    if not idx:
        return r
    F, Lx = idx[0], idx[-1]
    r['events'] = collections.Counter(e for m in o[F:Lx + 1] for e in m['events'].split(',') if e).most_common(3)
    if mon['kind'] == 'step':
        f = step_feats(o, c, F)
        if f:
            r.update(f)
    else:
        m5 = {k: med5(o, k) for k in [c] + PART.get(c, [])}
        h = Lx - F + 1
        a = m5[c][F - 1] if F >= 5 else None; b = m5[c][Lx]
        w = wander(m5[c], h, (F, Lx))
        nz = scatter(col(o, c, F - 20, F))
        if a is not None and b is not None and w:
            r['shift'] = b - a; r['size'] = abs(b - a) / w
            r['perscatter'] = abs(b - a) / nz if nz else None
            r['parts'] = {}
            for p in PART.get(c, []):
                pa = m5[p][F - 1] if F >= 5 else None; pb = m5[p][Lx]; pw = wander(m5[p], h, (F, Lx))
                if pa is not None and pb is not None and pw:
                    r['parts'][p] = (pb - pa) / pw
    if c == 'AS':
        cc = cuff_change(o, F, Lx)
        if cc:
            r['cuff'] = cc
    return r


def scan_clean(s, mon, o):
    # steps: abrupt level changes beyond 4 x own scatter, 60 % in one message, outside artefacts
    for c in ('HR', 'PR', 'SpO2', 'RR', 'AS', 'Et', 'T'):
        i = 25
        while i < len(o) - 10:
            pre = col(o, c, i - 20, i); post = col(o, c, i, i + 5)
            if None in pre[-5:] or None in post:
                i += 1; continue
            nz = scatter(pre); a = med(pre[-5:]); b = med(post)
            if nz and abs(b - a) >= 4 * nz and abs(post[0] - pre[-1]) >= 0.6 * abs(b - a) and \
                    not any(k in o[i]['events'] for k in ARTEFACT):
                f = step_feats(o, c, i)
                if f:
                    CLEANROWS.append(('step', s, mon['id'], c, mon['cadence_s'], mon['class'], o[i]['events'] or 'none', f))
                i += 15
            else:
                i += 1
    # drifts: non-overlapping windows of 10, 20, 40 min
    cad = mon['cadence_s']
    for mins in (10, 20, 40):
        h = max(10, int(mins * 60 / cad))
        if h * 3 > len(o):
            continue
        for c in ('HR', 'SpO2', 'RR', 'AS', 'Et', 'T'):
            m5 = {k: med5(o, k) for k in [c] + PART.get(c, [])}
            w = wander(m5[c], h, None)
            if not w:
                continue
            pws = {p: wander(m5[p], h, None) for p in PART.get(c, [])}
            for F in range(5, len(o) - h, h):
                Lx = F + h - 1
                a = m5[c][F - 1]; b = m5[c][Lx]
                if a is None or b is None:
                    continue
                parts = {}
                for p in PART.get(c, []):
                    pw = pws[p]
                    if pw and m5[p][F - 1] is not None and m5[p][Lx] is not None:
                        parts[p] = (m5[p][Lx] - m5[p][F - 1]) / pw
                f = {'shift': b - a, 'size': abs(b - a) / w, 'parts': parts, 'mins': mins}
                if c == 'AS':
                    cc = cuff_change(o, F, Lx)
                    if cc:
                        f['cuff'] = cc
                evs = set(e for m in o[F:Lx + 1] for e in m['events'].split(',') if e)
                CLEANROWS.append(('drift', s, mon['id'], c, cad, mon['class'], ','.join(sorted(evs)) or 'none', f))


def fmtparts(p):
    return ' '.join('%s%+.1f' % (k, v) for k, v in p.items()) or '-'


def report(eps):
    print('== every step and drift episode (missed by the scores given, then caught)')
    print('seed mon kind param strength cad class n size(own units) jump partners(own units) cuff lone events')
    for r in sorted(eps, key=lambda r: (r['kind'], not r['missed'], r['c'], r['seed'])):
        cuff = ('%+.1f/%d' % r['cuff']) if 'cuff' in r else '-'
        print('%s %2d %s %-5s %-4s %-7s %2ds %-8s %4d size=%s jump=%s parts=[%s] cuff=%s lone=%s %s' % (
            'MISS' if r['missed'] else 'got ', r['seed'], r['mon'], r['kind'], r['c'], r['strength'], r['cad'],
            r['class'], r['n'], '%.1f' % r['size'] if 'size' in r else 'n/a',
            '%.2f' % r['jump'] if 'jump' in r else '-', fmtparts(r.get('parts', {})), cuff,
            lone(r.get('parts', {})) if 'size' in r else '-', r.get('events', '')))
    # lone-change test: size >= S own units, all partners < LONE; for drifts also size thresholds
    print()
    print('== lone-change test: episodes (missed / caught) against clean-bed shapes (seeds given as CLEANSEEDS)')
    for kind, sizes in (('step', (4, 6, 10)), ('drift', (3, 5, 8))):
        for c in ('HR', 'PR', 'SpO2', 'RR', 'AS', 'Et', 'T'):
            E = [r for r in eps if r['kind'] == kind and r['c'] == c and 'size' in r]
            K = [x for x in CLEANROWS if x[0] == kind and x[3] == c]
            if not E and not K:
                continue
            # the smallest absolute shift among the missed episodes a lone test would catch: a rule
            # would need a floor at least that low, so clean shapes below it are not counted
            fl = min([abs(r['shift']) for r in E if r['missed'] and r['size'] >= sizes[0] and lone(r['parts'])] or [0])
            cells = []
            for S in sizes:
                def ok(f):
                    if f['size'] < S or not lone(f['parts']) or abs(f['shift']) < fl:
                        return False
                    return kind != 'step' or f.get('jump', 1) >= 0.6
                em = sum(1 for r in E if r['missed'] and ok(r)); ec = sum(1 for r in E if not r['missed'] and ok(r))
                kc = sum(1 for x in K if ok(x[7])); kb = len(set((x[1], x[2]) for x in K if ok(x[7])))
                cells.append('size>=%g: missed %d/%d caught %d/%d clean %d (%d beds)' % (
                    S, em, sum(1 for r in E if r['missed']), ec, sum(1 for r in E if not r['missed']), kc, kb))
            print('%-5s %-4s floor %.1f: %s' % (kind, c, fl, ' | '.join(cells)))
    print()
    print('== arterial: change of cuff-minus-arterial mean across the window (own units), |z| >= 3')
    for kind in ('step', 'drift'):
        E = [r for r in eps if r['kind'] == kind and r['c'] == 'AS']
        K = [x for x in CLEANROWS if x[0] == kind and x[3] == 'AS' and 'cuff' in x[7]]
        print(kind, 'episodes with a cuff reading during: %d of %d, |z|>=3: missed %d caught %d; clean windows %d, |z|>=3: %d' % (
            sum(1 for r in E if 'cuff' in r), len(E),
            sum(1 for r in E if 'cuff' in r and r['missed'] and abs(r['cuff'][0]) >= 3),
            sum(1 for r in E if 'cuff' in r and not r['missed'] and abs(r['cuff'][0]) >= 3),
            len(K), sum(1 for x in K if abs(x[7]['cuff'][0]) >= 3)))
    print()
    print('== clean-bed lone shapes by genuine event (step size>=6, drift size>=5)')
    for kind, S in (('step', 6), ('drift', 5)):
        sel = [x for x in CLEANROWS if x[0] == kind and x[7]['size'] >= S and lone(x[7]['parts']) and
               (kind != 'step' or x[7].get('jump', 1) >= 0.6)]
        print(kind, len(sel), collections.Counter((x[3], x[6]) for x in sel).most_common(14))
    if '-v' in sys.argv[5:]:
        for x in CLEANROWS:
            if x[7]['size'] >= 5 and lone(x[7]['parts']):
                print('CLEAN', x[0], x[1], x[2], x[3], x[4], x[5], x[6], '%.1f' % x[7]['size'], '%+.1f' % x[7]['shift'],
                      fmtparts(x[7]['parts']))


if __name__ == '__main__':
    main()
