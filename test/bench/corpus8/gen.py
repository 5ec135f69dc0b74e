#!/usr/bin/env python3
"""corpus8: an eighth blind, labelled ICU vital-sign corpus generator for hl7gate (issue 14).

One hospital's night: a cardiac-surgical ICU/CCU, a general ICU, a step-down unit (HDU) whose monitors send every
30-60 s or on change, a PICU and a NICU. Six HL7 layouts (GE-, Philips-, Mindray-, Nihon Kohden-, Contec CMS8000-style
and a Draeger-style device-integration gateway carrying several beds on one connection). Physiology per patient with
genuine clinical events, nursing routines and artefacts named in each label's `events`; one manipulation episode on
two beds in three, forged as a compromised monitor rewriting its own output.

    python3 test/bench/corpus8/gen.py --seed 1 --out /tmp/c8 [--monitors 150] [--hours 4] [--workers 2] [--no-forge]

The bytes depend only on --seed, --monitors and --hours (and --no-forge). Python 3 standard library only.
Written blind: see README.md.
"""
import argparse
import json
import math
import os
import random
import sys
import time
from multiprocessing import Pool

KINDS = ["spike", "frozen", "replay", "drift", "too_smooth", "duplicate_control_id", "step", "unit_mislabel",
         "out_of_range", "hr_pr_mismatch", "bp_inconsistent", "time_backwards", "time_future", "identity_switch",
         "nibp_cadence"]

START = 1770937200.0  # 2026-02-12T23:00:00Z: the night shift; the hospital runs on GMT (UTC+0) in February
FACILITY = "STMARYS"

# --------------------------------------------------------------------------------------------------------------
# Units, layouts, cadences


UNITS = [  # name, weight, PV1-3 point of care, populations
    ("CICU", 0.25, "CICU"),
    ("GICU", 0.30, "ICU-G"),
    ("HDU", 0.22, "HDU"),
    ("NICU", 0.15, "NICU"),
    ("PICU", 0.08, "PICU"),
]

LAYOUT_BY_UNIT = {
    "CICU": [("ge", 0.4), ("philips", 0.6)],
    "GICU": [("draeger-gw", 0.6), ("mindray", 0.4)],
    "HDU": [("nihonkohden", 0.5), ("cms8000", 0.5)],
    "NICU": [("philips", 0.5), ("mindray", 0.3), ("draeger-gw", 0.2)],
    "PICU": [("draeger-gw", 0.5), ("philips", 0.5)],
}

CADENCES = {  # (cadence s, weight); 0 = on change (evaluated every 5 s, at least every 60 s)
    "ge": [(15, 1), (30, 2), (60, 3)],
    "philips": [(1, 1), (2, 2), (5, 3), (10, 3), (15, 2)],
    "mindray": [(2, 1), (5, 3), (10, 3), (15, 1)],
    "draeger-gw": [(10, 2), (15, 2), (30, 2), (60, 1)],
    "nihonkohden": [(30, 2), (60, 2), (0, 3)],
    "cms8000": [(5, 1), (60, 2), (0, 2)],
}
NICU_FAST = [(1, 2), (2, 2), (5, 3), (10, 2)]

PLACEHOLDER = {"ge": "omit", "philips": "empty+X", "mindray": "-100", "draeger-gw": "8388607",
               "nihonkohden": "omit", "cms8000": "-100"}
NIBP_MODE = {"ge": "repeat+obx14", "philips": "repeat+obx14", "mindray": "repeat+obx14",
             "draeger-gw": "repeat+obx14", "nihonkohden": "after-reading", "cms8000": "repeat-restamped"}

FIRST = ["James", "Mary", "Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Noah", "Mia", "Jack", "Grace",
         "Leo", "Freya", "Arthur", "Lily", "Muhammad", "Sophia", "Oscar", "Evie", "Alfie", "Poppy", "Thomas", "Ivy",
         "Tomasz", "Ewa", "Aarav", "Priya", "Chinedu", "Ngozi", "Ciaran", "Siobhan", "Wei", "Mei", "Omar", "Fatima"]
# (male, female alternately)
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
        "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
        "Khan", "Nowak", "Kowalski", "Okafor", "Adeyemi", "Murphy", "O'Brien", "Chen", "Li", "Hussain", "Ali"]


def wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    x = rng.random() * tot
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


# --------------------------------------------------------------------------------------------------------------
# Bed specifications (main process; cheap)


def make_specs(seed, monitors, hours, forge):
    deal = random.Random(f"c8:{seed}:deal")
    order = list(range(1, monitors + 1))
    deal.shuffle(order)
    nclean = monitors // 3
    kind_of, strength_of = {}, {}
    for j, b in enumerate(order[nclean:]):
        k = KINDS[j % len(KINDS)]
        c = j // len(KINDS)
        kind_of[b] = k
        strength_of[b] = "subtle" if c % 5 in (1, 3) else "blatant"
    # The unit mix in proportion (largest remainders), beds shuffled over the units.
    quota = [(u[0], u[1] * monitors) for u in UNITS]
    counts = {u: int(q) for u, q in quota}
    for u, q in sorted(quota, key=lambda x: -(x[1] - int(x[1])))[:monitors - sum(counts.values())]:
        counts[u] += 1
    units = [u for u, _ in quota for _ in range(counts[u])]
    random.Random(f"c8:{seed}:units").shuffle(units)
    specs = []
    for b in range(1, monitors + 1):
        r = random.Random(f"c8:{seed}:spec:{b}")
        unit = units[b - 1]
        layout = wchoice(r, LAYOUT_BY_UNIT[unit])
        if unit == "NICU":
            cad = wchoice(r, NICU_FAST if layout != "draeger-gw" else CADENCES["draeger-gw"])
        else:
            cad = wchoice(r, CADENCES[layout])
        kind = kind_of.get(b)
        if kind in ("time_backwards", "time_future", "duplicate_control_id") and layout == "draeger-gw":
            layout = "mindray"  # the gateway stamps MSH-7 and MSH-10 itself; a monitor behind it cannot forge them
            cad = wchoice(r, CADENCES["mindray"])
        if kind == "nibp_cadence" and (cad == 0 or cad > 10):
            cad = r.choice([2, 5, 5, 10])
        # Some step-down centrals send minute trends in batches: 5 one-minute samples per message, each row with
        # its own OBX-14 (a parameter appears five times in one message).
        trend = 5 if (layout == "nihonkohden" and cad == 60 and kind != "duplicate_control_id"
                      and r.random() < 0.5) else 0
        if unit == "CICU":
            cls, sub = "adult", wchoice(r, [("cabg", 4), ("valve", 3), ("cardiology", 3)])
        elif unit == "GICU":
            cls, sub = "adult", wchoice(r, [("sepsis", 3), ("resp", 3), ("neuro", 2), ("surgical", 2), ("gi_bleed", 1)])
        elif unit == "HDU":
            cls, sub = "adult", wchoice(r, [("heart_failure", 3), ("copd_osa", 3), ("postop", 3), ("af", 2)])
        elif unit == "PICU":
            cls, sub = "paediatric", wchoice(r, [("bronchiolitis", 3), ("postop", 2), ("sepsis", 2)])
        else:
            cls, sub = "neonatal", wchoice(r, [("preterm", 5), ("term", 2), ("hie_cooled", 1)])
        specs.append({"bed": b, "unit": unit, "layout": layout, "cadence": cad, "cls": cls, "sub": sub,
                      "kind": kind if forge else None, "planned_kind": kind, "trend": trend, "strength": strength_of.get(b),
                      "spec_seed": f"c8:{seed}:bed:{b}"})
    # Connections: gateway beds of one unit share a connection, 3-5 beds each.
    groups, pending = [], {}
    for s in specs:
        if s["layout"] == "draeger-gw":
            key = s["unit"]
            pending.setdefault(key, []).append(s)
            gr = random.Random(f"c8:{seed}:gw:{key}:{len(groups)}")
            if len(pending[key]) >= gr.choice([3, 4, 4, 5]):
                groups.append(pending.pop(key))
        else:
            groups.append([s])
    for key in sorted(pending):
        groups.append(pending[key])
    groups.sort(key=lambda g: g[0]["bed"])
    return groups


# --------------------------------------------------------------------------------------------------------------
# Physiology


class OU:
    __slots__ = ("x", "tau", "sig")

    def __init__(self, rng, tau, sig):
        self.tau, self.sig = tau, sig
        self.x = rng.gauss(0, sig)

    def step(self, rng, dt):
        a = math.exp(-dt / self.tau)
        self.x = self.x * a + self.sig * math.sqrt(max(0.0, 1 - a * a)) * rng.gauss(0, 1)
        return self.x


PARAMS = ("hr", "sbp", "dbp", "rr", "spo2", "temp", "etco2")


class Ev:
    """A genuine condition: effects on latent parameters (delta, lag, rise, fall) and display flags."""
    __slots__ = ("name", "t0", "t1", "eff", "flags", "label", "data", "end")

    def __init__(self, name, t0, t1, eff=None, flags=(), label=True, data=None):
        self.name, self.t0, self.t1 = name, t0, t1
        self.eff = eff or []  # (param, delta, lag, rise, fall)
        self.flags = tuple(flags)
        self.label = label
        self.data = data or {}
        self.end = self.reach()

    def reach(self):
        return self.t1 + max([e[2] + e[4] for e in self.eff] + [0])


def env(x, t0, t1, rise, fall):
    if x <= t0:
        return 0.0
    if x < t0 + rise:
        u = (x - t0) / rise
        return u * u * (3 - 2 * u)
    if x <= t1:
        return 1.0
    if x < t1 + fall:
        u = 1 - (x - t1) / fall
        return u * u * (3 - 2 * u)
    return 0.0


def baseline(r, cls, sub):
    if cls == "adult":
        b = dict(hr=r.uniform(62, 98), sbp=r.uniform(100, 140), dbp=r.uniform(52, 74), rr=r.uniform(12, 20),
                 spo2=r.uniform(94, 99), temp=r.uniform(36.4, 37.4), etco2=r.uniform(32, 42))
        if sub == "copd_osa":
            b["spo2"] = r.uniform(89, 94)
            b["etco2"] = r.uniform(42, 52)
        if sub == "heart_failure":
            b["sbp"] = r.uniform(92, 118)
    elif cls == "paediatric":
        b = dict(hr=r.uniform(95, 135), sbp=r.uniform(88, 110), dbp=r.uniform(48, 64), rr=r.uniform(22, 34),
                 spo2=r.uniform(94, 99), temp=r.uniform(36.6, 37.6), etco2=r.uniform(34, 42))
        if sub == "bronchiolitis":
            b.update(hr=r.uniform(140, 165), rr=r.uniform(45, 65), spo2=r.uniform(91, 95))
    else:
        if sub == "preterm":
            b = dict(hr=r.uniform(140, 170), sbp=r.uniform(42, 58), dbp=r.uniform(24, 34), rr=r.uniform(40, 62),
                     spo2=r.uniform(90, 95), temp=r.uniform(36.6, 37.2), etco2=r.uniform(38, 48))
        elif sub == "hie_cooled":  # therapeutic hypothermia at 33.5 C: sinus bradycardia is expected
            b = dict(hr=r.uniform(88, 110), sbp=r.uniform(52, 66), dbp=r.uniform(30, 40), rr=r.uniform(30, 45),
                     spo2=r.uniform(95, 99), temp=r.uniform(33.3, 33.7), etco2=r.uniform(35, 45))
        else:
            b = dict(hr=r.uniform(120, 150), sbp=r.uniform(60, 76), dbp=r.uniform(32, 44), rr=r.uniform(35, 52),
                     spo2=r.uniform(95, 99.5), temp=r.uniform(36.6, 37.2), etco2=r.uniform(35, 45))
    return b


WANDER = {  # slow (tau s, sigma), fast (tau s, sigma), measurement (averaging tau s, sigma)
    "hr": ((1200, 4.0), (45, 1.8), (6, 1.0)),
    "sbp": ((1500, 5.0), (60, 2.5), (4, 1.5)),
    "dbp": ((1500, 3.0), (60, 1.5), (4, 1.0)),
    "rr": ((900, 1.6), (40, 1.3), (10, 0.9)),
    "spo2": ((1200, 0.8), (60, 0.5), (8, 0.4)),
    "temp": ((2400, 0.12), (300, 0.03), (60, 0.02)),
    "etco2": ((1500, 1.8), (60, 0.8), (8, 0.6)),
}


class Bed:
    """One monitor and its patient(s): events, device behaviour and message records."""

    def __init__(self, spec, hours):
        self.s = spec
        self.b = spec["bed"]
        self.hours = hours
        self.T = hours * 3600.0
        self.r = random.Random(spec["spec_seed"] + ":plan")
        self.cls, self.sub, self.unit, self.layout = spec["cls"], spec["sub"], spec["unit"], spec["layout"]
        self.cad = spec["cadence"]
        self.events = []
        self.conditions = set()
        self.plan()

    # ---- the plan: channels, patients, events, device behaviour
    def plan(self):
        r, T, cls, sub, unit = self.r, self.T, self.cls, self.sub, self.unit
        kind = self.s["planned_kind"]
        # Channels.
        self.has_abp = (unit in ("CICU",) or (unit == "GICU" and r.random() < 0.8) or
                        (unit == "PICU" and r.random() < 0.5) or (unit == "NICU" and sub != "term" and r.random() < 0.35))
        if kind == "bp_inconsistent" and not self.has_abp and r.random() < 0.5:
            self.has_abp = True
        self.vent = (unit == "CICU" and sub != "cardiology" and r.random() < 0.7) or \
                    (unit == "GICU" and r.random() < 0.7) or (unit == "PICU" and r.random() < 0.45) or \
                    (unit == "NICU" and r.random() < 0.2)
        self.has_etco2 = self.vent or (unit == "HDU" and r.random() < 0.12)
        self.has_temp = unit != "HDU" or r.random() < 0.5 or self.layout == "cms8000"
        if kind == "unit_mislabel" and not (self.has_etco2 or self.has_temp):
            self.has_temp = True
        self.mand = self.vent and r.random() < 0.45  # mandatory mode: RR = set rate
        self.set_rr = {"adult": r.choice([12, 14, 14, 16, 18]), "paediatric": r.choice([20, 22, 24, 26]),
                       "neonatal": r.choice([40, 45, 50, 60])}[cls]
        lay = self.layout
        self.etco2_unit = "kPa" if (lay == "draeger-gw" or (lay == "philips" and r.random() < 0.5)) else "mmHg"
        self.temp_unit = "degF" if (lay == "philips" and cls == "adult" and r.random() < 0.35) else "Cel"
        self.rr_source = "co2" if (self.has_etco2 and r.random() < 0.5) else "imp"
        self.cuff_same_arm = r.random() < 0.3 and cls != "neonatal"
        # Half the Mindray-style beds go through an interface configured for LOINC first, MDC as the alternate
        # identifier (OBX-3 components 4-6), as in NIST's PCD examples.
        self.loinc = self.layout == "mindray" and random.Random(self.s["spec_seed"] + ":loinc").random() < 0.5
        self.no_pv1 = lay == "cms8000" and r.random() < 0.5
        # NIBP cycle (minutes); 4-hourly on most step-down beds at night.
        if unit == "HDU":
            self.nibp_every = r.choice([60, 120, 240, 240, 240])
        elif unit == "NICU":
            self.nibp_every = r.choice([60, 180, 240]) if not self.has_abp else 0
        elif self.has_abp:
            self.nibp_every = r.choice([0, 0, 60, 120, 240])
        else:
            self.nibp_every = r.choice([15, 30, 60])
        if kind == "nibp_cadence" and self.nibp_every == 0:
            self.nibp_every = 60
        if kind == "bp_inconsistent" and not self.has_abp and self.nibp_every == 0:
            self.nibp_every = 30
        # Device clock: offset, drift, sometimes an NTP step back to true time.
        self.skew0 = r.gauss(0, 1.2) if r.random() < 0.75 else r.choice([-1, 1]) * r.uniform(8, 75)
        self.drift_ppm = r.gauss(0, 25)
        self.ntp_step_at = r.uniform(0.2, 0.9) * T if (abs(self.skew0) > 5 and r.random() < 0.5) else None
        self.base = baseline(r, cls, sub)
        self.patients = []
        self.add_patient(0.0)
        self.reboots, self.stalls = [], []
        if r.random() < 0.12:
            t = r.uniform(0.1, 0.9) * T
            self.reboots.append((t, t + r.uniform(60, 240)))
        if r.random() < 0.2:
            t = r.uniform(0.05, 0.95) * T
            self.stalls.append((t, t + r.uniform(40, 420)))
        self.lost_ack_p = r.choice([0.0, 0.0, 0.001, 0.004])
        self.ack_timeout = {"ge": 10, "philips": 15, "mindray": 5, "draeger-gw": 30, "nihonkohden": 10,
                            "cms8000": 5}[lay]
        self.buffers = lay in ("draeger-gw", "philips", "mindray")  # backlog sent after a stall; GE/NK/CMS lose it
        self.trend = self.s.get("trend", 0)
        self.queries = lay in ("mindray", "nihonkohden") and not self.trend
        if self.trend:
            self.lost_ack_p = 0.0
        self.plan_turnover()
        self.plan_events()

    def add_patient(self, t, identified=None):
        r = self.r
        sex = r.choice("MF")
        first, last = r.choice(FIRST[sex == "F"::2]), r.choice(LAST)
        if self.cls == "neonatal":
            first = "BABY" + ("GIRL" if sex == "F" else "BOY")
            dob = time.strftime("%Y%m%d", time.gmtime(START - r.uniform(1, 40) * 86400))
        elif self.cls == "paediatric":
            dob = time.strftime("%Y%m%d", time.gmtime(START - r.uniform(0.3, 14) * 365 * 86400))
        else:
            dob = time.strftime("%Y%m%d", time.gmtime(START - r.uniform(19, 92) * 365 * 86400))
        mrn = "%08d" % r.randrange(10 ** 7, 10 ** 8)
        visit = "V%07d" % r.randrange(10 ** 6, 10 ** 7)
        unident = identified is None and r.random() < (0.25 if self.cls == "neonatal" else 0.08)
        p = {"t": t, "mrn": mrn, "name": f"{last.upper()}^{first.upper()}", "dob": dob, "sex": sex, "visit": visit,
             "tmp": None, "ident_at": None}
        if unident:
            p["tmp"] = "T%07d" % r.randrange(10 ** 6, 10 ** 7)
            p["ident_at"] = t + r.uniform(0.1, 0.8) * (self.T - t)
        self.patients.append(p)
        return p

    def plan_turnover(self):
        r = self.r
        self.gaps = []
        if self.unit in ("HDU", "GICU") and r.random() < 0.15 and self.T > 3600:
            t = r.uniform(0.3, 0.7) * self.T
            g = r.uniform(900, 2400)
            self.gaps.append((t, t + g, "turnover"))
            self.add_patient(t + g, identified=False)
            self.new_base = baseline(r, self.cls, self.sub)
            self.turnover_at = t + g
        else:
            self.turnover_at = None

    RHYTHM = {"af", "flutter", "ectopy", "chb", "vt", "svt", "junctional"}

    def ev(self, name, t0, t1, eff=None, flags=(), label=True, data=None):
        """Adds a genuine condition; a second arrhythmia overlapping one already planned is dropped."""
        if self.RHYTHM & set(flags):
            for o in self.events:
                if self.RHYTHM & set(o.flags) and o.t0 < t1 + 60 and t0 < o.t1 + 60:
                    return None
        e = Ev(name, t0, t1, eff, flags, label, data)
        self.events.append(e)
        self.conditions.add(name)
        return e

    def plan_events(self):
        r, T, cls, sub, unit = self.r, self.T, self.cls, self.sub, self.unit
        U = r.uniform
        # Rhythm background.
        if cls == "adult":
            if sub in ("cabg", "valve") and r.random() < 0.45:
                rate = r.choice([80, 80, 85, 90, 90, 100])
                t = 0.0
                steps = []
                while t < T and r.random() < 0.7:  # pacing weaned down in steps
                    t2 = t + U(1200, 4000)
                    steps.append((t, min(t2, T), rate))
                    rate -= 10
                    t = t2
                    if rate < 60:
                        break
                if not steps:
                    steps.append((0.0, T, rate))
                for (a, b_, rt) in steps:
                    self.ev("paced", a, b_, flags=("paced",), data={"rate": rt})
                if r.random() < 0.25:  # intermittent failure to capture: beats counted, no pulse
                    t = U(0.1, 0.9) * T
                    self.ev("pacing_loss_of_capture", t, t + U(20, 120), flags=("noncapture",))
            if sub in ("cabg", "valve") and r.random() < 0.3:  # post-operative AF, sometimes cardioverted
                t = U(0.15, 0.7) * T
                end = T
                if r.random() < 0.4:
                    end = t + U(900, 3600)
                    self.ev("cardioversion", end, end + 4, flags=("cautery",))
                self.ev("af", t, end, [("hr", U(30, 60), 0, 20, 30), ("sbp", -U(8, 18), 0, 30, 60)], ("af",))
                if r.random() < 0.6:  # amiodarone slows the ventricular rate over an hour
                    self.ev("amiodarone", t + U(600, 1200), max(end, t + 1300), [("hr", -U(15, 30), 0, 3600, 600)])
            if sub == "af" or (sub == "heart_failure" and r.random() < 0.4) or (sub == "sepsis" and r.random() < 0.2):
                self.ev("af", 0, T, [("hr", U(15, 50), 0, 1, 1)], ("af",))
            if r.random() < 0.12:
                t = U(0, 0.8) * T
                self.ev("atrial_flutter", t, min(T, t + U(1200, 5000)), flags=("flutter",), data={"rate": U(146, 154)})
            if r.random() < 0.15:
                t = U(0, 0.8) * T
                self.ev(r.choice(["bigeminy", "trigeminy"]), t, t + U(300, 2400), flags=("ectopy",))
            if r.random() < 0.06:
                t = U(0, 0.8) * T
                self.ev("complete_heart_block", t, min(T, t + U(600, 3600)), flags=("chb",), data={"rate": U(34, 44)})
            for _ in range(r.choice([0, 0, 0, 1, 2])):
                t = U(0, T)
                self.ev("vt_run", t, t + U(3, 15), flags=("vt",), data={"rate": U(150, 210)})
            if r.random() < 0.05:
                t = U(0, 0.9) * T
                self.ev("svt", t, t + U(60, 900), flags=("svt",), data={"rate": U(165, 195)})
            if r.random() < 0.04:
                t = U(0, 0.8) * T
                self.ev("junctional", t, t + U(600, 2400), flags=("junctional",), data={"rate": U(48, 60)})
        elif cls == "neonatal" and sub == "preterm" and r.random() < 0.5:
            self.ev("caffeine", U(0, T), T, [("hr", U(6, 14), 300, 1800, 60)])
        # Night: sleep for the non-sedated (adults, children).
        if not self.vent and cls != "neonatal":
            t = U(0, 1800)
            self.ev("sleep", t, T, [("hr", -U(4, 9), 0, 1200, 300), ("sbp", -U(5, 12), 0, 1200, 300),
                                    ("rr", -U(1, 3), 0, 1200, 300)], ("sleep",))
        # Nursing routines: 2-hourly turns for ventilated / bed-bound adults, bloods, suction, bathing.
        if cls == "adult" and (self.vent or unit in ("CICU", "GICU")):
            t = U(300, 3600)
            while t < T:
                self.ev("turn", t, t + U(240, 600), [("hr", U(6, 16), 0, 30, 200), ("sbp", U(6, 18), 0, 30, 200),
                                                     ("spo2", -U(1, 4), 40, 60, 400), ("rr", U(2, 6), 0, 30, 150)])
                self.ev("motion", t, t + U(60, 200), flags=("motion",))
                if self.has_abp and r.random() < 0.5:  # bed height changed, transducer not re-levelled at once
                    self.ev("transducer_height", t + 30, t + U(300, 2400), flags=("level",),
                            data={"off": r.choice([-1, 1]) * U(5, 13)})
                t += U(6600, 7800)
        if self.has_abp:
            t = U(600, T)
            for _ in range(r.choice([1, 1, 2])):  # blood sampling from the arterial line, then a flush
                d = U(30, 80)
                self.ev("blood_sampling", t, t + d, flags=("sample",))
                self.ev("line_flush", t + d, t + d + U(2, 7), flags=("flush",))
                t = U(0, T)
            if r.random() < 0.5:
                t = U(0, T)
                self.ev("zeroing", t, t + U(12, 40), flags=("zero",))
                self.ev("line_flush", t - U(3, 8), t, flags=("flush",))
            if r.random() < 0.25:
                t = U(0, T)
                self.ev("damped_trace", t, t + U(600, 3000), flags=("damp",), data={"k": U(0.2, 0.45)})
        if self.vent and cls != "neonatal":
            for _ in range(r.choice([1, 2, 3])):
                t = U(0, T)
                self.ev("suction", t, t + U(45, 150), [("hr", U(8, 25), 0, 15, 120), ("sbp", U(10, 30), 0, 15, 150),
                                                       ("spo2", -U(2, 9), 25, 30, 240), ("etco2", -U(2, 6), 0, 10, 60)],
                        ("motion",))
                if self.has_etco2:
                    self.ev("capno_disconnect", t, t + U(10, 40), flags=("capno_off",))
        if cls != "neonatal" and r.random() < 0.35:
            t = U(0.4, 0.9) * T
            self.ev("bed_bath", t, t + U(900, 1800), [("hr", U(6, 14), 0, 120, 300), ("sbp", U(4, 12), 0, 120, 300),
                                                      ("temp", -U(0.1, 0.4), 300, 600, 1800)], ("motion_int",))
        # Unit and sub-population conditions.
        if unit == "CICU" and sub in ("cabg", "valve"):
            if r.random() < 0.6:  # rewarming after bypass, with shivering
                self.base["temp"] = U(34.8, 35.8)
                self.ev("rewarming", 0, T, [("temp", U(1.0, 1.8), 0, U(5400, 10800), 60)])
                for _ in range(r.choice([1, 2, 3])):
                    t = U(0, 0.6) * T
                    self.ev("shivering", t, t + U(120, 600), [("hr", U(8, 16), 0, 30, 120), ("etco2", U(3, 7), 30, 60, 300),
                                                              ("sbp", U(5, 12), 0, 30, 120)], ("motion", "lowperf"))
            self.titration(U)
            if r.random() < 0.25:
                self.iabp(U)
            if r.random() < 0.2:
                t = U(0.2, 0.7) * T
                self.ev("chest_drain_bleeding", t, t + U(1200, 3000),
                        [("hr", U(12, 25), 0, 900, 900), ("sbp", -U(12, 25), 200, 900, 900)])
            if self.vent and r.random() < 0.5:
                self.extubation_at = U(0.3, 0.8) * T
                self.ev("extubation", self.extubation_at, self.extubation_at + 600,
                        [("hr", U(5, 12), 0, 60, 600), ("spo2", -U(1, 4), 30, 60, 900), ("sbp", U(5, 15), 0, 60, 600)])
        if unit == "GICU":
            if sub == "sepsis" or r.random() < 0.15:
                t = U(0, 0.5) * T
                d = U(3600, 7200)
                self.ev("sepsis", t, t + d, [("hr", U(15, 30), 0, 2400, 1800), ("sbp", -U(10, 25), 300, 2400, 1800),
                                             ("temp", U(0.9, 1.8), 600, 3000, 3600), ("rr", U(3, 8), 0, 2400, 1800)])
                if r.random() < 0.5:
                    tr = t + U(600, 1800)
                    self.ev("rigors", tr, tr + U(300, 900), [("hr", U(10, 20), 0, 60, 300)], ("motion", "lowperf"))
                self.titration(U, start=t + U(1200, 2400))
            if sub in ("neuro",) and r.random() < 0.5:
                t = U(0, T)
                self.ev("seizure", t, t + U(45, 180), [("hr", U(25, 50), 0, 10, 400), ("sbp", U(20, 40), 0, 10, 400),
                                                       ("spo2", -U(4, 12), 20, 30, 400)], ("motion", "motion_hard"))
            if self.vent and r.random() < 0.5:
                t = U(0, 0.7) * T
                self.ev("sedation_hold", t, t + U(1200, 3600),
                        [("hr", U(10, 25), 60, 600, 600), ("sbp", U(12, 30), 60, 600, 600), ("rr", U(5, 12), 0, 300, 600)],
                        ("motion_int",))
                tb = t + U(1300, 3700)
                self.ev("sedation_bolus", tb, tb + U(600, 1200),
                        [("sbp", -U(12, 25), 30, 120, 900), ("hr", -U(4, 12), 30, 120, 900), ("rr", -U(2, 5), 0, 60, 600)])
            if self.vent and r.random() < 0.3:  # chest physiotherapy: percussion, suction, recruitment
                t = U(0, 0.8) * T
                self.ev("chest_physiotherapy", t, t + U(900, 1500),
                        [("hr", U(6, 14), 0, 60, 300), ("sbp", U(5, 15), 0, 60, 300), ("spo2", -U(1, 4), 60, 120, 600)],
                        ("motion_int", "capno_off_int"))
            if self.vent and not self.mand and r.random() < 0.3:
                t = U(0, 0.7) * T
                self.ev("spontaneous_breathing_trial", t, t + U(1800, 5400),
                        [("rr", U(6, 14), 0, 120, 120), ("hr", U(4, 12), 0, 300, 300), ("etco2", U(-3, 5), 0, 300, 300)])
            if sub == "resp" and r.random() < 0.35:
                t = U(0, 0.6) * T
                self.ev("proning", t, t + U(600, 1200), flags=("motion", "capno_off_int", "lead_off_int"))
                self.ev("prone_position", t + 900, T, [("spo2", U(2, 5), 600, 2400, 60)])
            if r.random() < 0.2:
                t = U(0, 0.7) * T
                self.ev("crrt_hypotension", t, t + U(900, 2400), [("sbp", -U(14, 28), 0, 600, 900), ("hr", U(4, 12), 0, 600, 900)])
            if sub == "gi_bleed" or r.random() < 0.06:
                t = U(0, 0.6) * T
                self.ev("haemorrhage", t, t + U(1800, 3600), [("hr", U(15, 35), 0, 1200, 900), ("sbp", -U(15, 35), 300, 1200, 900),
                                                             ("rr", U(3, 6), 0, 1200, 900)])
                tf = t + U(1200, 2400)
                self.ev("fluid_bolus", tf, tf + 1800, [("sbp", U(8, 15), 300, 600, 1800), ("hr", -U(5, 10), 300, 600, 1800)])
            if r.random() < 0.08:
                t = U(0, 0.8) * T
                self.ev("hypoglycaemia", t, t + U(900, 2400), [("hr", U(12, 22), 0, 600, 300), ("sbp", U(5, 10), 0, 600, 300)])
            if r.random() < 0.2:
                t = U(0, T)
                self.ev("delirium", t, t + U(600, 2400), [("hr", U(10, 20), 0, 120, 300), ("sbp", U(10, 25), 0, 120, 300),
                                                          ("rr", U(3, 8), 0, 120, 300)], ("motion_int",))
        if unit == "HDU":
            if sub == "copd_osa" or r.random() < 0.15:
                t = U(0, 0.5) * T
                self.ev("obstructive_apnoea", t, t + U(900, 3600), flags=("osa",),
                        data={"P": U(55, 110), "D": U(4, 13), "ph": U(0, 1)})
            if sub == "heart_failure" and r.random() < 0.6:
                t = U(0, 0.5) * T
                self.ev("cheyne_stokes", t, t + U(1800, 7200), flags=("cs",), data={"P": U(55, 95), "A": U(2, 5)})
            for _ in range(r.choice([0, 1, 1, 2])):
                t = U(0, T)
                self.ev("mobilisation", t, t + U(300, 900), [("hr", U(12, 30), 0, 60, 300), ("sbp", U(8, 20), 0, 60, 300),
                                                             ("rr", U(4, 10), 0, 60, 300)], ("motion", "lead_off_int"))
            if r.random() < 0.3:
                t = U(0, T)
                self.ev("pain", t, t + U(300, 1200), [("hr", U(10, 20), 0, 120, 600), ("sbp", U(10, 25), 0, 120, 600)])
        if unit == "PICU":
            for _ in range(r.choice([1, 2, 3])):
                t = U(0, T)
                self.ev("crying", t, t + U(120, 600), [("hr", U(20, 40), 0, 20, 120), ("rr", U(10, 25), 0, 20, 120),
                                                       ("sbp", U(8, 18), 0, 20, 120)], ("motion",))
            if sub in ("sepsis", "bronchiolitis") and r.random() < 0.5:
                t = U(0, 0.6) * T
                self.ev("fever", t, t + U(3600, 7200), [("temp", U(0.8, 1.8), 0, 1800, 3600), ("hr", U(10, 20), 0, 1800, 3600)])
        if unit == "NICU":
            if sub == "preterm":
                t = U(0, 1800)
                while t < T:  # apnoea-bradycardia-desaturation spells
                    d = U(12, 35)
                    depth_hr = U(35, 90)
                    self.ev("brady_desat", t, t + d, [("hr", -depth_hr, U(6, 15), 8, U(20, 50)),
                                                      ("spo2", -U(10, 25), U(10, 20), 10, U(25, 60))], ("apnoea",))
                    t += U(600, 3600)
            t = U(0, 3 * 3600)
            while t < T:  # cares and feeds every 3 h: handling, crying, incubator open
                self.ev("cares", t, t + U(600, 1200), [("hr", U(15, 35), 0, 30, 180), ("rr", U(8, 20), 0, 30, 180),
                                                       ("spo2", -U(2, 6), 20, 30, 240), ("temp", -U(0.1, 0.3), 120, 300, 900)],
                        ("motion_int", "probe_off_int"))
                self.ev("feeding", t + 1300, t + 1300 + U(600, 1500), [("spo2", -U(1, 4), 0, 60, 200), ("hr", -U(0, 8), 0, 60, 200)])
                t += U(9600, 11400)
            if sub != "hie_cooled" and r.random() < 0.3:
                t = U(0, 0.6) * T
                self.ev("kangaroo_care", t, t + U(3600, 5400), [("hr", -U(4, 10), 0, 300, 300), ("temp", U(0.1, 0.35), 0, 900, 900),
                                                                ("spo2", U(0.5, 1.5), 0, 600, 600)])
            if sub != "hie_cooled" and r.random() < 0.3:
                self.ev("phototherapy", U(0, 0.5) * T, T, [("temp", U(0.15, 0.45), 0, 1800, 60), ("hr", U(3, 8), 0, 1800, 60)])
            if sub == "hie_cooled" and r.random() < 0.3:
                t = U(0, T)
                self.ev("seizure", t, t + U(30, 120), [("hr", U(20, 40), 0, 10, 200), ("spo2", -U(4, 10), 15, 20, 200)], ("motion",))
        # Artefacts common to all.
        n_probe = {"neonatal": 6, "paediatric": 4}.get(cls, 2)
        for _ in range(r.randrange(0, n_probe + 1)):
            t = U(0, T)
            self.ev("probe_off", t, t + r.choice([U(8, 40), U(40, 400)]), flags=("probe_off",))
        for _ in range(r.randrange(0, 3)):
            t = U(0, T)
            self.ev("motion", t, t + U(15, 150), flags=("motion",))
        for _ in range(r.randrange(0, 2)):
            t = U(0, T)
            self.ev("ecg_lead_off", t, t + U(10, 180), flags=("lead_off",))
        if cls == "adult" and (r.random() < 0.3 or unit == "CICU" and r.random() < 0.5):
            t = U(0, T)
            self.ev("low_perfusion", t, t + U(600, 2400), flags=("lowperf",))
        if r.random() < 0.1:
            t = U(0, T)
            self.ev("ecg_noise", t, t + U(4, 30), flags=("cautery",))
        if self.rr_source == "imp" and (cls == "adult" and (self.vent or r.random() < 0.2)):
            t = U(0, T)
            self.ev("cardiac_oscillation_rr", t, t + U(120, 900), flags=("cardosc",))
        if self.has_etco2 and r.random() < 0.3:
            t = U(0, T)
            self.ev("capno_water_trap", t, t + U(30, 180), flags=("capno_off",))
        if self.has_temp and r.random() < 0.15:
            t = U(0, 0.8) * T
            self.ev("temp_probe_displaced", t, t + U(600, 2400), flags=("tempoff",), data={"amb": U(30.5, 34.0)})

    def titration(self, U, start=None):
        r = self.r
        t = start if start is not None else U(0, 1800)
        drug = r.choice(["noradrenaline", "noradrenaline", "dobutamine", "milrinone", "vasopressin"])
        while t < self.T:
            up = r.random() < 0.55
            d = U(4, 10) * (1 if up else -1)
            eff = [("sbp", d, U(30, 90), U(120, 300), 60), ("dbp", d * 0.6, U(30, 90), U(120, 300), 60)]
            if drug in ("dobutamine", "milrinone"):
                eff.append(("hr", abs(d) * 0.6 * (1 if up else -1), 60, 300, 60))
            self.ev(drug + "_titration", t, self.T + 1, eff, data={"label_for": 1200})
            t += U(900, 3600)

    def iabp(self, U):
        r = self.r
        t = 0.0
        ratio = 1
        while t < self.T:
            d = U(1800, 5400)
            self.ev("iabp_1to%d" % ratio, t, min(self.T, t + d), flags=("iabp%d" % ratio,), data={"aug": U(8, 25)})
            t += d
            ratio = min(3, ratio + 1) if r.random() < 0.6 else ratio
        if r.random() < 0.5:
            t = U(0, self.T)
            self.ev("iabp_mistiming", t, t + U(300, 1500), flags=("iabp_mistime",))


def _fmt_ts(t, style):
    """Device time t (epoch s) in a vendor's MSH-7/OBX-14 style."""
    tm = time.gmtime(t)
    s = time.strftime("%Y%m%d%H%M%S", tm)
    if style == "plain":
        return s
    if style == "offset":
        return s + "+0000"
    if style == "ms":
        return s + ".%03d" % int((t % 1) * 1000) + "+0000"
    return s


TS_STYLE = {"ge": "offset", "philips": "plain", "mindray": "plain", "draeger-gw": "ms", "nihonkohden": "plain",
            "cms8000": "plain"}


# --------------------------------------------------------------------------------------------------------------
# Simulation: message times and displayed values


def simulate(bed):
    """Returns the bed's message records in its own send order."""
    r = random.Random(bed.s["spec_seed"] + ":physio")
    rd = random.Random(bed.s["spec_seed"] + ":device")
    T = bed.T
    cad = bed.cad
    # Send instants (true time).
    times = []
    if cad == 0:
        t = rd.uniform(0, 5)
        while t < T:
            times.append(t)
            t += 5.0
    else:
        t = rd.uniform(0, cad)
        while t < T:
            times.append(t + rd.gauss(0, 0.03))
            t += cad
    ou = {p: (OU(r, *WANDER[p][0]), OU(r, *WANDER[p][1]), OU(r, *WANDER[p][2])) for p in PARAMS}
    events = sorted(bed.events, key=lambda e: e.t0)
    nibp = NibpSched(bed, random.Random(bed.s["spec_seed"] + ":nibp"))
    recs = []
    last_t = None
    last_sent = {}
    last_sent_t = -1e9
    base = bed.base
    for t in times:
        dt = 1.0 if last_t is None else max(1e-3, t - last_t)
        last_t = t
        if any(a <= t < b for a, b, _ in bed.gaps):
            for p in PARAMS:
                for o in ou[p]:
                    o.step(r, dt)
            continue
        if bed.turnover_at is not None and t >= bed.turnover_at:
            base = bed.new_base
        lat = {}
        for p in PARAMS:
            s0, f0, _ = ou[p]
            lat[p] = base[p] + s0.step(r, dt) + f0.step(r, dt)
        noise = {p: ou[p][2].step(r, dt) for p in PARAMS}
        flags = {}
        active = []
        for e in events:
            if e.t0 > t + 1:
                break
            if t > e.end + 1:
                continue
            hit = False
            for (p, d, lag, rise, fall) in e.eff:
                v = env(t - lag, e.t0, e.t1, rise, fall)
                if v:
                    lat[p] += d * v
                    hit = True
            if e.t0 <= t <= e.t1:
                hit = True
                for f in e.flags:
                    flags[f] = e
            if hit and e.label and t <= e.t0 + e.data.get("label_for", 1e18):
                active.append(e.name)
        # Oscillating breathing patterns.
        if "osa" in flags:
            e = flags["osa"]
            P, D = e.data["P"], e.data["D"]
            ph = ((t - e.t0) / P + e.data["ph"]) % 1.0
            if ph < 0.35:
                lat["rr"] *= 0.45  # obstructed: effort continues, impedance sees smaller breaths
                lat["hr"] -= 4
            elif ph < 0.5:
                lat["hr"] += 14 * math.sin((ph - 0.35) / 0.15 * math.pi)
                flags.setdefault("motion", e)
            lat["spo2"] -= D * max(0.0, math.sin(math.pi * (ph - 0.3) / 0.55)) if 0.3 < ph < 0.85 else 0.0
        if "cs" in flags:
            e = flags["cs"]
            ph = ((t - e.t0) / e.data["P"]) % 1.0
            lat["rr"] *= max(0.0, 0.55 + 0.95 * math.sin(2 * math.pi * ph))
            lat["spo2"] -= e.data["A"] * (0.5 + 0.5 * math.sin(2 * math.pi * (ph - 0.35)))
            lat["hr"] += 4 * math.sin(2 * math.pi * ph)
        if "apnoea" in flags:
            e = flags["apnoea"]
            lat["rr"] = 0.0 if t < e.t0 + (e.t1 - e.t0) * 0.8 else lat["rr"] * 0.5
        if bed.vent and bed.mand and not ("spontaneous_breathing_trial" in active) and not (
                getattr(bed, "extubation_at", None) and t >= bed.extubation_at):
            rr_disp_base = float(bed.set_rr) + (rd.random() < 0.08) * rd.choice([1, 2])
        else:
            rr_disp_base = None
        v = display(bed, t, lat, noise, flags, rd, rr_disp_base)
        nb = nibp.at(t, lat, flags, v)
        if nb["active"]:
            active.append(nb["active"])
        msg_events = sorted(set(active))
        # On-change senders: evaluate every 5 s, send on a change or at least every 60 s.
        if cad == 0:
            changed = nb["new"] or t - last_sent_t >= 60
            if t - last_sent_t < 15 and not nb["new"]:
                continue
            if not changed:
                for k, th in (("HR", 12), ("SpO2", 3), ("RR", 8), ("ABPm", 12)):
                    a, b_ = v.get(k), last_sent.get(k)
                    if (a is None) != (b_ is None) or (a is not None and abs(a - b_) >= th):
                        changed = True
                        break
            if not changed:
                continue
            last_sent, last_sent_t = dict(v), t
        recs.append({"t": t, "v": v, "nibp": nb["show"], "nibp_new": nb["new"], "events": msg_events,
                     "kind": "oru"})
    return recs


def display(bed, t, lat, noise, flags, rd, rr_vent):
    """What the monitor shows: rhythm counting, averaging noise, artefacts, placeholders (None = not measured)."""
    cls = bed.cls
    hr = lat["hr"] + noise["hr"]
    sbp, dbp = lat["sbp"] + noise["sbp"], lat["dbp"] + noise["dbp"]
    if dbp > sbp - 12:
        dbp = sbp - 12
    pr = hr + rd.gauss(0, 1.2)
    # Rhythm: what the ECG counts and what the pulse sees.
    if "vt" in flags:
        hr = flags["vt"].data["rate"] + rd.gauss(0, 4)
        pr = hr * rd.uniform(0.4, 0.9)
        sbp -= 25
        dbp -= 10
    elif "svt" in flags:
        hr = flags["svt"].data["rate"] + rd.gauss(0, 1)
        pr = hr - abs(rd.gauss(0, 3))
        sbp -= 12
    elif "flutter" in flags:
        hr = flags["flutter"].data["rate"] + rd.gauss(0, 0.7)
        pr = hr - abs(rd.gauss(0, 2))
    elif "chb" in flags:
        hr = flags["chb"].data["rate"] + rd.gauss(0, 0.5)
        pr = hr + rd.gauss(0, 0.8)
    elif "paced" in flags and hr < flags["paced"].data["rate"] + 3:
        hr = flags["paced"].data["rate"] + (rd.random() < 0.05) * rd.choice([-1, 1])
        pr = hr + rd.gauss(0, 0.6)
        if "noncapture" in flags:
            pr = hr * rd.uniform(0.5, 0.8)
    elif "junctional" in flags:
        hr = flags["junctional"].data["rate"] + rd.gauss(0, 0.8)
        pr = hr + rd.gauss(0, 1)
    elif "af" in flags:
        hr = hr + rd.gauss(0, 5)
        pr = hr * (1 - rd.uniform(0.02, 0.22))
    if "ectopy" in flags:
        ratio = 0.5 + rd.random() * 0.12 if flags["ectopy"].name == "bigeminy" else 0.62 + rd.random() * 0.1
        pr = hr * ratio
    map_ = dbp + (sbp - dbp) * rd.uniform(0.36, 0.42)
    spo2 = min(100.0, lat["spo2"] + noise["spo2"])
    rr = lat["rr"] + noise["rr"] if rr_vent is None else rr_vent
    temp = lat["temp"] + noise["temp"]
    etco2 = lat["etco2"] + noise["etco2"]
    # IABP: the monitor's numerics read the augmented and assisted pressures.
    abp = [sbp, dbp, map_]
    for k in ("iabp1", "iabp2", "iabp3"):
        if k in flags:
            aug = flags[k].data["aug"]
            if k == "iabp1" or rd.random() < (0.5 if k == "iabp2" else 0.33):
                abp = [max(sbp, sbp + aug), dbp - rd.uniform(6, 14), map_ + rd.uniform(3, 8)]
            else:
                abp = [sbp, dbp - rd.uniform(0, 6), map_ + rd.uniform(0, 4)]
    if "iabp_mistime" in flags:
        abp[1] -= rd.uniform(5, 12)
        abp[0] += rd.uniform(-8, 4)
    # Artefacts.
    if "motion" in flags or ("motion_int" in flags and rd.random() < 0.35) or "motion_hard" in flags:
        hr += rd.gauss(0, 10)
        pr += rd.gauss(0, 18)
        spo2 -= rd.uniform(0, 7)
        rr += rd.gauss(0, 7)
        jig = abs(rd.gauss(0, 8))  # a shaken trace: higher peaks, lower troughs
        abp = [abp[0] + jig, abp[1] - abs(rd.gauss(0, 6)), abp[2] + rd.gauss(0, 3)]
        if rd.random() < 0.1:
            spo2 = None
    if "cautery" in flags:
        hr = rd.uniform(150, 290)
    if "lowperf" in flags and spo2 is not None:
        spo2 -= rd.uniform(1, 8)
        pr = pr / 2 if rd.random() < 0.12 else pr + rd.gauss(0, 9)
        if rd.random() < 0.12:
            spo2 = None  # low signal quality: the monitor blanks SpO2 and pulse
    hr_v = None if ("lead_off" in flags or ("lead_off_int" in flags and rd.random() < 0.3)) else hr
    if "probe_off" in flags or ("probe_off_int" in flags and rd.random() < 0.3):
        spo2, pr = None, None
    if spo2 is None:
        pr = None
    if "cardosc" in flags and rr is not None:
        rr = hr * rd.uniform(0.95, 1.03)
    if bed.rr_source == "imp" and hr_v is None:
        rr = None
    # Arterial line.
    if bed.has_abp:
        if "level" in flags:
            abp = [x + flags["level"].data["off"] for x in abp]
        if "damp" in flags:
            k = flags["damp"].data["k"]
            pp = abp[0] - abp[1]
            abp = [abp[0] - k * pp * 0.6, abp[1] + k * pp * 0.4, abp[2]]
        if "sample" in flags:
            x = rd.uniform(4, 22)
            abp = [x + rd.uniform(0, 3), x - rd.uniform(0, 2), x] if rd.random() < 0.7 else None
        if "zero" in flags:
            abp = [rd.choice([0, 0, 1]), rd.choice([0, 0, -1]), 0]
        if "flush" in flags:
            fp = rd.uniform(240, 300)
            abp = [fp + rd.uniform(0, 6), fp - rd.uniform(0, 8), fp - rd.uniform(0, 3)]
        if abp is not None:  # numerics from one waveform: max >= mean >= min always
            abp = sorted(abp, reverse=True)
            abp = [abp[0], abp[2], abp[1]]
    else:
        abp = None
    if bed.has_temp:
        if "tempoff" in flags:
            e = flags["tempoff"]
            a = 1 - math.exp(-(t - e.t0) / 300)
            temp = temp + (e.data["amb"] - temp) * a
    else:
        temp = None
    if bed.has_etco2 and not (getattr(bed, "extubation_at", None) and t >= bed.extubation_at):
        if "capno_off" in flags or ("capno_off_int" in flags and rd.random() < 0.4):
            etco2 = 0.0 if rd.random() < 0.5 else None
    else:
        etco2 = None
    v = {"HR": hr_v, "PR": pr, "SpO2": spo2, "RR": rr, "TEMP": temp, "ETCO2": etco2}
    if bed.has_etco2 and getattr(bed, "extubation_at", None) and t >= bed.extubation_at:
        del v["ETCO2"]  # the capnograph is taken off after extubation: the parameter is no longer exported
    if abp is not None:
        v["ABPs"], v["ABPd"], v["ABPm"] = abp
    elif bed.has_abp:
        v["ABPs"] = v["ABPd"] = v["ABPm"] = None
    # Rounding as displayed.
    for k in ("HR", "PR", "RR", "ABPs", "ABPd", "ABPm"):
        if v.get(k) is not None:
            v[k] = int(round(max(0, v[k])))
    if v["SpO2"] is not None:
        v["SpO2"] = int(round(min(100, max(40, v["SpO2"]))))
    if v["TEMP"] is not None:
        v["TEMP"] = round(v["TEMP"], 1)
    if v.get("ETCO2") is not None:
        v["ETCO2"] = int(round(max(0, v["ETCO2"])))
    if v["RR"] is not None and v["RR"] > (140 if cls == "neonatal" else 150):
        v["RR"] = 140 if cls == "neonatal" else 150  # the top of the monitor's RR range
    if v["PR"] is not None and v["PR"] < 25:
        v["PR"] = v["SpO2"] = None  # no usable pleth: the monitor blanks SpO2 and pulse rate
    return v


class NibpSched:
    """Cuff readings: cycle, failures and retries, STAT series after a low reading, cuff on the SpO2 arm."""

    def __init__(self, bed, r):
        self.bed, self.r = bed, r
        self.every = bed.nibp_every * 60.0
        self.next = r.uniform(60, self.every) if self.every else (r.uniform(0, bed.T) if r.random() < 0.5 else 1e18)
        self.inflating_until = -1
        self.last = None  # (t, s, d, m) or (t, None...) for failed
        self.stat_until = -1
        self.retry = 0
        self.low = 90 if bed.cls == "adult" else (70 if bed.cls == "paediatric" else 40)

    def at(self, t, lat, flags, v):
        out = {"new": False, "show": self.last, "active": "nibp_stat" if t < self.stat_until else None}
        r = self.r
        if t >= self.next:
            start = self.next
            dur = r.uniform(25, 45)
            done = start + dur
            if t >= done:
                fail = r.random() < (0.25 if ("motion" in flags or "af" in flags) else 0.05)
                if fail and self.retry < 2:
                    self.last = (done, None, None, None)
                    self.retry += 1
                    self.next = done + r.uniform(30, 60)
                    out["active"] = "nibp_failed_retry"
                else:
                    self.retry = 0
                    s = lat["sbp"] + r.gauss(0, 4) + (5 if lat["sbp"] < 90 else -3)
                    d = lat["dbp"] + r.gauss(0, 3) + 4
                    d = min(d, s - 10)
                    m = d + (s - d) / 3 + r.gauss(0, 2)
                    self.last = (done, int(round(s)), int(round(d)), int(round(m)))
                    if t < self.stat_until:
                        self.next = done + r.uniform(35, 45)
                        out["active"] = "nibp_stat"
                    elif s < self.low and r.random() < 0.7:
                        if r.random() < 0.5:
                            self.stat_until = done + 300
                            self.next = done + r.uniform(35, 45)
                            out["active"] = "nibp_stat"
                        else:
                            self.next = done + r.uniform(120, 300)
                            out["active"] = "nibp_repeat_after_low"
                    else:
                        self.next = done + self.every if self.every else 1e18
                out["new"] = True
                out["show"] = self.last
            elif self.bed.cuff_same_arm and v.get("SpO2") is not None:
                v["SpO2"] = v["PR"] = None
                out["active"] = "cuff_on_spo2_arm"
        return out


# --------------------------------------------------------------------------------------------------------------
# Device and network: clocks, control IDs, reboots, stalls, resends, queries, identity


def device_pass(bed, recs):
    rd = random.Random(bed.s["spec_seed"] + ":net")
    lay = bed.layout
    out = []
    cid = rd.randrange(1, 5000)
    boot = 0
    reb = list(bed.reboots)
    stalls = list(bed.stalls)
    eui = "%016X" % random.Random(bed.s["spec_seed"] + ":eui").getrandbits(64)
    bed.eui = eui
    qn = 0
    backlog = {}
    forget = False
    last_arr = -1.0  # one message in flight per connection: nothing overtakes (backlogs, queries, resends)
    for rec in recs:
        if rec.get("nibp_new"):
            forget = False
        t = rec["t"]
        if reb and t >= reb[0][0]:
            if t < reb[0][1]:
                continue  # rebooting: nothing sent
            reb.pop(0)
            cid = 1
            boot += 1
            forget = True
            rec["events"] = sorted(set(rec["events"]) | {"reboot"})
        if forget:
            rec["nibp"] = None  # the cuff reading is not kept over a restart
        skew = bed.skew0 + bed.drift_ppm * 1e-6 * t
        if bed.ntp_step_at is not None and t >= bed.ntp_step_at:
            skew = rd.gauss(0, 0.05) + bed.drift_ppm * 1e-6 * (t - bed.ntp_step_at)
            if t - bed.ntp_step_at < 120:
                rec["events"] = sorted(set(rec["events"]) | {"ntp_step"})
        rec["dev"] = START + t + skew
        arr = t + rd.uniform(0.005, 0.12)
        st = next(((a, b) for a, b in stalls if a <= t < b), None)
        if st:
            if not bed.buffers:
                continue  # data lost while the connection is down
            backlog[st] = backlog.get(st, 0) + 1
            arr = st[1] + 1.5 + 0.02 * backlog[st]
            rec["stall"] = st
            rec["events"] = sorted(set(rec["events"]) | {"network_stall_backlog"})
        arr = max(arr, last_arr + 0.004)
        rec["arr"] = last_arr = arr
        if lay != "draeger-gw":
            if lay == "nihonkohden":
                rec["cid"] = time.strftime("%Y%m%d%H%M%S", time.gmtime(rec["dev"])) + "%04d" % (cid % 10000)
            elif lay == "mindray":
                rec["cid"] = "%s%d" % (eui[-6:], cid)
            elif lay == "ge":
                rec["cid"] = "GE%s-%d-%d" % (eui[-4:], boot, cid)
            else:
                rec["cid"] = str(cid)
            cid += 1
        out.append(rec)
        # A monitor's own patient-demographics query (PDQ) on the same connection, with its own counter.
        if bed.queries and (rec is out[0] or "reboot" in rec["events"] or rd.random() < 0.0015):
            qn += 1
            last_arr = arr + rd.uniform(0.3, 1.5)
            out.append({"t": t + 0.5, "arr": last_arr, "dev": rec["dev"] + 0.5, "kind": "qry",
                        "cid": "Q%05d" % qn, "events": ["device_query"], "v": None, "nibp": None})
        # A lost ACK: the same bytes again after the ACK timeout.
        if bed.lost_ack_p and rd.random() < bed.lost_ack_p:
            last_arr = max(arr + bed.ack_timeout + rd.uniform(0, 0.5), last_arr + 0.004)
            out.append({"resend_of": rec, "arr": last_arr, "kind": "resend"})
    # Patient identity per record.
    for rec in out:
        src = rec.get("resend_of", rec)
        if "t" not in src:
            continue
        pi = 0
        for i, p in enumerate(bed.patients):
            if src["t"] >= p["t"]:
                pi = i
        rec["pat"] = pi
        p = bed.patients[pi]
        rec["ident"] = not (p["tmp"] and src["t"] < p["ident_at"])
        if p["tmp"] and abs(src["t"] - p["ident_at"]) < 300:
            rec["events"] = sorted(set(rec.get("events", [])) | {"identified_after_unknown_admission"})
        if pi > 0 and src["t"] - p["t"] < 600:
            rec["events"] = sorted(set(rec.get("events", [])) | {"new_admission_after_turnover"})
    out.sort(key=lambda x: x["arr"])
    return out


# --------------------------------------------------------------------------------------------------------------
# Forgeries: a compromised monitor rewriting its own output


FORGEABLE = ("HR", "PR", "SpO2", "RR", "ABPs", "ETCO2", "TEMP")


def forge(bed, recs):
    """Rewrites records in place; returns (first index, last index, parameter, detail) or None."""
    kind, strength = bed.s["kind"], bed.s["strength"]
    if not kind:
        return None
    r = random.Random(bed.s["spec_seed"] + ":forge")
    subtle = strength == "subtle"
    idx = [i for i, x in enumerate(recs) if x["kind"] == "oru"]
    n = len(idx)
    T = bed.T
    cad = max(5.0, bed.cad or 20.0)

    def has(k, i):
        return recs[i]["v"].get(k) is not None

    def window(dur_s, lo=0.15, hi=0.9, need=None, prefer=None, min_msgs=1):
        """Indexes (into idx) of a window of about dur_s seconds; subtle ones prefer genuine events."""
        m = max(min_msgs, int(dur_s / (bed.cad or 20.0)))
        m = min(m, max(1, n // 3))
        cands = []
        starts = [r.randrange(int(n * lo), max(int(n * lo) + 1, int(n * hi) - m)) for _ in range(60)]
        if prefer:  # also windows starting just before each stretch of a preferred genuine event
            hits = [j for j in range(int(n * lo), int(n * hi)) if any(e in prefer for e in recs[idx[j]]["events"])]
            if hits:
                starts += [max(0, j - r.randrange(0, max(1, m // 3) + 1)) for j in r.sample(hits, min(40, len(hits)))]
        for a in starts:
            sel = list(range(a, min(n, a + m)))
            if need and (not has(need, idx[sel[0]]) or
                         sum(1 for j in sel if has(need, idx[j])) < (len(sel) if len(sel) <= 3 else 0.85 * len(sel))):
                continue
            score = 0
            if prefer:
                score = sum(1 for j in sel if any(e in prefer for e in recs[idx[j]]["events"]))
            cands.append((score, a, sel))
            if not prefer:
                break
        if not cands:
            a = int(n * 0.5)
            return list(range(a, min(n, a + m)))
        cands.sort(key=lambda c: (-c[0], c[1]))
        return cands[0][2]

    def avail(keys):
        ks = [k for k in keys if sum(1 for i in idx[n // 4: 3 * n // 4] if has(k, i)) > 0.6 * (n // 2)]
        return ks or ["HR"]

    param, detail = "", ""
    sel = []
    V = lambda j: recs[idx[j]]["v"]
    if kind == "spike":
        param = r.choice(avail(["HR", "SpO2", "RR"]))
        m = r.choice([1, 1, 2, 3])
        sel = window(m * cad, need=param, prefer=("suction", "motion", "turn", "cares", "crying", "seizure", "shivering",
                                                  "obstructive_apnoea", "brady_desat") if subtle else None)[:m]
        for j in sel:
            v = V(j)
            if v.get(param) is None:
                continue
            if param == "HR":
                v["HR"] = int(v["HR"] + (r.uniform(28, 42) if subtle else r.uniform(120, 170)))
            elif param == "SpO2":
                v["SpO2"] = int(max(40, v["SpO2"] - (r.uniform(9, 13) if subtle else r.uniform(40, 60))))
            else:
                v["RR"] = int(v["RR"] + (r.uniform(14, 20) if subtle else r.uniform(70, 110)))
        detail = f"{param} {'raised' if param != 'SpO2' else 'lowered'} on {len(sel)} message(s), then back"
    elif kind == "frozen":
        # A channel that moves in the chosen window (freezing a ventilator's set rate would change nothing).
        dur = r.uniform(900, 2400) if subtle else r.uniform(600, 3600)
        opts = avail(["HR", "PR", "RR", "SpO2", "ABPs", "ETCO2"])
        r.shuffle(opts)
        for param in opts:
            sel = window(dur, need=param, min_msgs=8)
            if len({V(j).get(param) for j in sel}) >= 4:
                break
        v0 = V(sel[0])[param]
        for k, j in enumerate(sel):
            v = V(j)
            if v.get(param) is None:
                continue
            if subtle:  # near-frozen: the first value, now and then one count off
                v[param] = v0 + (r.choice([-1, 1]) if r.random() < 0.12 else 0)
            else:
                v[param] = v0
            if param == "ABPs":
                v["ABPd"], v["ABPm"] = V(sel[0])["ABPd"], V(sel[0])["ABPm"]
        detail = f"{param} held at {v0}{' with rare 1-count dither' if subtle else ''} for {len(sel)} messages"
    elif kind == "replay":
        dur = r.uniform(600, 1800)
        back = (r.uniform(2400, 4200) if subtle else r.uniform(3600, 3 * 3600))
        back = min(back, max(300, 0.5 * T))
        m = max(4, int(dur / (bed.cad or 20.0)))
        m = min(m, n // 4)
        shift = max(m + 1, int(back / (bed.cad or 20.0)))
        if shift >= n:  # a bed with fewer messages than the look-back (coordinator's fix, session 46: seed 1006
            shift = max(m + 1, n // 2)  # crashed here); replay from half its stay back instead
        a_lo = max(shift, int(0.3 * n))
        a_hi = max(a_lo + 1, n - m - 2)
        best = None
        for _ in range(40 if subtle else 1):  # subtle: start where the old segment matches today's level
            a = r.randrange(a_lo, a_hi)
            if a - shift < 0:
                continue
            cur, old = V(a), V(a - shift)
            dist = sum(abs((cur.get(k) or 0) - (old.get(k) or 0)) for k in ("HR", "SpO2", "RR", "ABPm"))
            if best is None or dist < best[0]:
                best = (dist, a)
        a = best[1] if best else a_lo
        sel = list(range(a, min(n, a + m)))
        keys = [k for k in V(a) if k not in ()]
        for j in sel:
            src = recs[idx[j - shift]]["v"]
            v = V(j)
            for k in keys:
                if k in src:
                    x = src[k]
                    if x is not None and subtle and isinstance(x, int) and r.random() < 0.3:
                        x += r.choice([-1, 1])
                    v[k] = x
        param = "all"
        detail = f"{len(sel)} messages' values copied from {shift} messages (~{back / 60:.0f} min) earlier" + \
                 (", +-1 jitter" if subtle else "")
    elif kind == "drift":
        param = r.choice(avail(["HR", "SpO2", "RR", "ABPs", "TEMP", "ETCO2"]))
        dur = r.uniform(1800, 3600) if subtle else r.uniform(600, 2400)
        # Subtle: laid over a genuine slow trend (sepsis, bleeding, rewarming, fever, caffeine) where there is one.
        sel = window(dur, need=param, min_msgs=6,
                     prefer=("sepsis", "haemorrhage", "chest_drain_bleeding", "rewarming", "fever", "caffeine",
                             "crrt_hypotension", "sleep") if subtle else None)
        amt = {"HR": (10, 15, 25, 40), "SpO2": (-3, -4, -7, -12), "RR": (5, 7, 10, 16), "ABPs": (-10, -14, -25, -40),
               "TEMP": (0.6, 0.9, 1.5, 2.5), "ETCO2": (5, 8, 12, 20)}[param]
        D = r.uniform(*amt[:2]) if subtle else r.uniform(*amt[2:])
        if param != "TEMP" and r.random() < 0.5 and param != "SpO2":
            D = -D
        L = len(sel)
        for k, j in enumerate(sel):
            v = V(j)
            f = (k + 1) / L
            if subtle:  # up over two thirds, back down over the last third: no snap at the end
                f = min((k + 1) / (0.67 * L), max(0.0, (L - k - 1) / (0.33 * L)))
            if v.get(param) is None:
                continue
            if param == "ABPs":
                for q, w in (("ABPs", 1.0), ("ABPd", 0.6), ("ABPm", 0.75)):
                    v[q] = int(round(v[q] + D * w * f))
            elif param == "TEMP":
                v[param] = round(v[param] + D * f, 1)
            elif param == "SpO2":
                v[param] = int(round(min(100, v[param] + D * f)))
            else:
                v[param] = int(round(v[param] + D * f))
        detail = f"{param} ramped by {D:+.1f} over {len(sel)} messages, decoupled from the others, " + \
                 ("then ramped back" if subtle else "then snapped back")
    elif kind == "too_smooth":
        params = [p for p in avail(["HR", "SpO2", "RR", "ABPs"])]
        r.shuffle(params)
        params = params[:r.choice([1, 2, 3])]
        dur = r.uniform(1200, 3600)
        sel = window(dur, need=params[0], min_msgs=10)
        f = 0.5 if subtle else 0.15
        for p in params:
            keys = ["ABPs", "ABPd", "ABPm"] if p == "ABPs" else [p]
            for q in keys:
                vals = [V(j)[q] for j in sel if V(j).get(q) is not None]
                if not vals:
                    continue
                mean = sum(vals) / len(vals)
                sm = trend = None
                for j in sel:
                    x = V(j).get(q)
                    if x is None:
                        continue
                    sm = x if sm is None else sm + 0.3 * (x - sm)
                    if subtle:  # around a slow running trend, so that it enters and follows without a jump
                        trend = x if trend is None else trend + 0.05 * (x - trend)
                        V(j)[q] = int(round(trend + f * (sm - trend)))
                    else:
                        V(j)[q] = int(round(mean + f * (sm - mean)))
        param = ",".join(params)
        detail = f"{param} replaced by a moving average at {int(f * 100)} % of the real deviation " + \
                 f"({'around its own slow trend' if subtle else 'around the window mean'}) for {len(sel)} messages"
    elif kind == "duplicate_control_id":
        m = r.choice([1, 2, 3])
        back = r.uniform(120, 900) if subtle else r.uniform(3600, 3 * 3600)
        back = min(back, 0.5 * T)
        sel = window(m * cad, lo=0.55, hi=0.95, prefer=("reboot", "device_query") if subtle else None)[:m]
        for j in sel:
            tgt = recs[idx[j]]["t"] - back
            k = max(0, min(range(n), key=lambda q: abs(recs[idx[q]]["t"] - tgt)))
            recs[idx[j]]["cid"] = recs[idx[k]]["cid"]
        param = "MSH-10"
        detail = f"{len(sel)} message(s) reuse the MSH-10 of messages ~{back / 60:.0f} min earlier, new content"
    elif kind == "step":
        param = r.choice(avail(["HR", "ABPs", "RR"]))
        dur = r.uniform(600, 3600)
        sel = window(dur, need=param, min_msgs=6,
                     prefer=("turn", "pain", "sedation_hold", "suction") if subtle else None)
        amt = {"HR": (15, 22, 35, 50), "ABPs": (10, 16, 25, 45), "RR": (5, 8, 10, 15)}[param]
        D = (r.uniform(*amt[:2]) if subtle else r.uniform(*amt[2:])) * r.choice([-1, 1])
        if param == "RR" and D < 0:
            D = D / 2
        for j in sel:
            v = V(j)
            if v.get(param) is None:
                continue
            if param == "HR":
                v["HR"] = int(max(20, v["HR"] + D))
                if v.get("PR") is not None:
                    v["PR"] = int(max(20, v["PR"] + D))
            elif param == "ABPs":
                for q, w in (("ABPs", 1.0), ("ABPd", 0.65), ("ABPm", 0.78)):
                    if v.get(q) is not None:
                        v[q] = int(max(5, v[q] + D * w))
            else:
                v["RR"] = int(max(1, v["RR"] + D))
        detail = f"{param} stepped by {D:+.0f} for {len(sel)} messages"
    elif kind == "unit_mislabel":
        if bed.has_etco2 and avail(["ETCO2"]) == ["ETCO2"]:
            param = "ETCO2"
            dur = r.uniform(300, 900) if subtle else r.uniform(600, 5400)
            sel = window(dur, need="ETCO2", min_msgs=3,
                         prefer=("spontaneous_breathing_trial", "suction", "capno_water_trap", "sedation_hold") if subtle else None)
            for j in sel:
                v = V(j)
                if v.get("ETCO2") is None:
                    continue
                if bed.etco2_unit == "mmHg":
                    v["ETCO2"] = round(v["ETCO2"] / 7.50062, 1)
                    recs[idx[j]]["unit_override"] = ("ETCO2", "kPa-as-mmHg")
                else:  # the mmHg value, labelled kPa
                    recs[idx[j]]["unit_override"] = ("ETCO2", "mmHg-as-kPa")
            detail = f"etCO2 sent in the other unit but labelled {bed.etco2_unit} for {len(sel)} messages"
        else:
            param = "TEMP"
            dur = r.uniform(300, 900) if subtle else r.uniform(600, 5400)
            sel = window(dur, need="TEMP", min_msgs=3)
            for j in sel:
                v = V(j)
                if v.get("TEMP") is None:
                    continue
                if bed.temp_unit == "Cel":
                    v["TEMP"] = round(v["TEMP"] * 9 / 5 + 32, 1)
                else:
                    v["TEMP"] = round(v["TEMP"], 1)  # stored internally in C; rendered as-is under degF
                recs[idx[j]]["unit_override"] = ("TEMP", "swap")
            detail = f"temperature in the other scale, labelled {bed.temp_unit}, for {len(sel)} messages"
    elif kind == "out_of_range":
        opts = [p for p in avail(["RR", "HR", "SpO2", "TEMP", "ABPs", "ETCO2"])]
        param = r.choice(opts)
        m = r.randint(1, 6)
        sel = window(m * cad, need=param, prefer=("ecg_noise", "vt_run", "cardiac_oscillation_rr", "line_flush") if subtle else None)[:m]
        for j in sel:
            v = V(j)
            if param == "RR":
                v["RR"] = int(r.uniform(151, 160) if subtle and bed.cls == "adult" else r.uniform(160, 200))
            elif param == "HR":
                v["HR"] = int(r.uniform(305, 320) if subtle else r.uniform(330, 400))
            elif param == "SpO2":
                v["SpO2"] = int(r.choice([101, 102]) if subtle else r.uniform(105, 127))
            elif param == "TEMP":
                x = r.uniform(43.2, 43.8) if subtle else r.choice([r.uniform(44, 49), r.uniform(15, 25)])
                v["TEMP"] = round(x, 1)  # rendered in the bed's own scale
            elif param == "ABPs":
                v["ABPs"] = int(r.uniform(310, 330) if subtle else r.uniform(350, 450))
            else:
                x = r.uniform(155, 170) if subtle else r.uniform(180, 250)
                v["ETCO2"] = int(x)  # mmHg internally; rendered in the bed's own unit
        detail = f"{param} outside the physically possible range on {len(sel)} message(s)"
    elif kind == "hr_pr_mismatch":
        param = "PR"
        dur = r.uniform(600, 1800)
        sel = window(dur, need="PR", min_msgs=5, prefer=("low_perfusion", "shivering", "motion") if subtle else None)
        D = (r.uniform(18, 26) if subtle else r.uniform(30, 50)) * r.choice([-1, 1])
        if any(e in ("af", "bigeminy", "trigeminy", "atrial_flutter", "pacing_loss_of_capture")
               for j in sel for e in recs[idx[j]]["events"]):
            D = abs(D)  # with a genuine pulse deficit the forger's PR runs above HR, which no deficit explains
        for j in sel:
            v = V(j)
            if v.get("HR") is not None:
                v["PR"] = int(max(25, v["HR"] + D + r.gauss(0, 1.5)))
        detail = f"PR = HR {D:+.0f} for {len(sel)} messages"
    elif kind == "bp_inconsistent":
        if bed.has_abp and avail(["ABPs"]) == ["ABPs"]:
            param = "ABP"
            m = r.randint(3, 20)
            sel = window(m * cad, need="ABPs", min_msgs=3,
                         prefer=("line_flush", "zeroing", "blood_sampling", "damped_trace") if subtle else None)[:m]
            for j in sel:
                v = V(j)
                s, d, mm = v["ABPs"], v["ABPd"], v["ABPm"]
                if s is None:
                    continue
                if subtle:
                    v["ABPm"] = s + r.randint(2, 5) if r.random() < 0.5 else d - r.randint(2, 5)
                else:
                    v["ABPs"], v["ABPd"] = d - r.randint(5, 15), s
            detail = f"arterial {'mean outside [dia, sys] by 2-5' if subtle else 'systolic below diastolic'} on {len(sel)} messages"
        else:
            param = "NIBP"
            news = [j for j in range(n) if recs[idx[j]].get("nibp_new") and recs[idx[j]]["nibp"] and recs[idx[j]]["nibp"][1]]
            news = [j for j in news if 0.1 * n < j < 0.95 * n] or news
            if news:
                j0 = r.choice(news)
                nb = recs[idx[j0]]["nibp"]
                tm, s, d, mm = nb
            else:  # no genuine reading to rewrite: the monitor reports one that was never taken
                j0 = window(cad, lo=0.3, hi=0.8)[0]
                nb = recs[idx[j0]]["nibp"]
                recs[idx[j0]]["nibp_new"] = True
                tm, s, d = recs[idx[j0]]["t"] - r.uniform(1, 4), r.randint(100, 135), r.randint(55, 75)
                mm = d + (s - d) // 3
            forged = (tm, s, d, s + r.randint(2, 5)) if subtle else (tm, d - r.randint(5, 12), s, mm)
            # The reading is shown until the next one.
            j = j0
            sel = []
            while j < n and (j == j0 or not recs[idx[j]].get("nibp_new")):
                if recs[idx[j]]["nibp"] == nb:
                    recs[idx[j]]["nibp"] = forged
                    sel.append(j)
                j += 1
            sel = sel or [j0]
            detail = f"one cuff reading {'with mean above systolic by 2-5' if subtle else 'with systolic below diastolic'}"
    elif kind in ("time_backwards", "time_future"):
        m = r.randint(1, 20)
        sel = window(m * cad, prefer=("ntp_step", "reboot", "network_stall_backlog") if subtle else None)[:m]
        if kind == "time_backwards":
            off = -(r.uniform(5, 60) + 2 * (bed.cad or 20)) if subtle else -r.uniform(600, 6 * 3600)
        else:
            off = r.uniform(180, 480) if subtle else r.uniform(3600, 48 * 3600)
        for j in sel:
            recs[idx[j]]["tshift"] = off
        param = "MSH-7"
        detail = f"MSH-7 and OBX-14 moved {off:+.0f} s on {len(sel)} messages"
    elif kind == "identity_switch":
        dur = r.uniform(300, 3600)
        sel = window(dur, lo=0.2, hi=0.85, min_msgs=3,
                     prefer=("identified_after_unknown_admission", "new_admission_after_turnover") if subtle else None)
        other = dict(bed.patients[recs[idx[sel[0]]]["pat"]])
        rr_ = random.Random(bed.s["spec_seed"] + ":other")
        if subtle:
            other["mrn"] = other["mrn"][:-3] + "%03d" % rr_.randrange(1000)
            other["visit"] = "V%07d" % rr_.randrange(10 ** 6, 10 ** 7)
            if other["tmp"]:
                other["tmp"] = other["tmp"][:-3] + "%03d" % rr_.randrange(1000)
        else:
            other.update(mrn="%08d" % rr_.randrange(10 ** 7, 10 ** 8), visit="V%07d" % rr_.randrange(10 ** 6, 10 ** 7),
                         name=f"{rr_.choice(LAST).upper()}^{rr_.choice(FIRST).upper()}", dob="19%02d0%d1%d" % (
                             rr_.randrange(30, 99), rr_.randrange(1, 9), rr_.randrange(0, 9)), tmp=None)
        for j in sel:
            recs[idx[j]]["pat_override"] = other
        param = "PID"
        detail = f"another patient's PID-3/visit{' (same name)' if subtle else ''} for {len(sel)} messages"
    elif kind == "nibp_cadence":
        m = r.randint(6, 40)
        sel = window(m * cad, min_msgs=6, prefer=("nibp_stat", "nibp_repeat_after_low", "nibp_failed_retry") if subtle else None)[:m]
        last = None
        for k, j in enumerate(sel):
            rec = recs[idx[j]]
            if subtle and k % 2 == 1 and last:
                rec["nibp"] = last
                continue
            base = rec["nibp"] if rec["nibp"] and rec["nibp"][1] else (rec["t"], 118, 64, 82)
            s = base[1] + r.randint(-6, 6)
            d = base[2] + r.randint(-4, 4)
            last = (rec["t"] - r.uniform(0.5, 3), s, d, int(d + (s - d) / 3))
            rec["nibp"] = last
            rec["nibp_new"] = True
        param = "NIBP"
        detail = f"a new cuff reading (values and OBX-14) on {'every other' if subtle else 'every'} message for {len(sel)} messages"
    if not sel:
        return None
    first, last_ = idx[sel[0]], idx[sel[-1]]
    for i in range(first, last_ + 1):
        recs[i]["forged"] = True
    return {"parameter": param, "detail": detail}


# --------------------------------------------------------------------------------------------------------------
# Rendering


def val_str(x, nd=0):
    if nd:
        return ("%." + str(nd) + "f") % x
    return str(int(x))


MDC = {
    "HR": ("147842^MDC_ECG_HEART_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    "PR": ("149530^MDC_PULS_OXIM_PULS_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    "SpO2": ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "262688^MDC_DIM_PERCENT^MDC"),
    "RR": ("151562^MDC_RESP_RATE^MDC", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
    "RRimp": ("151578^MDC_TTHOR_RESP_RATE^MDC", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
    "ABPs": ("150033^MDC_PRESS_BLD_ART_SYS^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "ABPd": ("150034^MDC_PRESS_BLD_ART_DIA^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "ABPm": ("150035^MDC_PRESS_BLD_ART_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "NIBPs": ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "NIBPd": ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "NIBPm": ("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "CUFFs": ("150301^MDC_PRESS_CUFF_SYS^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "CUFFd": ("150302^MDC_PRESS_CUFF_DIA^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "CUFFm": ("150303^MDC_PRESS_CUFF_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "TEMP": ("150344^MDC_TEMP^MDC", "268192^MDC_DIM_DEGC^MDC"),
    "TEMPcore": ("150368^MDC_TEMP_CORE^MDC", "268192^MDC_DIM_DEGC^MDC"),
    "ETCO2": ("151708^MDC_AWAY_CO2_ET^MDC", "266016^MDC_DIM_MMHG^MDC"),
}
MDC_UNIT_KPA = "268035^MDC_DIM_KILO_PASCAL^MDC"
# LOINC first (the MDC code follows as the alternate identifier). Codes from memory / FHIR vital-signs profiles;
# the invasive arterial ones (76213-8/76214-6/76215-3) are from memory.
LOINC = {"HR": "8867-4^Heart rate^LN", "PR": "8889-8^Heart rate by Pulse oximetry^LN",
         "SpO2": "59408-5^Oxygen saturation by Pulse oximetry^LN", "RR": "9279-1^Respiratory rate^LN",
         "NIBPs": "8480-6^Systolic blood pressure^LN", "NIBPd": "8462-4^Diastolic blood pressure^LN",
         "NIBPm": "8478-0^Mean blood pressure^LN", "ABPs": "76215-3^Invasive Systolic blood pressure^LN",
         "ABPd": "76213-8^Invasive Diastolic blood pressure^LN", "ABPm": "76214-6^Invasive Mean blood pressure^LN",
         "TEMP": "8310-5^Body temperature^LN", "ETCO2": "19889-5^Carbon dioxide/Gas.total.at end expiration^LN"}
MDC_UNIT_DEGF = "268160^MDC_DIM_FAHR^MDC"

# Philips MDIL: partition 2 codes are the MDC term codes in hex (0x4182 = 147842 - 131072), units partition 4.
MDIL = {
    "HR": ("0002-4182^HR^MDIL", "0004-0aa0^bpm^MDIL"),
    "PR": ("0002-480a^Pulse^MDIL", "0004-0aa0^bpm^MDIL"),
    "SpO2": ("0002-4bb8^SpO2^MDIL", "0004-0220^%^MDIL"),
    "RR": ("0002-5000^Resp^MDIL", "0004-0ae0^rpm^MDIL"),
    "ABPs": ("0002-4a15^ABPs^MDIL", "0004-0f20^mmHg^MDIL"),
    "ABPd": ("0002-4a16^ABPd^MDIL", "0004-0f20^mmHg^MDIL"),
    "ABPm": ("0002-4a17^ABPm^MDIL", "0004-0f20^mmHg^MDIL"),
    "NIBPs": ("0002-4a05^NBPs^MDIL", "0004-0f20^mmHg^MDIL"),
    "NIBPd": ("0002-4a06^NBPd^MDIL", "0004-0f20^mmHg^MDIL"),
    "NIBPm": ("0002-4a07^NBPm^MDIL", "0004-0f20^mmHg^MDIL"),
    "TEMP": ("0002-f0c7^Temp^MDIL", "0004-17a0^C^MDIL"),
    "ETCO2": ("0002-509c^etCO2^MDIL", "0004-0f20^mmHg^MDIL"),
}
MDIL_KPA = "0004-1703^kPa^MDIL"
MDIL_DEGF = "0004-1780^F^MDIL"

# Nihon Kohden-style: MDC for HR, SpO2, NIBP; the vendor's own codes for the rest (invented).
NK = {
    "HR": ("147842^MDC_ECG_HEART_RATE^MDC", "/min"),
    "PR": ("PR-SPO2^PR(SpO2)^99NKL", "/min"),
    "SpO2": ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "%"),
    "RR": ("RR-IMP^RR^99NKL", "/min"),
    "NIBPs": ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "mmHg"),
    "NIBPd": ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "mmHg"),
    "NIBPm": ("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "mmHg"),
    "ABPs": ("ART-S^ART(S)^99NKL", "mmHg"),
    "ABPd": ("ART-D^ART(D)^99NKL", "mmHg"),
    "ABPm": ("ART-M^ART(M)^99NKL", "mmHg"),
    "TEMP": ("TEMP1^T1^99NKL", "Cel"),
    "ETCO2": ("ETCO2^EtCO2^99NKL", "mmHg"),
}

# Contec CMS8000-style (invented: the HL7 shape of this device is not published): numeric vendor codes for most,
# MDC for SpO2 and the cuff; text units.
CMS = {
    "HR": ("101^HR^CONTEC", "bpm"),
    "PR": ("102^PR^CONTEC", "bpm"),
    "SpO2": ("150456^SpO2^MDC", "%"),
    "RR": ("104^RESP^CONTEC", "rpm"),
    "NIBPs": ("150021^NIBP_SYS^MDC", "mmHg"),
    "NIBPd": ("150022^NIBP_DIA^MDC", "mmHg"),
    "NIBPm": ("150023^NIBP_MEAN^MDC", "mmHg"),
    "ABPs": ("111^IBP1_SYS^CONTEC", "mmHg"),
    "ABPd": ("112^IBP1_DIA^CONTEC", "mmHg"),
    "ABPm": ("113^IBP1_MEAN^CONTEC", "mmHg"),
    "TEMP": ("105^T1^CONTEC", "C"),
    "ETCO2": ("106^EtCO2^CONTEC", "mmHg"),
}

# Draeger-style gateway: MDC reference IDs as the code ("MDC text"), UCUM units.
DGW = {
    "HR": ("MDC_ECG_HEART_RATE^Heart rate^MDC", "/min"),
    "PR": ("MDC_PULS_OXIM_PULS_RATE^Pulse rate SpO2^MDC", "/min"),
    "SpO2": ("MDC_PULS_OXIM_SAT_O2^SpO2^MDC", "%"),
    "RR": ("MDC_RESP_RATE^Resp rate^MDC", "/min"),
    "ABPs": ("MDC_PRESS_BLD_ART_ABP_SYS^ART S^MDC", "mm[Hg]"),
    "ABPd": ("MDC_PRESS_BLD_ART_ABP_DIA^ART D^MDC", "mm[Hg]"),
    "ABPm": ("MDC_PRESS_BLD_ART_ABP_MEAN^ART M^MDC", "mm[Hg]"),
    "NIBPs": ("MDC_PRESS_BLD_NONINV_SYS^NBP S^MDC", "mm[Hg]"),
    "NIBPd": ("MDC_PRESS_BLD_NONINV_DIA^NBP D^MDC", "mm[Hg]"),
    "NIBPm": ("MDC_PRESS_BLD_NONINV_MEAN^NBP M^MDC", "mm[Hg]"),
    "TEMP": ("MDC_TEMP_BLD^Tblood^MDC", "Cel"),
    "ETCO2": ("MDC_AWAY_CO2_ET^etCO2^MDC", "kPa"),
}


def render(bed, rec, pat, cid, gw_ts=None):
    """One message: segments joined by CR, then LF."""
    lay = bed.layout
    app = msh3(bed)
    sh = rec.get("tshift", 0.0)
    dev = rec["dev"] + sh
    style = TS_STYLE[lay]
    ts = _fmt_ts(dev, style)
    msh_ts = ts if gw_ts is None else _fmt_ts(gw_ts, style)
    pid3 = (pat["tmp"] if not rec["ident"] else pat["mrn"])
    name = pat["name"] if rec["ident"] else ("UNKNOWN^%s" % ("BABY" if bed.cls == "neonatal" else "PATIENT"))
    pv1_loc = "%s^%s^%s^%s" % (UNITS_LOC[bed.unit], "%02d" % (bed.b % 40 + 1), "A" if bed.b % 2 else "B", FACILITY)
    pclass = {"adult": "I", "paediatric": "I", "neonatal": "I"}[bed.cls]
    seg = []
    if rec["kind"] == "qry":
        app = {"mindray": "MINDRAY_PDQ", "nihonkohden": "NK_CNS_QRY"}[lay]
        seg.append(f"MSH|^~\\&|{app}|{FACILITY}|ADT|{FACILITY}|{ts}||QBP^Q22^QBP_Q21|{cid}|P|2.5")
        seg.append(f"QPD|IHE PDQ Query|{cid}|@PID.3.1^{pid3}")
        seg.append("RCP|I|1^RD")
        return "\r".join(seg) + "\r\n"
    v = rec["v"]
    nb = rec["nibp"]
    uo = rec.get("unit_override")
    if lay == "ge":
        seg.append(f"MSH|^~\\&|{app}|{FACILITY}|||{msh_ts}||ORU^R01^ORU_R01|{cid}|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO")
    elif lay == "philips":
        seg.append(f"MSH|^~\\&|{app}|{FACILITY}|CIS|{FACILITY}|{msh_ts}||ORU^R01|{cid}|P|2.3")
    elif lay == "mindray":
        seg.append(f"MSH|^~\\&|{app}|{FACILITY}|||{msh_ts}||ORU^R01^ORU_R01|{cid}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO")
    elif lay == "draeger-gw":
        seg.append(f"MSH|^~\\&|{app}|{FACILITY}|CIS|{FACILITY}|{msh_ts}||ORU^R01|{cid}|P|2.4|||AL|NE")
    elif lay == "nihonkohden":
        seg.append(f"MSH|^~\\&|{app}|{FACILITY}|HIS|{FACILITY}|{msh_ts}||ORU^R01|{cid}|P|2.5||||||8859/1")
    else:
        seg.append(f"MSH|^~\\&|{app}|{UNITS_LOC[bed.unit]}-BED{bed.b % 100:02d}|CENTRAL|{FACILITY}|{msh_ts}||ORU^R01|{cid}|P|2.3.1")
    if lay in ("ge", "mindray"):
        seg.append(f"PID|||{pid3}^^^{FACILITY}^MR||{name if rec['ident'] else '^^^^^^U'}||{pat['dob']}|{pat['sex']}")
    else:
        seg.append(f"PID|1||{pid3}^^^{FACILITY}^MR||{name}||{pat['dob']}|{pat['sex']}")
    if not bed.no_pv1:
        seg.append(f"PV1|1|{pclass}|{pv1_loc}" + "|" * 16 + pat["visit"])
    obr_ts = ts
    if lay in ("ge", "mindray"):
        seg.append(f"OBR|1|{cid}^{lay.upper()}||182777000^monitoring of patient^SCT|||{obr_ts}")
    elif lay == "philips":
        seg.append(f"OBR|1||||MONITOR|||{obr_ts}")
    else:
        seg.append(f"OBR|1|||VITALS^Vital signs^L|||{obr_ts}")
    rows = []
    nb_ts = None
    nib = None
    if nb and (NIBP_MODE[lay] != "after-reading" or rec.get("nibp_new")):
        nib = nb
        nb_ts = nb[0] + (rec["dev"] - rec["t"]) + sh
        if NIBP_MODE[lay] == "repeat-restamped":
            nb_ts = dev
    order = ["HR", "PR", "SpO2", "RR", "ABPs", "ABPd", "ABPm", "TEMP", "ETCO2"]
    vals = []
    for k in order:
        if k not in v:
            continue
        if k == "ETCO2" and not bed.has_etco2:
            continue
        if k == "TEMP" and not bed.has_temp:
            continue
        vals.append((k, v[k]))
    if nib:
        for k, x in zip(("NIBPs", "NIBPd", "NIBPm"), nib[1:]):
            vals.append((k, x))
    ph = PLACEHOLDER[lay]
    eq = bed.eui if lay != "draeger-gw" else "IACS-%s-%02d" % (bed.unit, bed.b % 100)
    n = 0
    if lay == "ge":
        rows.append(f"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||{eq}^^{bed.eui}^EUI-64")
        n = 1
    for k, x in vals:
        nd = 1 if k == "TEMP" else 0
        code, unit = None, None
        if lay in ("ge", "mindray"):
            ck = k
            if lay == "mindray" and k.startswith("NIBP"):
                ck = "CUFF" + k[4:]
            if lay == "ge" and k == "RR" and bed.rr_source == "imp":
                ck = "RRimp"
            if lay == "ge" and k == "TEMP" and bed.cls == "adult":
                ck = "TEMPcore"
            code, unit = MDC[ck]
            if bed.loinc and k in LOINC:
                code = LOINC[k] + "^" + code
            if k == "ETCO2" and bed.etco2_unit == "kPa":
                unit = MDC_UNIT_KPA
        elif lay == "philips":
            code, unit = MDIL[k]
            if k == "ETCO2" and bed.etco2_unit == "kPa":
                unit = MDIL_KPA
            if k == "TEMP" and bed.temp_unit == "degF":
                unit = MDIL_DEGF
        elif lay == "draeger-gw":
            code, unit = DGW[k]
            if k == "ETCO2" and bed.etco2_unit == "mmHg":
                unit = "mm[Hg]"
        elif lay == "nihonkohden":
            code, unit = NK[k]
        else:
            code, unit = CMS[k]
        if x is not None:
            if k == "TEMP" and bed.temp_unit == "degF" and not (uo and uo[0] == "TEMP"):
                x = x * 9 / 5 + 32
            if k == "ETCO2":
                if bed.etco2_unit == "kPa" and not (uo and uo[0] == "ETCO2"):
                    x = x / 7.50062
                    nd = 1
                elif uo and uo[0] == "ETCO2" and uo[1] == "kPa-as-mmHg":
                    nd = 1
        n += 1
        t14 = ""
        if k.startswith("NIBP"):
            t14 = _fmt_ts(nb_ts, style) if (nb_ts is not None and lay != "nihonkohden") else ""
            if nib and nib[1] is None:
                x = None
        elif lay == "draeger-gw":
            t14 = _fmt_ts(dev, style)
        if x is None:
            if ph == "omit":
                n -= 1
                continue
            if ph == "empty+X":
                xs, st = "", "X"
            elif ph == "-100":
                xs, st = "-100", "R"
            else:
                xs, st = "8388607", "R"
        else:
            xs, st = val_str(x, nd), "F" if lay == "philips" else "R"
        if lay == "mindray":
            st = ""
        if lay == "ge":
            sub = "1.%d.1.%d" % (GE_CH[k], n)
            rows.append(f"OBX|{n}|NM|{code}|{sub}|{xs}|{unit}|||||{st}|||{t14}||||{eq}^^{bed.eui}^EUI-64")
        elif lay == "mindray":
            sub = "1.6.1.%s" % MDC["CUFF" + k[4:] if k.startswith("NIBP") else k][0].split("^")[0]
            rows.append(f"OBX|{n}|NM|{code}|{sub}|{xs}|{unit}|||||{st}|||{t14}")
        elif lay == "philips":
            rows.append(f"OBX|{n}|NM|{code}||{xs}|{unit}|||||{st}|||{t14}")
        elif lay == "draeger-gw":
            rows.append(f"OBX|{n}|NM|{code}|{n}|{xs}|{unit}|||||{st}|||{t14}||||{eq}")
        elif lay == "nihonkohden":
            t14 = _fmt_ts(dev, style) if bed.trend else ""
            rows.append(f"OBX|{n}|NM|{code}||{xs}|{unit}|||||{st}" + (f"|||{t14}" if t14 else ""))
        else:
            rows.append(f"OBX|{n}|NM|{code}||{xs}|{unit}|||||{st}|||{t14}")
    seg.extend(rows)
    return "\r".join(seg) + "\r\n"


GE_CH = {"HR": 2, "PR": 3, "SpO2": 3, "RR": 4, "ABPs": 13, "ABPd": 13, "ABPm": 13, "NIBPs": 16, "NIBPd": 16,
         "NIBPm": 16, "TEMP": 18, "ETCO2": 20}
UNITS_LOC = {u[0]: u[2] for u in UNITS}


# --------------------------------------------------------------------------------------------------------------
# One connection (file): simulate its beds, merge by arrival, render, label


def iso_ms(t):
    ms = int(round(t * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def batch_trend(bed, recs):
    """Trend senders: every 5 one-minute samples go out as one message when the last one is taken."""
    out, cur = [], []
    for rec in recs:
        if rec["kind"] != "oru":
            out.append(rec)
            continue
        cur.append(rec)
        if len(cur) == bed.trend:
            last = cur[-1]
            out.append({"kind": "batch", "samples": cur, "arr": last["arr"], "t": last["t"], "dev": last["dev"],
                        "cid": last["cid"], "pat": last["pat"], "ident": last["ident"],
                        "events": sorted({e for x in cur for e in x.get("events", [])} | {"trend_batch"}),
                        "forged": any(x.get("forged") for x in cur)})
            cur = []
    return out  # an incomplete last batch is not sent before the end


def run_group(args):
    group, hours = args
    beds = [Bed(s, hours) for s in group]
    fname = "mon-%04d.hl7" % group[0]["bed"]
    allrecs = []
    info = {}
    for bed in beds:
        recs = simulate(bed)
        recs = device_pass(bed, recs)
        res = forge(bed, recs)
        info[bed.b] = res
        if bed.trend:
            recs = batch_trend(bed, recs)
        for q, rec in enumerate(recs):
            rec["bed"] = bed
            rec["seq"] = q
        allrecs.extend(recs)
    gw = beds[0].layout == "draeger-gw"
    if gw:  # the gateway's own stall: every bed's messages are held and sent as a batch
        rg = random.Random(group[0]["spec_seed"] + ":gw")
        stalls = []
        if rg.random() < 0.6:
            t = rg.uniform(0.1, 0.9) * beds[0].T
            stalls.append((t, t + rg.uniform(60, 600)))
        for rec in allrecs:
            src = rec.get("resend_of", rec)
            tt = src.get("t", 0)
            for a, b_ in stalls:
                if a <= tt < b_:
                    rec["arr"] = b_ + 0.5 + (tt - a) * 0.002
                    rec.setdefault("events", list(src.get("events", [])))
                    rec["events"] = sorted(set(rec["events"]) | {"gateway_batch_after_stall"})
    allrecs.sort(key=lambda x: (x["arr"], x["bed"].b, x["seq"]))
    out, labels = [], []
    gcid = random.Random(group[0]["spec_seed"] + ":gwcid").randrange(10000, 90000)
    counts = {b.b: 0 for b in beds}
    firsts = {}
    rendered = {}
    for pos, rec in enumerate(allrecs, 1):
        bed = rec["bed"]
        src = rec.get("resend_of")
        if src is not None:
            text = rendered[id(src)]
            forged = src.get("forged", False)
            events = sorted(set(src.get("events", [])) | {"resend_after_lost_ack"})
        elif rec["kind"] == "batch":
            pat = bed.patients[rec["pat"]]
            parts = [render(bed, x, x.get("pat_override") or bed.patients[x["pat"]], x["cid"]) for x in rec["samples"]]
            head = [g for g in parts[-1][:-2].split("\r") if not g.startswith("OBX")]
            obx = [g for p_ in parts for g in p_[:-2].split("\r") if g.startswith("OBX")]
            obx = ["OBX|%d|" % (i + 1) + g.split("|", 2)[2] for i, g in enumerate(obx)]
            text = "\r".join(head + obx) + "\r\n"
            forged = rec["forged"]
            events = rec["events"]
        else:
            if gw and rec["kind"] == "oru":  # the gateway numbers every bed's messages from one counter
                rec["cid"] = "IGW%d" % gcid
                gcid += 1
            cid = rec["cid"]
            pat = rec.get("pat_override") or bed.patients[rec["pat"]]
            text = render(bed, rec, pat, cid, gw_ts=(START + rec["arr"]) if gw else None)
            rendered[id(rec)] = text
            forged = rec.get("forged", False)
            events = rec.get("events", [])
        out.append(text)
        counts[bed.b] += 1
        lab = {"file": fname, "message": pos, "monitor": "m%04d" % bed.b, "arrival": iso_ms(START + rec["arr"]),
               "label": "clean", "parameter": "", "episode": 0}
        if forged:
            res = info[bed.b]
            lab.update(label=bed.s["kind"], parameter=res["parameter"], episode=bed.b, strength=bed.s["strength"])
            firsts.setdefault(bed.b, [pos, pos, lab["arrival"], lab["arrival"]])
            firsts[bed.b][1], firsts[bed.b][3] = pos, lab["arrival"]
        if events:
            lab["events"] = ",".join(events)
        labels.append(json.dumps(lab, separators=(",", ":")))
    mons = []
    for bed in beds:
        s = bed.s
        chans = ["HR", "PR", "SpO2", "RR", "NIBP"] + (["ABP"] if bed.has_abp else []) + \
                (["TEMP"] if bed.has_temp else []) + (["etCO2"] if bed.has_etco2 else [])
        m = {"id": "m%04d" % bed.b, "file": fname, "device": msh3(bed), "class": bed.cls,
             "layout": bed.layout, "cadence_s": bed.cad if bed.cad else 60, "hours": bed.hours,
             "status": "clean", "messages": counts[bed.b], "channels": chans, "etco2_unit": bed.etco2_unit if bed.has_etco2 else "",
             "nibp_mode": NIBP_MODE[bed.layout], "nibp_every_min": bed.nibp_every, "placeholder": PLACEHOLDER[bed.layout],
             "clock_skew_s": round(bed.skew0, 3), "conditions": sorted(bed.conditions),
             "unit": bed.unit, "population": bed.sub, "send_mode": "on-change" if bed.cad == 0 else ("trend-batch" if bed.trend else "periodic"),
             "temp_unit": bed.temp_unit if bed.has_temp else "", "pv1": not bed.no_pv1,
             "gateway_beds": len(beds) if gw else 1, "trend_batch": bed.trend}
        if s["kind"] and bed.b in firsts:
            f = firsts[bed.b]
            m.update(status="manipulated", kind=s["kind"], parameter=info[bed.b]["parameter"], strength=s["strength"],
                     episode=bed.b, episode_first=f[0], episode_last=f[1], episode_start=f[2], episode_end=f[3],
                     detail=info[bed.b]["detail"])
        elif s["planned_kind"]:
            m["unforged_twin_of"] = s["planned_kind"]
        mons.append(json.dumps(m, separators=(",", ":")))
    return fname, "".join(out), labels, mons


def msh3(bed):
    """The sending application as each layout fills MSH-3. The CMS8000-style monitor names only its model there
    (its bed is in MSH-4); the gateway names itself, the same for all its beds."""
    lay = bed.layout
    if lay == "ge":
        return f"CARESCAPE^{bed.eui}^EUI-64"
    if lay == "philips":
        return f"PIIC^MX800-{bed.b:03d}"
    if lay == "mindray":
        return f"MINDRAY_BENEVISION^{bed.eui}^EUI-64"
    if lay == "draeger-gw":
        return f"INFINITY_GW^{UNITS_LOC[bed.unit]}"
    if lay == "nihonkohden":
        return f"NK_BSM6000^{bed.eui[-8:]}"
    return "CMS8000"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--monitors", type=int, default=150)
    ap.add_argument("--hours", type=float, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-forge", action="store_true", help="the unforged twin: same bytes outside the episodes")
    a = ap.parse_args(argv)
    t0 = time.time()
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):  # a previous corpus's files would be read with this one's labels
        if (f.startswith("mon-") and f.endswith(".hl7")) or f in ("labels.jsonl", "monitors.jsonl"):
            os.remove(os.path.join(a.out, f))
    groups = make_specs(a.seed, a.monitors, a.hours, not a.no_forge)
    jobs = [(g, a.hours) for g in groups]
    # The largest connections first so that the workers finish together; written in file order.
    order = sorted(range(len(jobs)), key=lambda i: -sum(3600 / (s["cadence"] or 20) for s in jobs[i][0]))
    pool = Pool(a.workers) if a.workers > 1 else None
    results = pool.imap(run_group, [jobs[i] for i in order], chunksize=1) if pool else map(run_group, (jobs[i] for i in order))
    done = {}
    nmsg = nfiles = 0
    with open(os.path.join(a.out, "labels.jsonl"), "w") as lf, open(os.path.join(a.out, "monitors.jsonl"), "w") as mf:
        want = 0
        for i, res in zip(order, results):
            fname, text, labels, mons = res
            with open(os.path.join(a.out, fname), "w", newline="") as f:
                f.write(text)
            done[i] = (labels, mons)
            while want in done:
                labels, mons = done.pop(want)
                lf.write("\n".join(labels) + "\n")
                mf.write("\n".join(mons) + "\n")
                nmsg += len(labels)
                nfiles += 1
                want += 1
    if pool:
        pool.close()
        pool.join()
    print(f"corpus8: seed {a.seed}, {a.monitors} monitors x {a.hours} h, {nfiles} files, {nmsg} messages, "
          f"{time.time() - t0:.1f} s -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
