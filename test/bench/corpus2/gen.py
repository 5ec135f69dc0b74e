#!/usr/bin/python3
"""corpus2: a second, blind, labelled vital-sign corpus generator for hl7gate.

Writes the same files as `hl7load corpus gen` (mon-NNNN.hl7, labels.jsonl,
monitors.jsonl) from its own physiological model, its own vendor layouts and
its own realisation of the 15 manipulation kinds. Standard library only;
deterministic by --seed. See README.md next to this file.
"""

import argparse
import datetime as _dt
import json
import math
import os
import random
import sys

KINDS = [
    "spike", "frozen", "replay", "drift", "too_smooth", "duplicate_control_id", "step",
    "unit_mislabel", "out_of_range", "hr_pr_mismatch", "bp_inconsistent", "time_backwards",
    "time_future", "identity_switch", "nibp_cadence",
]

# Periodic numeric channels (NIBP is episodic and kept apart).
PERIODIC = ["hr", "pr", "spo2", "rr", "etco2", "temp", "abp"]

# Report interval of the central-station feed, seconds, and its weight.
CADENCES = [(1, 4), (2, 4), (5, 12), (10, 20), (15, 15), (30, 20), (60, 25)]

# MDC numeric codes (IEEE 11073-10101) and reference IDs.
MDC = {
    "hr": (147842, "MDC_ECG_HEART_RATE", "HR"),
    "pr": (149530, "MDC_PULS_OXIM_PULS_RATE", "Pulse"),
    "spo2": (150456, "MDC_PULS_OXIM_SAT_O2", "SpO2"),
    "rr": (151562, "MDC_RESP_RATE", "Resp"),
    "etco2": (151708, "MDC_AWAY_CO2_ET", "etCO2"),
    "temp": (150364, "MDC_TEMP_BODY", "Temp"),
    "asys": (150033, "MDC_PRESS_BLD_ART_SYS", "ABPs"),
    "adia": (150034, "MDC_PRESS_BLD_ART_DIA", "ABPd"),
    "amap": (150035, "MDC_PRESS_BLD_ART_MEAN", "ABPm"),
    "nsys": (150021, "MDC_PRESS_BLD_NONINV_SYS", "NBPs"),
    "ndia": (150022, "MDC_PRESS_BLD_NONINV_DIA", "NBPd"),
    "nmap": (150023, "MDC_PRESS_BLD_NONINV_MEAN", "NBPm"),
    "csys": (150301, "MDC_PRESS_CUFF_SYS", "NBPs"),
    "cdia": (150302, "MDC_PRESS_CUFF_DIA", "NBPd"),
    "cmap": (150303, "MDC_PRESS_CUFF_MEAN", "NBPm"),
}

# Units: MDC code and reference ID, UCUM text.
UNITS = {
    "bpm": (264864, "MDC_DIM_BEAT_PER_MIN", "/min"),
    "pct": (262688, "MDC_DIM_PERCENT", "%"),
    "rpm": (264928, "MDC_DIM_RESP_PER_MIN", "/min"),
    "mmhg": (266016, "MDC_DIM_MMHG", "mm[Hg]"),
    "kpa": (265987, "MDC_DIM_KILO_PASCAL", "kPa"),
    "cmh2o": (266048, "MDC_DIM_CM_H2O", "cm[H2O]"),
    "degc": (268192, "MDC_DIM_DEGC", "Cel"),
    "degf": (268160, "MDC_DIM_FAHR", "[degF]"),
}

# OBX-4 metric ordinal within a channel (MDS.VMD.channel.metric).
METRIC_ORD = {"asys": 1, "adia": 2, "amap": 3, "nsys": 1, "ndia": 2, "nmap": 3, "csys": 1, "cdia": 2, "cmap": 3}

START = "2026-03-02T19:00:00Z"
SURNAMES = ["MUELLER", "GARCIA", "NGUYEN", "OKAFOR", "JANSSEN", "ROSSI", "KOWALSKI", "SILVA", "TANAKA",
            "HANSEN", "DUBOIS", "BERG", "MURPHY", "PETROV", "KHAN", "LINDQVIST", "MORENO", "BAKER",
            "FISCHER", "COHEN", "ALVES", "NOVAK", "OBRIEN", "WEBER", "SATO", "YILMAZ", "HAAS", "PERRY"]
GIVEN_F = ["ANNA", "MARIA", "SOFIA", "LENA", "AYESHA", "CLARA", "INES", "JUNE", "RUTH", "EMMA", "NORA"]
GIVEN_M = ["JOHN", "PAUL", "OMAR", "LUCAS", "TOMAS", "IVAN", "KENJI", "PIETER", "DAVID", "MARCO", "ELI"]


# ---------------------------------------------------------------- time helpers

class Clock:
    """Formats seconds since the corpus start as HL7 DTM and RFC 3339."""

    def __init__(self, start):
        self.epoch = _dt.datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=_dt.timezone.utc).timestamp()
        self._days = {}

    def _day(self, d):
        s = self._days.get(d)
        if s is None:
            s = _dt.datetime.fromtimestamp(d * 86400, _dt.timezone.utc).strftime("%Y%m%d")
            self._days[d] = s
        return s

    def _split(self, t):
        ms = int(round((self.epoch + t) * 1000))
        sec, ms = divmod(ms, 1000)
        d, s = divmod(sec, 86400)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return d, h, m, s, ms

    def hl7(self, t, style):
        """style: 's' (seconds, +0000), 'ms' (+0000), 'local' (ms, local time +0100)."""
        if style == "local":
            t += 3600
        d, h, m, s, ms = self._split(t)
        day = self._day(d)
        if style == "s":
            return "%s%02d%02d%02d+0000" % (day, h, m, s)
        return "%s%02d%02d%02d.%03d%s" % (day, h, m, s, ms, "+0100" if style == "local" else "+0000")

    def rfc(self, t):
        d, h, m, s, ms = self._split(t)
        day = self._day(d)
        return "%s-%s-%sT%02d:%02d:%02d.%03dZ" % (day[:4], day[4:6], day[6:], h, m, s, ms)


# ---------------------------------------------------------------- physiology

class OU:
    """Ornstein-Uhlenbeck deviation, stepped exactly at arbitrary intervals."""
    __slots__ = ("x", "sd", "tau")

    def __init__(self, sd, tau, rng):
        self.sd, self.tau = sd, tau
        self.x = rng.gauss(0, sd)

    def step(self, dt, rng):
        a = math.exp(-dt / self.tau)
        self.x = self.x * a + self.sd * math.sqrt(1 - a * a) * rng.gauss(0, 1)
        return self.x


class Event:
    """A genuine condition: active from t0 to t1 (+ ramp out), with additive effects."""
    __slots__ = ("name", "t0", "t1", "rin", "rout", "d", "p")

    def __init__(self, name, t0, t1, rin=0.0, rout=0.0, d=None, p=None):
        self.name, self.t0, self.t1, self.rin, self.rout = name, t0, t1, rin, rout
        self.d = d or {}
        self.p = p or {}

    def env(self, t):
        if t < self.t0 or t > self.t1 + self.rout:
            return 0.0
        if t < self.t0 + self.rin:
            return (t - self.t0) / self.rin
        if t <= self.t1:
            return 1.0
        return 1.0 - (t - self.t1) / self.rout if self.rout > 0 else 0.0

    def active(self, t):
        return self.t0 <= t <= self.t1 + self.rout


class Patient:
    """One patient's identity and baselines."""

    def __init__(self, rng, neonate, serial):
        self.neonate = neonate
        self.sex = rng.choice("FM")
        last = rng.choice(SURNAMES)
        if neonate:
            first = "BABY" + ("GIRL" if self.sex == "F" else "BOY")
            self.dob = "20260%d%02d" % (rng.randint(1, 2), rng.randint(1, 28))
        else:
            first = rng.choice(GIVEN_F if self.sex == "F" else GIVEN_M)
            self.dob = "%04d%02d%02d" % (rng.randint(1936, 2004), rng.randint(1, 12), rng.randint(1, 28))
        self.name = "%s^%s" % (last, first)
        self.mrn = "%d%06d" % (rng.randint(1, 9), serial)
        self.visit = "V%08d" % rng.randint(10 ** 7, 10 ** 8 - 1)
        g = rng.gauss
        if neonate:
            self.hr = clip(g(146, 9), 120, 170)
            self.spo2 = clip(g(94.5, 2), 89, 99)
            self.rr = clip(g(48, 7), 32, 65)
            self.map = clip(g(42, 6), 31, 55)
            self.pp = clip(g(24, 5), 14, 35)
            self.temp = clip(g(36.9, 0.25), 36.3, 37.5)
            self.etco2 = clip(g(42, 4), 33, 52)
        else:
            self.hr = clip(g(84, 12), 55, 115)
            self.spo2 = clip(g(96.5, 1.5), 92, 99.5)
            self.rr = clip(g(17, 3.5), 10, 28)
            self.map = clip(g(82, 10), 64, 105)
            self.pp = clip(g(54, 12), 32, 85)
            self.temp = clip(g(37.0, 0.35), 36.2, 38.0)
            self.etco2 = clip(g(38, 3), 30, 46)
        self.ff = rng.uniform(0.33, 0.42)  # MAP = DIA + ff * (SYS - DIA)
        k = 1.7 if neonate else 1.0
        self.o = {
            "hr_s": OU(5 * k, 1800, rng), "hr_f": OU(2.2 * k, 20, rng),
            "spo2_s": OU(0.8, 900, rng), "spo2_f": OU(0.6 * k, 15, rng),
            "rr_s": OU(2.0 * k, 600, rng), "rr_f": OU(1.4 * k * k, 25, rng),
            "map_s": OU(5 if not neonate else 3, 1500, rng), "map_f": OU(1.8, 15, rng),
            "pp_s": OU(3 if not neonate else 2, 1800, rng),
            "temp_s": OU(0.15, 3600, rng),
            "et_s": OU(1.5, 900, rng), "et_f": OU(0.7, 20, rng),
            "af_f": OU(8, 6, rng),  # beat-to-beat irregularity of AF seen through the HR average
        }
        # Cuff error of this patient's NIBP against the arterial line.
        self.nb_s = g(-4, 5)
        self.nb_d = g(3, 4)

    def ident(self):
        return (self.mrn, self.name, self.dob, self.sex, self.visit)


def clip(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


# ---------------------------------------------------------------- monitor plan

class Spec:
    """What the population planner decides for one monitor."""

    def __init__(self, idx, status, kind, strength, neonate, layout, cadence):
        self.idx, self.status, self.kind, self.strength = idx, status, kind, strength
        self.neonate, self.layout, self.cadence = neonate, layout, cadence
        self.id = "m%04d" % idx
        self.file = "mon-%04d.hl7" % idx


def plan_population(seed, n):
    rng = random.Random("corpus2-pop:%d" % seed)
    n_clean = int(round(n / 3.0))
    kinds = []
    while len(kinds) < n - n_clean:
        batch = KINDS[:]
        rng.shuffle(batch)
        kinds.extend(batch)
    kinds = kinds[:n - n_clean]
    # Two in five of each kind subtle.
    count = {}
    slots = kinds + [None] * n_clean
    rng.shuffle(slots)
    specs = []
    for i, kind in enumerate(slots, 1):
        c = count.get(kind, 0)
        count[kind] = c + 1
        strength = ""
        if kind:
            strength = "subtle" if c % 5 in (1, 3) else "blatant"
        neonate = rng.random() < 0.3
        layout = rng.choices(["ge_pcd", "mindray_pcd", "philips_mdil"], [4, 3, 3])[0]
        cad = rng.choices([c for c, _ in CADENCES], [w for _, w in CADENCES])[0]
        specs.append(Spec(i, "manipulated" if kind else "clean", kind or "", strength, neonate, layout, cad))
    return specs


# ---------------------------------------------------------------- one monitor

class Monitor:
    def __init__(self, spec, hours, clock, serial_base, neighbour_ident):
        self.s = spec
        self.rng = random.Random("corpus2-mon:%d:%d" % (spec.seed, spec.idx))
        self.hours = hours
        self.T = hours * 3600.0
        self.clock = clock
        self.neighbour = neighbour_ident
        r = self.rng
        neo = spec.neonate
        self.cad = float(spec.cadence)
        # Channels.
        ch = ["hr", "pr", "spo2", "rr", "nibp"]
        # Arterial lines: about half of adult ICU beds, a quarter of NICU beds (umbilical).
        self.has_abp = r.random() < (0.25 if neo else 0.75 if spec.kind == "bp_inconsistent" else 0.55)
        self.has_et = r.random() < (0.15 if neo else 0.4)
        self.has_temp = r.random() < (0.9 if neo else 0.7)
        if self.has_abp:
            ch.append("abp")
        if self.has_et:
            ch.append("etco2")
        if self.has_temp:
            ch.append("temp")
        self.channels = ch
        lay = spec.layout
        self.temp_unit = "degf" if (lay == "ge_pcd" and r.random() < 0.2) else "degc"
        self.et_unit = "kpa" if (lay != "ge_pcd" and r.random() < 0.35) else "mmhg"
        self.ts_style = {"ge_pcd": "s", "mindray_pcd": "ms", "philips_mdil": "local"}[lay]
        eui_oui = {"ge_pcd": "080019", "mindray_pcd": "00A037", "philips_mdil": "0009FB"}[lay]
        self.eui = "%sFFFE%06X" % (eui_oui, r.getrandbits(24))
        self.app = {"ge_pcd": "B125_GE", "mindray_pcd": "MINDRAY_BENEVIEW", "philips_mdil": "PHILIPS_MX"}[lay]
        self.device = "%s^%s^EUI-64" % (self.app, self.eui)
        self.unit = "NICU" if neo else "ICU%d" % r.randint(1, 3)
        self.bed = "%s^%d^%d" % (self.unit, 100 + spec.idx, 1)
        # NIBP programme (auto interval, minutes).
        if neo:
            self.nibp_every = r.choice([30, 60, 60])
        else:
            self.nibp_every = r.choices([5, 10, 15, 30, 60], [1, 2, 5, 4, 2])[0]
        # Clock: most monitors NTP-disciplined, some free-running.
        u = r.random()
        if u < 0.6:
            self.skew = r.uniform(-1.5, 1.5)
        elif u < 0.85:
            self.skew = r.choice([-1, 1]) * r.uniform(5, 120)
        else:
            self.skew = r.choice([-1, 1]) * r.uniform(120, 900)
        self.drift = r.uniform(-20e-6, 20e-6)
        self.clock_step_t = None
        if abs(self.skew) > 5 and r.random() < 0.25 and spec.kind not in ("time_backwards", "time_future"):
            self.clock_step_t = r.uniform(0.2, 0.8) * self.T
        self.not_measured = {"ge_pcd": "omit", "mindray_pcd": "sentinel", "philips_mdil": "empty"}[lay]
        self.ctrl = r.randint(1, 900000)
        self.serial = serial_base
        self.pat = Patient(r, neo, serial_base)
        self.conditions = []
        self.events = []
        self.pace_rate = None
        self.vent_ctl = False
        self.transfer = None      # (gap start, gap end, new patient)
        self.unident_until = None

    # ------------------------------------------------------------ planning

    def plan_episode_window(self):
        """Chooses where the episode goes (before events, so traps keep out of it)."""
        s, r = self.s, self.rng
        if not s.kind:
            self.win = None
            return
        sub = s.strength == "subtle"
        cad = self.cad
        if s.kind in ("spike", "out_of_range") and (sub or s.kind == "spike"):
            dur = cad * r.randint(1, 3)
        elif s.kind in ("duplicate_control_id",):
            dur = cad * (r.randint(1, 2) if sub else r.randint(6, 20))
        elif s.kind in ("time_backwards", "time_future"):
            dur = cad * r.randint(1, 4) if sub else r.uniform(5, 30) * 60
        elif s.kind == "identity_switch":
            dur = max(cad * r.randint(1, 3), 60) if sub else r.uniform(10, 40) * 60
        elif s.kind == "out_of_range":
            dur = r.uniform(2, 10) * 60
        elif s.kind == "frozen":
            dur = max(r.uniform(4, 10) * 60, 8 * cad) if sub else r.uniform(15, 45) * 60
        elif s.kind == "replay":
            dur = r.uniform(6, 15) * 60 if sub else r.uniform(15, 40) * 60
        elif s.kind == "drift":
            dur = r.uniform(45, 90) * 60 if sub else r.uniform(25, 60) * 60
        elif s.kind == "too_smooth":
            dur = r.uniform(15, 30) * 60 if sub else r.uniform(20, 60) * 60
        elif s.kind == "step":
            dur = r.uniform(15, 45) * 60 if sub else r.uniform(10, 40) * 60
        elif s.kind == "unit_mislabel":
            dur = r.uniform(10, 60) * 60
        elif s.kind == "hr_pr_mismatch":
            dur = r.uniform(15, 40) * 60 if sub else r.uniform(10, 30) * 60
        elif s.kind == "bp_inconsistent":
            dur = max(cad * r.randint(2, 6), 60) if sub else r.uniform(5, 20) * 60
        elif s.kind == "nibp_cadence":
            dur = r.uniform(3, 8) * 60 if sub else r.uniform(5, 15) * 60
        else:
            dur = 600
        dur = min(dur, self.T * 0.45)
        lo = 20 * 60
        if s.kind == "replay":
            self.replay_off = min((r.uniform(15, 45) if sub else r.uniform(60, 150)) * 60, 0.3 * self.T)
            lo = max(lo, self.replay_off + 10 * 60)
        if s.kind == "duplicate_control_id" and not sub:
            self.dup_off = min(r.uniform(30, 120) * 60, 0.3 * self.T)
            lo = max(lo, self.dup_off + 10 * 60)
        hi = self.T - dur - 15 * 60
        if hi < lo:
            lo, hi = 5 * 60, max(5 * 60, self.T - dur - 2 * cad)
        t0 = r.uniform(lo, hi)
        self.win = (t0, t0 + dur)

    def _free(self, t0, t1, margin=180):
        if self.win is None:
            return True
        return t1 + margin < self.win[0] or t0 - margin > self.win[1]

    def plan_events(self):
        r, s, T = self.rng, self.s, self.T
        neo = s.neonate
        ev = self.events
        kind = s.kind
        no_rhythm = kind in ("hr_pr_mismatch",)
        # Whole-monitor conditions.
        if not neo and not no_rhythm:
            u = r.random()
            if u < 0.10:
                # Atrial fibrillation, permanent or paroxysmal.
                if r.random() < 0.6:
                    ev.append(Event("af", 0, T, p={"rate": r.uniform(85, 130)}))
                else:
                    a = r.uniform(0.1, 0.6) * T
                    b = min(T, a + r.uniform(20, 90) * 60)
                    if self._free(a, b, 0) or kind not in ("frozen", "too_smooth", "spike"):
                        ev.append(Event("af", a, b, p={"rate": r.uniform(100, 150)}))
            elif u < 0.16 and kind not in ("frozen", "step"):
                self.pace_rate = r.choice([60, 70, 70, 80, 90])
                self.pat.hr = self.pace_rate - r.uniform(15, 30)  # intrinsic rhythm slow: why it is paced
                step_t = r.uniform(0.2, 0.8) * T if r.random() < 0.4 else None
                ev.append(Event("paced", 0, T, p={"step_t": step_t, "step": r.choice([-10, 10])}))
            elif u < 0.24:
                for _ in range(r.randint(1, 3)):
                    a = r.uniform(0, T - 600)
                    b = a + r.uniform(5, 50) * 60
                    if self._free(a, b):
                        ev.append(Event("bigeminy", a, b, p={"seen": r.uniform(0.5, 0.62)}))
        if self.has_et and not neo and r.random() < 0.6 and kind != "frozen":
            self.vent_ctl = True
            self.vent_rate = r.choice([12, 14, 14, 16, 18, 20])
            ev.append(Event("vent_controlled", 0, T))
        # Transfers and unidentified admissions (not where identity or replay is the manipulation).
        if kind not in ("identity_switch", "replay", "duplicate_control_id") and not self.pace_rate \
                and r.random() < 0.1:
            g0 = r.uniform(0.3, 0.65) * T
            g1 = g0 + r.uniform(10, 40) * 60
            if self._free(g0, g1 + 900, 600):
                self.serial += 500000
                self.transfer = (g0, g1, Patient(r, neo, self.serial))
                ev.append(Event("transfer", g1, g1 + 600))
        if kind != "identity_switch" and self.transfer is None and r.random() < 0.07:
            self.unident_until = r.uniform(20, 120) * 60
            ev.append(Event("unidentified", 0, self.unident_until + 300))
        # Clock.
        if abs(self.skew) > 2:
            ev.append(Event("clock_skew", 0, T))
        if self.clock_step_t is not None:
            ev.append(Event("clock_step", self.clock_step_t, self.clock_step_t + 300))

        def add(name, dur_lo, dur_hi, rin=0.0, rout=0.0, d=None, p=None, transient=True, n=1):
            for _ in range(n):
                for _try in range(8):
                    a = r.uniform(60, T - 60)
                    b = a + r.uniform(dur_lo, dur_hi)
                    if not transient or self._free(a - rin, b + rout):
                        ev.append(Event(name, a, b, rin, rout, d, p))
                        break

        # Slow physiological courses.
        if r.random() < 0.35:
            nm = "sedation" if (not neo and r.random() < 0.5) else "sleep"
            add(nm, 30 * 60, 120 * 60, 600, 900, {"hr": -r.uniform(5, 10), "rr": -r.uniform(2, 4) * (2 if neo else 1),
                                                  "map": -r.uniform(4, 10), "et": r.uniform(2, 4), "spo2": -0.8},
                transient=False)
        if r.random() < 0.15:
            dt = r.uniform(1.0, 2.0)
            add("fever", 60 * 60, 150 * 60, 2400, 1800, {"temp": dt, "hr": 10 * dt, "rr": 3 * dt, "map": -3},
                transient=False)
        if not neo and r.random() < 0.08:
            cold = r.random() < 0.2
            add("sepsis", 90 * 60, 200 * 60, 4800, 600, {"temp": -0.8 if cold else 1.3, "hr": r.uniform(20, 35),
                                                        "map": -r.uniform(12, 22), "rr": r.uniform(5, 9),
                                                        "spo2": -r.uniform(1.5, 3.5), "et": -4, "pp": 6},
                transient=False)
        if not neo and r.random() < 0.06:
            add("haemorrhage", 20 * 60, 60 * 60, r.uniform(900, 2400), r.uniform(1200, 2400),
                {"hr": r.uniform(20, 40), "map": -r.uniform(15, 30), "pp": -r.uniform(8, 18), "et": -5, "rr": 4},
                transient=False)
        if not neo and r.random() < (0.25 if self.has_abp else 0.08):
            add("vasopressor", 60 * 60, 180 * 60, r.uniform(300, 700), 1800,
                {"map": r.uniform(12, 22), "hr": -r.uniform(2, 7), "pp": 5}, transient=False)
        if r.random() < 0.3:
            which = r.choice(["betablocker", "opioid", "fluid"] if not neo else ["opioid", "fluid"])
            d = {"betablocker": {"hr": -r.uniform(10, 20), "map": -4},
                 "opioid": {"hr": -8, "rr": -4, "map": -8, "spo2": -1, "et": 4},
                 "fluid": {"map": r.uniform(6, 12), "hr": -5}}[which]
            add("drug", 20 * 60, 60 * 60, r.uniform(120, 400), 1800, d, transient=False)
        # Rhythm and rate episodes.
        if not no_rhythm and r.random() < 0.1:
            add("psvt", 60, 20 * 60, p={"rate": r.uniform(230, 280) if neo else r.uniform(160, 210)})
        if r.random() < 0.12:
            if neo:
                add("tachy", 5 * 60, 30 * 60, 120, 300, {"hr": r.uniform(35, 50), "map": 4})
            else:
                add("tachy", 5 * 60, 30 * 60, 120, 300, {"hr": r.uniform(30, 50), "map": 8, "rr": 4})
        if not neo and r.random() < 0.08:
            add("brady", 2 * 60, 15 * 60, 60, 120, {"hr": -max(0.0, self.pat.hr - r.uniform(38, 50))})
        # Respiratory.
        if neo:
            # Preterm infants: tens of desaturations a day (Nagraj et al. 2019), many with
            # apnoea and bradycardia (Poets et al. 1993).
            for _ in range(r.choice([0, 1, 2, 3, 4, 6, 8])):
                add("brady_desat", 15, 60, r.uniform(10, 20), r.uniform(30, 60),
                    {"hr": -r.uniform(50, 80), "spo2": -r.uniform(12, 25), "rr": -r.uniform(25, 40)})
            for _ in range(r.choice([0, 1, 2, 4, 6])):
                add("desat", 10, 40, r.uniform(5, 15), r.uniform(15, 40), {"spo2": -r.uniform(8, 20)})
            for _ in range(r.choice([0, 0, 1, 2, 3])):
                add("brady", 4, 20, 3, 10, {"hr": -r.uniform(45, 65)})
        elif r.random() < 0.25:
            add("desat", 60, 5 * 60, r.uniform(60, 180), r.uniform(60, 120),
                {"spo2": -r.uniform(6, 12), "hr": r.uniform(4, 10), "rr": 4}, n=r.randint(1, 2))
        # Artefacts.
        add("probe_off", 10, 8 * 60, n=r.choice([0, 0, 1, 1, 2, 3] if not neo else [1, 2, 3, 4]))
        add("motion", 20, 180, n=r.choice([0, 1, 1, 2, 3]))
        if self.has_et and not neo:
            add("suction", 60, 180, 5, 90, {"hr": r.uniform(8, 20), "map": r.uniform(8, 18), "spo2": -r.uniform(2, 7)},
                n=r.choice([0, 1, 1, 2]))
        elif r.random() < 0.3:
            add("cough", 30, 120, 5, 60, {"hr": r.uniform(6, 14), "map": r.uniform(6, 14), "rr": r.uniform(6, 12)})
        if self.has_abp:
            add("art_flush", 20, 60, n=r.choice([0, 1, 1, 2]))  # blood sample, then the fast flush
            if r.random() < 0.35:
                add("art_zero", 10, 60)
        if r.random() < 0.2 and kind != "nibp_cadence":
            add("nibp_stat", 5 * 60, 12 * 60)
        if neo:
            # A neonate's pressures are about half an adult's; so are their swings.
            for e in ev:
                for k in ("map", "pp"):
                    if k in e.d:
                        e.d[k] *= 0.5
        ev.sort(key=lambda e: (e.t0, e.name))
        for e in ev:
            if e.name not in self.conditions:
                self.conditions.append(e.name)
        self.conditions.sort()

    # ------------------------------------------------------------ simulation

    def simulate(self):
        """Steps the physiology at each message time; returns message records."""
        r, T, cad = self.rng, self.T, self.cad
        recs = []
        t = r.uniform(0, cad)
        last_t = None
        pat = self.pat
        ev = self.events
        nibp_next = r.uniform(1, min(self.nibp_every, 20)) * 60
        nibp_dur = r.uniform(25, 45)
        nibp_pending = None    # completion time of a running measurement
        nibp_last = None       # (sys, dia, map, measured at true time)
        manual = sorted(r.uniform(0, T) for _ in range(r.randint(0, 2)))
        while t < T:
            if self.transfer and self.transfer[0] <= t < self.transfer[1]:
                t = self.transfer[1] + r.uniform(0, cad)
                pat = self.transfer[2]
                last_t = None
                nibp_last = None
                nibp_next = t + r.uniform(60, 300)
                continue
            dt = cad if last_t is None else t - last_t
            last_t = t
            o = pat.o
            for x in o.values():
                x.step(dt, r)
            active = [e for e in ev if e.active(t)]
            names = []
            for e in active:
                if e.name not in names:
                    names.append(e.name)
            d = {"hr": 0.0, "spo2": 0.0, "rr": 0.0, "map": 0.0, "pp": 0.0, "temp": 0.0, "et": 0.0}
            for e in active:
                if e.d:
                    w = e.env(t)
                    for k, v in e.d.items():
                        d[k] += w * v
            # Heart.
            sinus = pat.hr + o["hr_s"].x + o["hr_f"].x + d["hr"]
            hr = sinus
            pr = sinus + r.gauss(0, 1.0)
            pp_extra_sd = 0.0
            for e in active:
                if e.name == "af":
                    vr = e.p["rate"] + o["hr_s"].x + 0.5 * d["hr"] + o["af_f"].x
                    hr = vr
                    pr = vr - max(0.0, (vr - 70) * r.uniform(0.08, 0.3)) - abs(r.gauss(0, 3))
                    pp_extra_sd = 5.0
                elif e.name == "bigeminy":
                    # Each sinus beat is followed by a PVC and a compensatory pause: the ECG
                    # counts both, the oximeter mostly misses the weak PVC pulse.
                    hr = sinus + r.gauss(0, 1.5)
                    pr = sinus * e.p["seen"] + r.gauss(0, 2)
                    pp_extra_sd = 4.0
                elif e.name == "psvt":
                    rate = e.p["rate"] + r.gauss(0, 1.5)
                    hr = rate
                    pr = rate - abs(r.gauss(0, 2))
                    d["map"] -= 10
                    d["pp"] -= 10
            if self.pace_rate:
                for e in active:
                    if e.name == "paced":
                        rate = self.pace_rate
                        if e.p["step_t"] is not None and t >= e.p["step_t"]:
                            rate += e.p["step"]
                        # Demand pacing: the pacemaker fires when the intrinsic rate is below its rate.
                        if hr < rate + 2:
                            hr = rate + r.gauss(0, 0.35)
                            pr = rate + r.gauss(0, 0.9)
            floor = 45.0 if pat.neonate else 32.0
            hr = max(hr, floor + r.uniform(0, 3))
            pr = max(pr, floor + r.uniform(0, 3))
            # Oxygen, breathing, pressure, temperature.
            spo2 = pat.spo2 + o["spo2_s"].x + o["spo2_f"].x + d["spo2"]
            if spo2 > 99.6:
                spo2 = 100.0 - abs(r.gauss(0, 0.4))
            if self.vent_ctl:
                rr = self.vent_rate + (r.choice([0, 0, 0, 0, 0, 1, 2]) if r.random() < 0.3 else 0)
            else:
                rr = pat.rr + o["rr_s"].x + o["rr_f"].x + d["rr"]
            rr = max(rr, 0.0)
            mp = pat.map + o["map_s"].x + o["map_f"].x + d["map"]
            floor = 24 if pat.neonate else 40
            if mp < floor + 5:  # autoregulation and treatment keep the pressure off the floor
                mp = floor + 5 * math.exp((mp - floor - 5) / 5)
            pp = clip(pat.pp + o["pp_s"].x + d["pp"] + r.gauss(0, 1.2 + pp_extra_sd), 8.0, 0.85 * mp)
            dia = mp - pat.ff * pp
            sys_ = dia + pp
            temp = pat.temp + o["temp_s"].x + d["temp"] + r.gauss(0, 0.03)
            et = pat.etco2 + o["et_s"].x + o["et_f"].x + d["et"]
            v = {"hr": hr, "pr": pr, "spo2": clip(spo2, 40, 100), "rr": rr,
                 "etco2": et if self.has_et else None, "temp": temp if self.has_temp else None,
                 "asys": sys_ if self.has_abp else None, "adia": dia if self.has_abp else None,
                 "amap": mp if self.has_abp else None}
            # Artefacts on the measured values.
            for e in active:
                n = e.name
                if n == "probe_off":
                    v["spo2"] = v["pr"] = None
                elif n == "motion" and v["spo2"] is not None:
                    v["spo2"] = clip(v["spo2"] - r.uniform(0, 14), 50, 100)
                    v["pr"] += r.gauss(0, 15)
                    v["hr"] += r.gauss(0, 6)
                    v["rr"] = max(0, v["rr"] + r.gauss(0, 6))
                elif n == "suction" and v["etco2"] is not None and t < e.t0 + 40:
                    v["etco2"] = r.uniform(0, 6)  # circuit open
                    v["rr"] = r.uniform(0, 30)
                elif n == "cough":
                    v["rr"] += r.gauss(0, 6)
                elif n == "art_flush" and self.has_abp:
                    if t >= e.t1 - max(4, cad * 0.9):
                        top = r.uniform(250, 310)
                        v["asys"], v["adia"] = top, top - r.uniform(5, 40)
                        v["amap"] = (v["asys"] + v["adia"]) / 2
                    else:  # line open to the sampling syringe
                        v["asys"], v["adia"] = r.uniform(4, 20), r.uniform(0, 4)
                        v["amap"] = (v["asys"] + 2 * v["adia"]) / 3
                elif n == "art_zero" and self.has_abp:
                    if self.not_measured == "omit":
                        v["asys"] = v["adia"] = v["amap"] = None
                    else:
                        v["asys"], v["adia"], v["amap"] = r.choice([0, 0, 1]), r.choice([0, -1, 0]), 0
            # NIBP: scheduled auto cycles, STAT runs, manual starts.
            nibp_new = False
            stat = any(e.name == "nibp_stat" for e in active)
            if nibp_pending is None:
                if manual and t >= manual[0]:
                    manual.pop(0)
                    nibp_pending = t + nibp_dur
                elif stat:
                    nibp_pending = t + r.uniform(35, 50)  # back-to-back cuff cycles
                elif t >= nibp_next:
                    nibp_pending = nibp_next + nibp_dur + r.uniform(-3, 6)
                while nibp_next <= t:
                    nibp_next += self.nibp_every * 60
            while nibp_pending is not None and t >= nibp_pending:
                ok = not any(e.name == "motion" for e in active) or r.random() < 0.3
                if ok:
                    # Oscillometry measures MAP; SYS and DIA are derived from it.
                    k = 0.5 if pat.neonate else 1.0
                    nm = mp + r.gauss(0, 3 * k)
                    ns = sys_ + k * (pat.nb_s + r.gauss(0, 5))
                    nd = dia + k * (pat.nb_d + r.gauss(0, 4))
                    ns = max(ns, nm + 0.45 * pp)
                    nd = min(nd, nm - 0.2 * pp)
                    nibp_last = (ns, nd, nm, nibp_pending)
                    nibp_new = True
                # In STAT mode the next cuff cycle starts as soon as the cuff has deflated.
                nibp_pending = nibp_pending + r.uniform(35, 50) if stat else None
            if self.unident_until is not None and t < self.unident_until:
                ident = ("T%05d" % (self.s.idx * 7 + 10000), "UNKNOWN^UNKNOWN", "", "U", pat.visit)
            else:
                ident = pat.ident()
            if nibp_last is not None and t - nibp_last[3] > 3600:
                nibp_last = None  # monitors stop showing an NIBP result after an hour
            recs.append({"t": t, "v": v, "nibp": nibp_last, "nibp_new": nibp_new, "ev": names,
                         "ident": ident, "dev_shift": 0.0, "obs_shift": 0.0, "units": None, "ctrl": None,
                         "man": False})
            t += cad + r.gauss(0, 0.01 * cad)
        self.recs = recs

    def dev_time(self, t):
        dev = t + self.skew + self.drift * t
        if self.clock_step_t is not None and t >= self.clock_step_t:
            dev -= self.skew
        return dev

    # ------------------------------------------------------------ manipulation

    def manipulate(self, forge=True):
        """Applies the planned manipulation; forge=False: the unforged twin (see unforge)."""
        s = self.s
        self.planned = None
        if not s.kind:
            self.ep = None
            return
        r = self.rng
        recs = self.recs
        genuine = None if forge else [dict(x, v=dict(x["v"])) for x in recs]
        w0, w1 = self.win
        idx = [i for i, x in enumerate(recs) if w0 <= x["t"] <= w1]
        if not idx:
            i = min(range(len(recs)), key=lambda i: abs(recs[i]["t"] - w0))
            idx = [i]
        sub = s.strength == "subtle"
        fn = getattr(self, "m_" + s.kind)
        param, detail, changed = fn(idx, sub, r)
        if not changed:
            raise RuntimeError("%s: %s changed nothing (seed %d)" % (s.id, s.kind, s.seed))
        for i in changed:
            recs[i]["man"] = True
        self.ep = (min(changed), max(changed), param, detail)
        if genuine is not None:
            self.unforge(genuine)

    def unforge(self, genuine):
        """The unforged twin: the manipulation has drawn from the monitor's one random stream as in the forged
        corpus, so build's later draws (control IDs, arrivals, retransmissions) stay the same; the records go
        back to their genuine content. They keep their "man" marks, only so that build draws for the same
        records (it never retransmits a changed one); the plan is kept in self.planned, no episode is labelled."""
        for x, g in zip(self.recs, genuine):
            g["man"] = x["man"]
        self.recs = genuine
        self.planned, self.ep = self.ep, None

    def _pick(self, r, options):
        opts = [o for o in options if o in self.channels or (o == "abp" and self.has_abp)]
        return r.choice(opts)

    def _shift(self, rec, param, amount):
        """Adds amount to a channel (abp: all three arterial values)."""
        v = rec["v"]
        keys = ["asys", "adia", "amap"] if param == "abp" else ["hr", "pr"] if param == "hrpr" else [param]
        hit = False
        for k in keys:
            if v.get(k) is not None:
                v[k] += amount
                hit = True
        return hit

    def m_spike(self, idx, sub, r):
        # Subtle spikes only where the other channels show it cannot be real.
        p = self._pick(r, ["hr", "spo2", "abp", "temp", "pr"] if sub else
                       ["hr", "spo2", "abp", "rr", "etco2", "temp", "pr"])
        n = len(idx)
        if p == "hr":
            amt = r.choice([-1, 1]) * r.uniform(28, 40) if sub else r.uniform(110, 170)
        elif p == "pr":
            amt = -r.uniform(25, 35) if sub else r.uniform(100, 150)
        elif p == "spo2":
            amt = -r.uniform(9, 13) if sub else -r.uniform(35, 55)
        elif p == "abp":
            amt = r.uniform(30, 45) if sub else r.uniform(90, 140)
        elif p == "rr":
            amt = r.uniform(14, 20) if sub else r.uniform(45, 70)
        elif p == "etco2":
            amt = r.uniform(12, 18) if sub else r.uniform(40, 70)
        else:
            amt = r.uniform(0.8, 1.2) if sub else r.uniform(3.0, 5.0)
        ch = []
        for i in idx:
            v = self.recs[i]["v"]
            if p == "abp":  # only the systolic moves: a pulse pressure no heart makes
                if v["asys"] is not None:
                    v["asys"] += amt
                    v["amap"] += amt / 3
                    ch.append(i)
            elif self._shift(self.recs[i], p, amt):
                ch.append(i)
            if p == "spo2" and v["spo2"] is not None:
                v["spo2"] = min(v["spo2"], 100)
        return p, "%s %+.1f for %d message(s)" % (p, amt, n), ch

    def m_frozen(self, idx, sub, r):
        opts = ["hr", "pr", "rr", "etco2", "abp", "spo2"]
        if self.pace_rate:
            opts = [o for o in opts if o not in ("hr", "pr")]
        if self.vent_ctl:
            opts.remove("rr")
        if sub:
            opts = [o for o in opts if o != "spo2"]
        p = self._pick(r, opts)
        keys = ["asys", "adia", "amap"] if p == "abp" else [p]
        held = None
        ch = []
        for i in idx:
            v = self.recs[i]["v"]
            if any(v[k] is None for k in keys):
                continue
            if held is None:
                held = [round(v[k]) for k in keys]
                continue
            for k, h in zip(keys, held):
                v[k] = h
            ch.append(i)
        return p, "%s held at %s for %.0f min" % (p, held, (self.win[1] - self.win[0]) / 60), ch

    def _seam(self, a, b):
        """How visibly record b's values differ from record a's (for a replay's joins)."""
        va, vb = self.recs[a]["v"], self.recs[b]["v"]
        d = 0.0
        for k, scale in (("hr", 5), ("pr", 5), ("spo2", 2), ("rr", 4), ("amap", 5), ("etco2", 3)):
            if va[k] is not None and vb[k] is not None:
                d += abs(va[k] - vb[k]) / scale
        return d

    def m_replay(self, idx, sub, r):
        shift = max(1, min(int(round(self.replay_off / self.cad)), idx[0]))  # short runs
        if sub:
            # A careful attacker picks a recording whose joins do not show.
            lo = max(1, int(15 * 60 / self.cad))
            hi = min(idx[0], int(45 * 60 / self.cad))
            if hi > lo:
                step = max(1, (hi - lo) // 300)
                a, b = idx[0], idx[-1]
                after = min(b + 1, len(self.recs) - 1)
                shift = min(range(lo, hi + 1, step),
                            key=lambda k: self._seam(a - 1, a - k) + self._seam(after, b - k))
        off = shift * self.cad
        ch = []
        for i in idx:
            j = i - shift
            if j < 0:
                continue
            src = self.recs[j]
            v = dict(src["v"])
            if sub:
                for k in ("hr", "pr", "rr"):
                    if v[k] is not None and r.random() < 0.5:
                        v[k] += r.choice([-1, 1])
            self.recs[i]["v"] = v
            nb = src["nibp"]
            if nb is not None:
                self.recs[i]["nibp"] = (nb[0], nb[1], nb[2], nb[3] + (self.recs[i]["t"] - src["t"]))
            self.recs[i]["nibp_new"] = src["nibp_new"]
            ch.append(i)
        return "all", "messages from %.0f min earlier re-sent%s" % (off / 60, ", jittered" if sub else ""), ch

    def _ramp_params(self, sub, r):
        opts = ["spo2", "abp", "temp", "etco2", "rr", "hrpr"]
        if self.vent_ctl:
            opts.remove("rr")
        if self.pace_rate:
            opts.remove("hrpr")
        opts = [o for o in opts if o in ("hrpr", "spo2", "rr") or o in self.channels]
        if sub:
            # Small abrupt RR or etCO2 shifts happen with ventilator or posture changes.
            opts = [o for o in opts if o not in ("rr", "etco2")]
        p = r.choice(opts)
        big = {"spo2": -r.uniform(9, 13), "abp": r.choice([-1, 1]) * r.uniform(25, 35), "temp": r.uniform(1.8, 2.5),
               "etco2": r.uniform(13, 18), "rr": r.uniform(10, 14), "hrpr": r.choice([-1, 1]) * r.uniform(28, 38)}
        small = {"spo2": -r.uniform(3.5, 5), "abp": r.choice([-1, 1]) * r.uniform(13, 18), "temp": r.uniform(0.6, 0.9),
                 "etco2": r.uniform(5, 7), "rr": r.uniform(4.5, 6), "hrpr": r.choice([-1, 1]) * r.uniform(12, 16)}
        return p, (small if sub else big)[p]

    def m_drift(self, idx, sub, r):
        p, amt = self._ramp_params(sub, r)
        if sub:
            # Slow subtle drifts look like physiology unless a second source of the same
            # quantity stays put: HR against pulse rate, ABP against NIBP.
            opts = ["hr", "pr"] + (["abp"] if self.has_abp else [])
            if self.pace_rate:
                opts.remove("hr")
            p = r.choice(opts)
            amt = r.choice([-1, 1]) * (r.uniform(13, 18) if p == "abp" else r.uniform(12, 16))
        w0, w1 = self.win
        dur = w1 - w0
        up = dur * (0.7 if sub else 0.8)
        down = dur * 0.2 if sub else 0.0
        ch = []
        for i in idx:
            t = self.recs[i]["t"] - w0
            if t < up:
                f = t / up
            elif down and t > dur - down:
                f = (dur - t) / down
            else:
                f = 1.0
            a = amt * f
            if abs(a) < (0.05 if p == "temp" else 0.5):
                continue
            if self._shift(self.recs[i], p, a):
                ch.append(i)
            v = self.recs[i]["v"]
            if v["spo2"] is not None:
                v["spo2"] = min(v["spo2"], 100)
        name = "hr,pr" if p == "hrpr" else p
        return name, "%s drifted %+.1f over %.0f min, %s" % (
            name, amt, up / 60, "ramped back" if down else "then snapped back"), ch

    def m_step(self, idx, sub, r):
        p, amt = self._ramp_params(sub, r)
        ch = []
        for i in idx:
            if self._shift(self.recs[i], p, amt):
                ch.append(i)
            v = self.recs[i]["v"]
            if v["spo2"] is not None:
                v["spo2"] = min(v["spo2"], 100)
        name = "hr,pr" if p == "hrpr" else p
        return name, "%s shifted %+.1f for %.0f min" % (name, amt, (self.win[1] - self.win[0]) / 60), ch

    def m_too_smooth(self, idx, sub, r):
        keys = ["hr", "pr", "spo2", "rr"]
        name = "hr,pr,spo2,rr"
        if self.has_abp and r.random() < 0.5:
            keys = ["asys", "adia", "amap", "hr"]
            name = "abp,hr"
        recs = self.recs
        # Smoothed truth: exponential moving average, forward then backward (no lag).
        tau = (20 if not sub else 6) * 60.0
        ch = set()
        for k in keys:
            pts = [(recs[i]["t"], recs[i]["v"][k]) for i in idx if recs[i]["v"][k] is not None]
            if len(pts) < 3:
                continue
            if not sub:
                # Straight line between the true values at both ends, a too-regular series.
                (ta, a), (tb, b) = pts[0], pts[-1]
                ser = [a + (b - a) * (t - ta) / (tb - ta) for t, _ in pts]
            else:
                f = []
                m = pts[0][1]
                last = pts[0][0]
                for t, x in pts:
                    al = 1 - math.exp(-(t - last) / tau) if t > last else 0
                    m += al * (x - m)
                    f.append(m)
                    last = t
                b = []
                m = pts[-1][1]
                last = pts[-1][0]
                for t, x in reversed(pts):
                    al = 1 - math.exp(-(last - t) / tau) if t < last else 0
                    m += al * (x - m)
                    b.append(m)
                    last = t
                b.reverse()
                ser = [(x + y) / 2 + r.gauss(0, 0.15) for x, y in zip(f, b)]
            j = 0
            for i in idx:
                if recs[i]["v"][k] is not None:
                    recs[i]["v"][k] = ser[j]
                    j += 1
                    ch.add(i)
        return name, "%s replaced by a %s" % (name, "smoothed series" if sub else "straight line"), sorted(ch)

    def m_duplicate_control_id(self, idx, sub, r):
        ch = []
        if sub:
            back = r.randint(1, 3)
            for i in idx:
                if i - back >= 0:
                    self.recs[i]["dup_of"] = i - back
                    ch.append(i)
            return "msh10", "MSH-10 of the message %d before reused" % back, ch
        shift = max(1, min(int(round(self.dup_off / self.cad)), idx[0]))
        for i in idx:
            if i - shift >= 0:
                self.recs[i]["dup_of"] = i - shift
                ch.append(i)
        return "msh10", "MSH-10 of messages %.0f min earlier reused" % (shift * self.cad / 60), ch

    def m_unit_mislabel(self, idx, sub, r):
        opts = []
        if self.has_temp:
            opts.append("temp")
        if self.has_et and not sub:
            opts.append("etco2")
        if self.has_abp:
            opts.append("abp")
        if any(x["nibp_new"] for x in self.recs):
            opts.append("nibp")
        if not sub or not opts:
            opts.append("spo2")
        p = r.choice(opts)
        if p == "nibp" and not any(self.recs[i]["nibp_new"] or (self.recs[i]["nibp"] is not None and
                                                                 self.s.layout != "ge_pcd") for i in idx):
            # No NIBP result in the window: start at the next measurement.
            j = next((i for i in range(idx[0], len(self.recs)) if self.recs[i]["nibp_new"]), None)
            if j is None:
                j = max(i for i in range(idx[0]) if self.recs[i]["nibp_new"])
            idx = list(range(j, min(len(self.recs), j + len(idx))))
        ch = []
        for i in idx:
            rec = self.recs[i]
            v = rec["v"]
            u = {}
            if p == "temp" and v["temp"] is not None:
                # The number in one scale, the label of the other. Subtle keeps the
                # number this monitor usually sends and changes only the label.
                other = "degf" if self.temp_unit == "degc" else "degc"
                if sub:
                    u["temp_num"], u["temp"] = self.temp_unit, other
                else:
                    u["temp_num"], u["temp"] = other, self.temp_unit
            elif p == "etco2" and v["etco2"] is not None:
                # kPa number labelled mmHg, or mmHg number labelled kPa.
                u["etco2"] = "mmhg" if self.et_unit == "mmhg" else "kpa"
                u["_et_swap"] = True
            elif p == "abp" and v["asys"] is not None:
                f = 1.3595 if sub else 0.13332
                for k in ("asys", "adia", "amap"):
                    v[k] *= f
                u["abp"] = "mmhg"
                u["_abp_dec"] = not sub
            elif p == "spo2" and v["spo2"] is not None:
                v["spo2"] = v["spo2"] / 100.0
                u["_spo2_frac"] = True
            elif p == "nibp" and rec["nibp"] is not None and (rec["nibp_new"] or self.s.layout != "ge_pcd"):
                u["_nibp_f"] = 1.3595 if sub else 0.13332
            if u:
                rec["units"] = u
                ch.append(i)
        det = {"temp": "temperature in the other degree scale", "etco2": "etCO2 kPa/mmHg swapped",
               "abp": "arterial pressure in %s labelled mmHg" % ("cmH2O" if sub else "kPa"),
               "spo2": "SpO2 as a fraction labelled %", "nibp": "NIBP in %s labelled mmHg" % (
                   "cmH2O" if sub else "kPa")}[p]
        return p, det, ch

    def m_out_of_range(self, idx, sub, r):
        neo = self.s.neonate
        opts = ["spo2", "hr", "rr", "pr"] + [c for c in ("temp", "etco2", "abp") if c in self.channels]
        p = r.choice(opts)
        ch = []
        for i in idx:
            v = self.recs[i]["v"]
            if p == "abp":
                if v["asys"] is None:
                    continue
                if sub:
                    v["asys"] = r.uniform(330, 360)
                    v["amap"] = v["adia"] + self.pat.ff * (v["asys"] - v["adia"])
                else:
                    v["asys"], v["adia"], v["amap"] = r.uniform(500, 900), r.uniform(350, 450), r.uniform(420, 600)
            else:
                if v[p] is None:
                    continue
                if sub:
                    val = {"spo2": r.choice([101, 102, 103]), "hr": r.uniform(345, 370) if neo else r.uniform(310, 340),
                           "pr": r.uniform(345, 370) if neo else r.uniform(310, 340),
                           "rr": r.uniform(190, 220) if neo else r.uniform(140, 170),
                           "temp": r.uniform(45.5, 47), "etco2": r.uniform(160, 190)}[p]
                else:
                    val = {"spo2": r.uniform(120, 180), "hr": r.choice([r.uniform(450, 900), -r.uniform(5, 60)]),
                           "pr": r.uniform(450, 900), "rr": r.uniform(250, 400),
                           "temp": r.choice([r.uniform(52, 70), r.uniform(5, 15)]),
                           "etco2": r.uniform(250, 500)}[p]
                v[p] = val
            ch.append(i)
        return p, "%s physically impossible for %d message(s)" % (p, len(ch)), ch

    def m_hr_pr_mismatch(self, idx, sub, r):
        off = r.choice([-1, 1]) * (r.uniform(12, 18) if sub else r.uniform(30, 50))
        if self.pace_rate or self.s.neonate:
            off = -abs(off)
        ch = []
        for i in idx:
            v = self.recs[i]["v"]
            if v["pr"] is None:
                continue
            v["pr"] = v["hr"] + off + r.gauss(0, 1.2)
            ch.append(i)
        return "pr", "pulse rate forged %+.0f from heart rate" % off, ch

    def m_bp_inconsistent(self, idx, sub, r):
        use_abp = self.has_abp and r.random() < 0.6
        ch = []
        recs = self.recs
        if use_abp:
            for i in idx:
                v = recs[i]["v"]
                if v["asys"] is None:
                    continue
                if sub:
                    if r.random() < 0.5:
                        v["amap"] = v["asys"] + r.uniform(3, 8)
                    else:
                        v["amap"] = v["adia"] - r.uniform(3, 8)
                else:
                    v["asys"], v["adia"] = v["adia"], v["asys"]
                ch.append(i)
            return "abp", ("arterial MAP outside [DIA, SYS]" if sub else "arterial SYS and DIA swapped"), ch
        # NIBP: forge the next measurement(s) from the window's start.
        first = idx[0]
        meas = None
        for i in range(first, len(recs)):
            if recs[i]["nibp_new"]:
                meas = recs[i]["nibp"]
                break
        if meas is None:
            for i in range(first, -1, -1):
                if recs[i]["nibp_new"]:
                    meas = recs[i]["nibp"]
                    break
        if meas is None:
            raise RuntimeError("no NIBP measurement")
        ns, nd, nm, tm = meas
        forged = (nd, ns, nm, tm) if not sub else (ns, nd, nd - r.uniform(3, 7), tm)
        for i in range(len(recs)):
            if recs[i]["nibp"] is meas and (recs[i]["nibp_new"] or self.s.layout != "ge_pcd"):
                recs[i]["nibp"] = forged
                ch.append(i)
            elif recs[i]["nibp"] is meas:
                recs[i]["nibp"] = forged
        return "nibp", ("NIBP MAP below DIA" if sub else "NIBP SYS and DIA swapped"), ch

    def _time_kind(self, idx, sub, r, sign):
        ch = []
        if sub:
            amt = sign * r.uniform(180, 600)
            for i in idx:
                self.recs[i]["obs_shift"] = amt
                ch.append(i)
            return "time", "OBX-14 moved %+.0f s" % amt, ch
        amt = sign * r.uniform(1, 26) * 3600
        for i in idx:
            self.recs[i]["obs_shift"] = amt
            self.recs[i]["dev_shift"] = amt
            ch.append(i)
        return "time", "MSH-7 and OBX-14 moved %+.1f h" % (amt / 3600), ch

    def m_time_backwards(self, idx, sub, r):
        return self._time_kind(idx, sub, r, -1)

    def m_time_future(self, idx, sub, r):
        return self._time_kind(idx, sub, r, 1)

    def m_identity_switch(self, idx, sub, r):
        if sub and self.neighbour is not None:
            other = self.neighbour
        else:
            other = Patient(r, self.s.neonate, r.randint(1, 999999)).ident()
        for i in idx:
            self.recs[i]["ident"] = other
        return "pid", ("neighbouring bed's patient" if sub and self.neighbour else "another patient"), list(idx)

    def m_nibp_cadence(self, idx, sub, r):
        recs = self.recs
        ch = []
        fast = self.cad <= 15
        last = recs[idx[0] - 1]["nibp"] if idx[0] > 0 else None
        base = last or recs[idx[0]]["nibp"]
        if base is None:
            base = (115.0, 65.0, 82.0, recs[idx[0]]["t"])
        # A cuff needs 20-45 s to inflate, measure and deflate, plus a pause.
        every = 1 if not sub or not fast else max(1, int(14 // self.cad))
        start = base
        n_meas = 0
        for j, i in enumerate(idx):
            rec = recs[i]
            if sub and n_meas >= (6 if fast else 3):
                break
            if j % every:
                rec["nibp"] = base
                continue
            # Forged results scattered around the last real one.
            ds = r.uniform(4, 9) * r.choice([-1, 1]) if sub else r.uniform(8, 20) * r.choice([-1, 1])
            s_, d_ = start[0] + ds, start[1] + ds * r.uniform(0.4, 0.8)
            m_ = d_ + (s_ - d_) * r.uniform(0.35, 0.45)
            tm = rec["t"] - r.uniform(0, 2) if fast else start[3]
            base = (s_, d_, m_, tm)
            rec["nibp"] = base
            rec["nibp_new"] = True
            ch.append(i)
            n_meas += 1
        # After the episode the monitor's own values resume at their next measurement.
        return "nibp", ("new NIBP every %d message(s) at %ds cadence" % (every, self.cad) if fast else
                        "NIBP values changing without a new measurement time"), ch

    # ------------------------------------------------------------ rendering

    def unit_field(self, ukey):
        code, ref, ucum = UNITS[ukey]
        lay = self.s.layout
        if lay == "philips_mdil":
            return "%04x-%04x^%s^MDIL^%d^%s^MDC" % (code >> 16, code & 0xFFFF, ucum, code, ref)
        if lay == "mindray_pcd" and ukey in ("degc", "degf", "kpa"):
            return "%d^%s^MDC^%s^%s^UCUM" % (code, ref, ucum, ucum)
        return "%d^%s^MDC" % (code, ref)

    def id_field(self, key):
        code, ref, label = MDC[key]
        if self.s.layout == "philips_mdil":
            # Vendor code first, the MDC code as the CWE alternate identifier.
            return "%04x-%04x^%s^MDIL^%d^%s^MDC" % (code >> 16, code & 0xFFFF, label, code, ref)
        return "%d^%s^MDC" % (code, ref)

    def render(self, i):
        """One HL7 message (segments CR-terminated) for record i."""
        rec = self.recs[i]
        lay = self.s.layout
        st = self.ts_style
        t = rec["t"]
        dev = self.dev_time(t) + rec["dev_shift"]
        obs = self.dev_time(t) + rec["obs_shift"]
        msh7 = self.clock.hl7(dev, st)
        ctrl = rec["ctrl"]
        mrn, name, dob, sex, visit = rec["ident"]
        out = []
        if lay == "ge_pcd":
            out.append("MSH|^~\\&|%s|%s|CIS|HOSP|%s||ORU^R01^ORU_R01|%s|P|2.6|||NE|AL||UNICODE UTF-8|||"
                       "PCD_DEC_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (self.device, self.unit, msh7, ctrl))
        elif lay == "mindray_pcd":
            out.append("MSH|^~\\&|%s|%s|||%s||ORU^R01^ORU_R01|%s|P|2.6|||AL|NE||UNICODE UTF-8|||"
                       "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (self.device, self.unit, msh7, ctrl))
        else:
            out.append("MSH|^~\\&|%s|%s|GATEWAY|HOSP|%s||ORU^R01^ORU_R01|%s|P|2.6|||NE|NE|||||"
                       "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (self.device, self.unit, msh7, ctrl))
        if mrn:
            out.append("PID|||%s^^^HOSP^MR||%s||%s|%s" % (mrn, name, dob, sex))
        else:
            out.append("PID|||||%s" % name)
        out.append("PV1||I|%s%s%s" % (self.bed, "|" * 16, visit))
        obr7 = self.clock.hl7(obs - self.cad, st)
        out.append("OBR|1|%s^%s|%s^%s|182777000^monitoring of patient^SCT|||%s" % (
            ctrl, self.app, ctrl, self.app, obr7))
        eq = "%s^^%s^EUI-64" % (self.eui, self.eui) if lay != "philips_mdil" else self.eui
        method = "AMEAS^auto-measurement^MDC" if lay != "philips_mdil" else ""
        n = [0]
        rows = out

        def obx(key, value, ukey, ordinal, status="R", limits=""):
            n[0] += 1
            metric = MDC[key][0] if lay == "mindray_pcd" else METRIC_ORD.get(key, 1)
            rows.append("OBX|%d|NM|%s|1.%d.1.%d|%s|%s|%s||||%s|||%s|||%s|%s" % (
                n[0], self.id_field(key), ordinal, metric, value, self.unit_field(ukey), limits, status,
                obs_s, method, eq))

        obs_s = self.clock.hl7(obs, st)
        if lay == "ge_pcd":
            n[0] += 1
            rows.append("OBX|%d||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0||||||X|||||||%s" % (n[0], eq))
        v = rec["v"]
        u = rec["units"] or {}
        neo = self.s.neonate
        lim = lay == "ge_pcd"

        def put(key, val, ukey, ordinal, fmt="%d", limits=""):
            if val is None:
                if self.not_measured == "omit":
                    return
                if self.not_measured == "sentinel":
                    obx(key, "8388607", ukey, ordinal, limits=limits)
                else:
                    obx(key, "", ukey, ordinal, status="X", limits=limits)
                return
            obx(key, fmt % val if fmt != "%d" else "%d" % int(round(val)), ukey, ordinal, limits=limits)

        put("hr", v["hr"], "bpm", 1, limits=("100-200" if neo else "50-120") if lim else "")
        put("spo2", v["spo2"], "pct", 2, fmt="%.2f" if u.get("_spo2_frac") else "%d", limits=("85-100" if neo else "90-100") if lim else "")
        put("pr", v["pr"], "bpm", 8, limits=("100-200" if neo else "50-120") if lim else "")
        put("rr", max(v["rr"], 0) if v["rr"] is not None else None, "rpm", 3,
            limits=("20-80" if neo else "8-30") if lim else "")
        if self.has_et:
            et = v["etco2"]
            ukey = self.et_unit
            if et is not None:
                if self.et_unit == "kpa":
                    et = et / 7.5006
                if u.get("_et_swap"):
                    et = et / 7.5006 if self.et_unit == "mmhg" else et * 7.5006
                    fmt = "%.1f" if self.et_unit == "mmhg" else "%d"
                else:
                    fmt = "%.1f" if self.et_unit == "kpa" else "%d"
            else:
                fmt = "%d"
            put("etco2", et, ukey, 4, fmt=fmt)
        if self.has_temp:
            tv = v["temp"]
            if tv is not None and u.get("temp_num", self.temp_unit) == "degf":
                tv = tv * 9 / 5 + 32
            put("temp", tv, u.get("temp", self.temp_unit), 5, fmt="%.1f")
        if self.has_abp:
            fmt = "%.1f" if u.get("_abp_dec") else "%d"
            for k in ("asys", "adia", "amap"):
                put(k, v[k], "mmhg", 6, fmt=fmt)
        nb = rec["nibp"]
        if nb is not None and (lay != "ge_pcd" or rec["nibp_new"]):
            f = u.get("_nibp_f")
            keys = ("csys", "cdia", "cmap") if lay == "mindray_pcd" else ("nsys", "ndia", "nmap")
            tm = self.clock.hl7(self.dev_time(nb[3]) + rec["obs_shift"], st)
            for k, x in zip(keys, nb[:3]):
                n[0] += 1
                val = ("%.1f" % (x * f)) if f and f < 1 else "%d" % int(round(x * (f or 1)))
                metric = MDC[k][0] if lay == "mindray_pcd" else METRIC_ORD[k]
                rows.append("OBX|%d|NM|%s|1.7.1.%d|%s|%s|||||R|||%s|||%s|%s" % (
                    n[0], self.id_field(k), metric, val, self.unit_field("mmhg"), tm, method, eq))
        return "\r".join(out) + "\r"

    def build(self):
        """Control IDs, rendering, retransmissions and arrival times."""
        r = self.rng
        recs = self.recs
        lay = self.s.layout
        for rec in recs:
            self.ctrl += 1
            if lay == "philips_mdil":
                rec["ctrl"] = "%016x" % r.getrandbits(64)
            elif lay == "mindray_pcd":
                rec["ctrl"] = "%d" % self.ctrl
            else:
                rec["ctrl"] = "%s%09d" % (self.eui[-6:], self.ctrl)
        for rec in recs:
            if "dup_of" in rec:
                rec["ctrl"] = recs[rec["dup_of"]]["ctrl"]
        # Retransmissions: an ACK lost or late, the monitor re-sends the same bytes.
        rt_rate = r.choice([0, 0, 0.5, 1, 3]) / 3600.0
        out = []   # (arrival, text, rec, events)
        prev_arr = -1e9
        for i, rec in enumerate(recs):
            text = self.render(i)
            lat = r.uniform(0.003, 0.04) if r.random() > 0.01 else r.uniform(0.2, 1.5)
            arr = max(rec["t"] + lat, prev_arr + 0.002)
            out.append((arr, text, rec, rec["ev"]))
            prev_arr = arr
            if rt_rate and not rec["man"] and r.random() < rt_rate * self.cad:
                if self.win is None or not (self.win[0] - 300 < rec["t"] < self.win[1] + 300):
                    for _ in range(r.choice([1, 1, 1, 2])):
                        arr = prev_arr + r.uniform(3, 10)
                        out.append((arr, text, rec, rec["ev"] + ["retransmission"]))
                        prev_arr = arr
                        if "retransmission" not in self.conditions:
                            self.conditions.append("retransmission")
                            self.conditions.sort()
        self.out = out


# ---------------------------------------------------------------- driver

def plan_gateways(seed, specs, gateways, beds):
    """Groups beds behind aggregating gateways: one file, one connection, one vendor.

    Returns the list of groups (lists of specs) in file order."""
    rng = random.Random("corpus2-gw:%d" % seed)
    n = len(specs)
    starts = [p for p in range(0, n - beds + 1, beds)] if beds > 1 else []
    chosen = set(rng.sample(starts, min(gateways, len(starts))))
    groups = []
    p = 0
    while p < n:
        if p in chosen:
            g = specs[p:p + beds]
            for sp in g[1:]:  # a gateway serves one unit and one vendor's monitors
                sp.layout, sp.neonate, sp.file = g[0].layout, g[0].neonate, g[0].file
            groups.append(g)
            p += beds
        else:
            groups.append([specs[p]])
            p += 1
    return groups


def generate(seed, out_dir, monitors=150, hours=4.0, start=START, gateways=1, gateway_beds=4, forge=True):
    """Writes a corpus (forge=False: its unforged twin, every monitor clean); returns the number of messages."""
    os.makedirs(out_dir, exist_ok=True)
    clock = Clock(start)
    specs = plan_population(seed, monitors)
    for s in specs:
        s.seed = seed
    groups = plan_gateways(seed, specs, gateways, gateway_beds)
    labels = open(os.path.join(out_dir, "labels.jsonl"), "w")
    mons = open(os.path.join(out_dir, "monitors.jsonl"), "w")
    ep_no = 0
    total = 0
    prev_ident = None
    for group in groups:
        ms = []
        rows = []   # (arrival, bed order, text, monitor, record, events)
        for k, s in enumerate(group):
            m = Monitor(s, hours, clock, 100000 + s.idx * 37 + seed % 1000 * 1000, prev_ident)
            m.plan_episode_window()
            m.plan_events()
            m.simulate()
            m.manipulate(forge)
            m.build()
            prev_ident = m.pat.ident()
            for i, rec in enumerate(m.recs):
                rec["_i"] = i
            m.ep_no = None
            if m.ep:
                ep_no += 1
                m.ep_no = ep_no
            m.first_pos = m.last_pos = m.ep_start = m.ep_end = None
            m.count = 0
            ms.append(m)
            rows.extend((arr, k, text, m, rec, evs) for arr, text, rec, evs in m.out)
        if len(group) > 1:
            # One connection, stop-and-wait: the gateway forwards in arrival order, one at a time.
            rows.sort(key=lambda x: (x[0], x[1]))
            last = -1e9
            for j, x in enumerate(rows):
                arr = max(x[0], last + 0.003)
                rows[j] = (arr,) + x[1:]
                last = arr
        fname = group[0].file
        with open(os.path.join(out_dir, fname), "w", newline="") as f:
            for pos, (arr, _, text, m, rec, evs) in enumerate(rows, 1):
                f.write(text)
                f.write("\n")
                s = m.s
                row = {"file": fname, "message": pos, "monitor": s.id, "arrival": clock.rfc(arr)}
                i = rec["_i"]
                if m.ep and m.ep[0] <= i <= m.ep[1]:
                    row.update({"label": s.kind, "parameter": m.ep[2], "episode": m.ep_no, "strength": s.strength})
                    if m.first_pos is None:
                        m.first_pos, m.ep_start = pos, row["arrival"]
                    m.last_pos, m.ep_end = pos, row["arrival"]
                else:
                    row.update({"label": "clean", "parameter": "", "episode": 0})
                if evs:
                    row["events"] = ",".join(sorted(set(evs)))
                labels.write(json.dumps(row, separators=(",", ":")) + "\n")
                m.count += 1
        for m in ms:
            s = m.s
            info = {"id": s.id, "file": fname, "device": m.device, "class": "neonatal" if s.neonate else "adult",
                    "layout": s.layout, "cadence_s": s.cadence, "hours": hours,
                    "status": s.status if forge else "clean",
                    "messages": m.count, "channels": m.channels, "conditions": m.conditions,
                    "nibp_every_min": m.nibp_every, "clock_skew_s": round(m.skew, 3),
                    "temp_unit": m.temp_unit if m.has_temp else "", "etco2_unit": m.et_unit if m.has_et else "",
                    "not_measured": m.not_measured, "gateway": len(group) > 1}
            if m.ep:
                info.update({"kind": s.kind, "parameter": m.ep[2], "strength": s.strength, "episode": m.ep_no,
                             "episode_first": m.first_pos, "episode_last": m.last_pos,
                             "episode_start": m.ep_start, "episode_end": m.ep_end, "detail": m.ep[3]})
            elif m.planned:
                info.update({"planned_kind": s.kind, "planned_strength": s.strength, "planned_parameter": m.planned[2],
                             "detail": "(unforged twin: no forgery written)"})
            mons.write(json.dumps(info, separators=(",", ":")) + "\n")
            total += m.count
    labels.close()
    mons.close()
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--monitors", type=int, default=150)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--start", default=START)
    ap.add_argument("--gateways", type=int, default=1, help="aggregating-gateway files (0: none)")
    ap.add_argument("--gateway-beds", type=int, default=4, help="beds behind each gateway")
    ap.add_argument("--no-forge", action="store_true",
                    help="write the unforged twin: the same messages and arrivals, no forgery written")
    a = ap.parse_args(argv)
    n = generate(a.seed, a.out, a.monitors, a.hours, a.start, a.gateways, a.gateway_beds, not a.no_forge)
    print("%d messages, %d monitors -> %s%s" % (n, a.monitors, a.out, " (unforged twin)" if a.no_forge else ""),
          file=sys.stderr)


if __name__ == "__main__":
    main()
