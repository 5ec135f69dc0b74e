#!/usr/bin/env python3
"""Roughness statistics of too_smooth episodes against clean monitors (docs/vitals.md, session 15).

Emulates too_regular's roughness (mean |second difference| over ~W messages, EMA, against the level
learned over the first 120 samples with the engine's clip at 4 x the level or half the scale, not
learning while below half of it) and reports, per statistic and cadence, the lowest (highest for
cusum) values reached on clean monitors and the value reached inside every too_smooth episode:

  own    each channel's own roughness (HR, PR, SpO2, RR, ABP-sys/dia/mean, etCO2)
  pair   differences of channels with independent errors: PR-HR, the pulse pressure PP = S - D,
         and the arterial mean's residual MRES = M - (S + 2D)/3
  cofl   correlation of the heart and pulse rates' changes (clipped at 3 x their mean) over W
  cusum  CUSUM of the log-likelihood of a drop of the roughness to 0.3 of its level

Usage: vitals-smooth15.py MODE [--corpora FMT] [--scores FMT] [--window W] SEED...
FMT with %d for the seed (defaults /work/corpora/train/s%d and
/tmp/vsmooth15/base/score-%d.json, from hl7load corpus score --json). Standard library
only; gateway files are skipped. Never run it on held-out seeds.
"""
import argparse, collections, importlib.util, json, math, os

spec = importlib.util.spec_from_file_location('vn', os.path.join(os.path.dirname(__file__), 'vitals-noise.py'))
vn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vn)

SCALE = {'HR': 2, 'PR': 2, 'SpO2': 1, 'RR': 2, 'ABP-sys': 3, 'ABP-dia': 3, 'ABP-mean': 3, 'etCO2': 2,
         'PR-HR': 2, 'PP': 3, 'MRES': 3}
CHANNELS = {'own': ['HR', 'PR', 'SpO2', 'RR', 'ABP-sys', 'ABP-dia', 'ABP-mean', 'etCO2'],
            'pair': ['PR-HR', 'PP', 'MRES'], 'cofl': ['HR'],
            'cusum': ['HR', 'PR', 'SpO2', 'RR', 'ABP-sys', 'ABP-dia', 'ABP-mean', 'etCO2']}
LEARN = 120


def roughness(vals, scale, w, cusum=False):
    """Per index, roughNow/rough (or the CUSUM) on messages where the value moved, else None."""
    out = [None] * len(vals)
    seen, rough, now, s = 0, 0.0, 0.0, 0.0
    last = last2 = prev = None
    l0, l1 = math.log(1 / 0.3), 1 / 0.3 - 1
    for i, v in enumerate(vals):
        if v is None:
            continue
        seen += 1
        d2 = None
        if seen >= 3:
            d2 = abs(v - 2 * last + last2)
            now += (d2 - now) / w
            learn = d2 if seen <= 4 else min(d2, max(4 * rough, scale / 2))
            if seen < LEARN:
                rough += (learn - rough) / (seen - 2)
            elif now >= 0.5 * rough:
                rough += (learn - rough) / 256
        last2, last = last, v
        moving = prev is not None and v != prev
        prev = v
        if seen >= LEARN and rough >= 0.5:
            s = max(0.0, s + l0 - min(d2 / rough, 4.0) * l1)
            if moving:
                out[i] = s if cusum else now / rough
    return out


def cofl(ser, w):
    """Per index, the correlation of HR's and PR's changes over ~w messages."""
    out = [None] * len(ser)
    shh = spp = shp = 0.0
    mh = mp = 1.0
    n = 0
    ph = pp = None
    for i, m in enumerate(ser):
        h, p = m.get('HR'), m.get('PR')
        if h is None or p is None:
            ph = pp = None
            continue
        if ph is not None:
            dh, dp = h - ph, p - pp
            n += 1
            if n > 20:
                dh, dp = max(-3 * mh, min(3 * mh, dh)), max(-3 * mp, min(3 * mp, dp))
            mh = max(0.5, mh + (abs(dh) - mh) / min(n, 256))
            mp = max(0.5, mp + (abs(dp) - mp) / min(n, 256))
            shh += (dh * dh - shh) / w
            spp += (dp * dp - spp) / w
            shp += (dh * dp - shp) / w
            if n >= LEARN and shh > 0 and spp > 0:
                out[i] = shp / math.sqrt(shh * spp)
        ph, pp = h, p
    return out


def derive(ser):
    for m in ser:
        if m.get('HR') is not None and m.get('PR') is not None:
            m['PR-HR'] = m['PR'] - m['HR']
        s, d, mean = m.get('ABP-sys'), m.get('ABP-dia'), m.get('ABP-mean')
        if s is not None and d is not None:
            m['PP'] = s - d
            if mean is not None:
                m['MRES'] = mean - (s + 2 * d) / 3


def forged(c, params):
    ps = params.split(',')
    if c in ('PR-HR', 'HR') and ('HR' in ps or 'PR' in ps):
        return True
    if c in ('PP', 'MRES') or c.startswith('ABP'):
        return 'ABP' in ps
    return c in ps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=sorted(CHANNELS))
    ap.add_argument('--corpora', default='/work/corpora/train/s%d')
    ap.add_argument('--scores', default='/tmp/vsmooth15/base/score-%d.json')
    ap.add_argument('--window', type=float, default=24)
    ap.add_argument('seeds', type=int, nargs='+')
    a = ap.parse_args()
    worst = max if a.mode == 'cusum' else min
    clean, eps = collections.defaultdict(list), []
    for seed in a.seeds:
        d = a.corpora % seed
        missed = set()
        try:
            for k in json.load(open(a.scores % seed))['kinds']:
                missed |= set(k['missed_episodes'])
        except FileNotFoundError:
            pass
        for line in open(d + '/monitors.jsonl'):
            mo = json.loads(line)
            if mo['layout'] == 'gateway' or not (mo['status'] == 'clean' or mo['kind'] == 'too_smooth'):
                continue
            ser = vn.parse('%s/%s' % (d, mo['file']))
            derive(ser)
            stats = {}
            for c in CHANNELS[a.mode]:
                if a.mode == 'cofl':
                    stats['HR~PR'] = cofl(ser, a.window)
                    continue
                vals = [m.get(c) for m in ser]
                if sum(v is not None for v in vals) >= 130:
                    stats[c] = roughness(vals, SCALE[c], a.window, a.mode == 'cusum')
            if mo['status'] == 'clean':
                for c, r in stats.items():
                    v = [x for x in r if x is not None]
                    if v:
                        clean[(c, mo['cadence_s'])].append((round(worst(v), 2), seed, mo['id'], mo['class']))
                continue
            first, last = mo['episode_first'] - 1, mo['episode_last'] - 1
            got = {}
            for c, r in stats.items():
                if forged(c if c != 'HR~PR' else 'HR', mo['parameter']):
                    v = [x for x in r[first:last + 1] if x is not None]
                    got[c] = round(worst(v), 2) if v else None
            if got:
                eps.append((seed, mo['id'], mo['parameter'], mo['strength'], mo['cadence_s'], last - first + 1,
                            'missed' if mo['episode'] in missed else 'hit', got))
    print('clean monitors: the three most extreme per statistic and cadence')
    for k in sorted(clean):
        print(' ', k, len(clean[k]), sorted(clean[k], reverse=(a.mode == 'cusum'))[:3])
    print('too_smooth episodes (value reached inside the episode, forged channels only)')
    for e in sorted(eps, key=lambda e: (e[6], e[4], e[0])):
        print(' ', e)


if __name__ == '__main__':
    main()
