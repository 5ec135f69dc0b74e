#!/usr/bin/env python3
"""Missed steps against genuine jumps on clean beds (docs/vitals.md, "Steps, session 9").

Usage: test/bench/vitals-steps.py CORPORA SCORES FIRST LAST
  CORPORA  directory holding corpus-S (hl7load corpus gen --seed S), e.g. /work/corpora/base
  SCORES   directory holding score-S.json (hl7load corpus score --json) for the missed steps
  FIRST LAST  the training seeds to read (never held-out ones)

For every step episode (labels.jsonl), and for every abrupt level change of HR, RR or the arterial
systolic on clean beds (median of the next 5 values against the median of the last 5 beyond
max(floor, 4 x the channel's own mean change between messages), 60 % of it in one message, the
message not labelled motion, probe-off, flush or zeroing), it measures: size in units of the
channel's own scatter (mean |change| between messages over the 20 before), the share of the shift
made in the first message (jump), the further movement over the next 5 messages (cont), the noise
after over the noise before (nzr), first differences beyond max(4 x noise, a third of the shift)
within 10 messages either side (outl), for HR the jump of HR - PR in units of its own scatter
(diffjump), and prints the quartiles per group and how many match an added offset's signature
(one outlier, unchanged noise, no ramp, all of it in one message).
"""
import sys
import json, re, statistics as st, collections
codes = [('ECG_HEART_RATE','HR'),('PULS_OXIM_PULS_RATE','PR'),('SAT_O2','SpO2'),('RESP_RATE','RR'),('ART_SYS','AS'),('ART_DIA','AD'),('ART_MEAN','AM'),('PRESS_BLD_ART_PULS_RATE','IPR'),('CO2_ET','Et'),('TEMP','T')]
_mons = {}
def mons(d):
    if d not in _mons:
        _mons[d] = {j['id']: j for j in map(json.loads, open(d+'/monitors.jsonl'))}
    return _mons[d]
_labels = {}
def labels(d):
    if d not in _labels:
        L = {}
        for l in open(d+'/labels.jsonl'):
            j = json.loads(l)
            L[(j['file'], j['message'])] = j
        _labels[d] = L
    return _labels[d]
def series(d, mid):
    mon = mons(d)[mid]; f = mon['file']; eui = mon['device'].split('^')[1]
    L = labels(d)
    out = []
    n = 0
    cur = None
    def flush():
        if cur is not None and cur['eui']:
            lab = L.get((f, cur['n']), {})
            cur['label'] = lab.get('label'); cur['param'] = lab.get('parameter'); cur['events'] = lab.get('events','')
            cur['arr'] = lab.get('arrival')
            del cur['eui']
            out.append(cur)
    for line in open(d+'/'+f, 'rb').read().decode('utf-8','replace').replace('\r','\n').split('\n'):
        if line.startswith('MSH'):
            flush()
            n += 1
            cur = {'n': n, 'v': {}, 'eui': eui in line}
        elif line.startswith('OBX') and cur is not None:
            if eui in line: cur['eui'] = True
            x = line.split('|')
            if len(x) > 6 and x[2] == 'NM':
                for k, c in codes:
                    if k in x[3]:
                        if c not in cur['v']:
                            try: cur['v'][c] = float(x[5])
                            except: pass
                        break
    flush()
    out = [m for m in out if m.get('label') is not None]
    return mon, out

C = sys.argv[1] + '/corpus-%d'
B = sys.argv[2]
FIRST, LAST = int(sys.argv[3]), int(sys.argv[4])
PART={'HR':['PR'],'RR':['HR','Et','SpO2'],'AS':['HR','PR']}
FLOOR={'HR':15,'RR':5,'AS':12}
def vals(o,c,a,b): return [o[j]['v'].get(c) for j in range(max(0,a),min(len(o),b))]
def mad(xs):
    xs=[x for x in xs if x is not None]
    ds=[abs(a-b) for a,b in zip(xs,xs[1:])]
    return st.mean(ds) if len(ds)>=3 else float('nan')
def med(xs):
    xs=[x for x in xs if x is not None]
    return st.median(xs) if xs else None
def feats(o,c,F,L=None):
    pre=vals(o,c,F-20,F); post=vals(o,c,F,F+21)
    if None in pre[-6:] or None in post[:6]: return None
    nz=mad(pre)
    if not nz or nz!=nz: return None
    m0=med(pre[-5:]); m1=med(post[:5]); sh=m1-m0
    if sh==0: return None
    r={'nz':nz,'shift':sh,'size':abs(sh)/nz,'jump':(post[0]-pre[-1])/sh,
       'cont':(st.mean([x for x in post[1:6] if x is not None])-post[0])/sh,
       'nzr':mad(post[1:21])/nz}
    # first differences: outlier count beyond 4*nz in window +-10 around F
    d=[b-a for a,b in zip(vals(o,c,F-10,F+11),vals(o,c,F-9,F+12)) if a is not None and b is not None]
    r['outl']=sum(1 for x in d if abs(x)>=max(4*nz,abs(sh)/3))
    ps=[]
    for q in PART[c]:
        qp=vals(o,q,F-20,F); qa=vals(o,q,F,F+6)
        if None in qp[-6:] or None in qa or not qa: continue
        qn=mad(qp)
        if not qn or qn!=qn: continue
        ps.append('%s:%+.1f/%+.1f'%(q,(med(qa[:5])-med(qp[-5:]))/qn,(qa[0]-qp[-1])/qn))
        if c=='HR' and q=='PR':
            dd=[ (h-p) if h is not None and p is not None else None for h,p in zip(vals(o,'HR',F-20,F+21),vals(o,'PR',F-20,F+21))]
            dn=mad(dd[:20]); 
            if dn==dn and dn:
                r['diffjump']=(med(dd[20:25])-med(dd[15:20]))/dn
                r['diffnzr']=mad(dd[21:])/dn
    r['partners']=' '.join(ps)
    if L is not None:
        # persistence: messages the new level holds (within half shift of m1)
        k=0
        for x in vals(o,c,F,L+1):
            if x is not None and abs(x-m1)<=abs(sh)/2: k+=1
        r['hold']=k/max(1,L-F+1)
        r['len']=L-F+1
        b=vals(o,c,L+1,L+6)
        if None not in b and b: r['back']=(b[0]-vals(o,c,L,L+1)[0])/(-sh)
    return r
def fmt(r):
    if r is None: return 'n/a'
    return ' '.join('%s=%s'%(k,('%.2f'%v) if isinstance(v,float) else v) for k,v in r.items())

rows = []
def collect():
    for s in range(FIRST, LAST + 1):
        sc = json.load(open(B + '/score-%d.json' % s))
        missed = set([k for k in sc['kinds'] if k['kind'] == 'step'][0].get('missed_episodes') or [])
        for mid, mon in mons(C % s).items():
            if mon['status'] == 'manipulated' and mon.get('kind') == 'step':
                c = {'HR': 'HR', 'RR': 'RR', 'ABP': 'AS'}[mon['parameter']]
                _, o = series(C % s, mid)
                idx = [i for i, m in enumerate(o) if m['label'] == 'step']
                if idx:
                    r = feats(o, c, idx[0], idx[-1])
                    if r:
                        rows.append(('step-missed' if mon['episode'] in missed else 'step-caught', c, o[idx[0]]['events'], r))
            elif mon['status'] == 'clean':
                _, o = series(C % s, mid)
                for c in ('HR', 'RR', 'AS'):
                    i = 25
                    while i < len(o) - 25:
                        pre = vals(o, c, i - 20, i); post = vals(o, c, i, i + 5)
                        if None in pre[-6:] or None in post:
                            i += 1; continue
                        nz = mad(pre); sh = med(post) - med(pre[-5:])
                        if nz == nz and abs(sh) >= max(FLOOR[c], 4 * nz) and abs(post[0] - pre[-1]) >= 0.6 * abs(sh) and \
                                not any(k in o[i]['events'] for k in ('motion', 'probe_off', 'art_flush', 'art_zeroing')):
                            r = feats(o, c, i)
                            if r:
                                rows.append(('clean', c, o[i]['events'] or 'none', r))
                            i += 15
                        else:
                            i += 1
collect()
def q(xs):
    xs = sorted(xs); n = len(xs)
    if not n: return '-'
    return 'n=%d min %.2f p10 %.2f p50 %.2f p90 %.2f max %.2f' % (n, xs[0], xs[n // 10], xs[n // 2], xs[(9 * n) // 10], xs[-1])
def sig(f):
    return f.get('outl', 9) <= 1 and 0.6 <= f.get('nzr', 0) <= 1.6 and abs(f.get('cont', 9)) <= 0.2 and 0.85 <= f.get('jump', 0) <= 1.3
for ch in ('HR', 'RR', 'AS'):
    for grp in ('step-missed', 'step-caught', 'clean'):
        sel = [r for r in rows if r[0] == grp and r[1] == ch]
        print(ch, grp, 'offset signature: %d of %d' % (sum(1 for r in sel if sig(r[3])), len(sel)))
        for k in ('size', 'jump', 'cont', 'nzr', 'outl', 'diffjump'):
            print('   %-8s' % k, q([r[3][k] for r in sel if k in r[3] and r[3][k] == r[3][k]]))
    sel = [r for r in rows if r[0] == 'clean' and r[1] == ch and sig(r[3])]
    print('   clean jumps with the signature, by genuine event:', collections.Counter(r[2] for r in sel).most_common(8))
