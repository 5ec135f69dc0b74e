#!/usr/bin/env python3
"""corpus6: a sixth blind labelled ICU vital-sign corpus for hl7gate (issue 14).

Written without reading hl7gate's checks or the other generators. Writes the files of docs/corpus.md
"Files": mon-NNNN.hl7 (one per monitor, CR segments, LF after each message, arrival order), labels.jsonl
and monitors.jsonl.

    python3 gen.py --seed 3 --out /tmp/c6 [--monitors 150] [--hours 4] [--workers 2]

Seeds >= 1000 are held out. Python 3 standard library only; a seed gives the same bytes (every random
stream is seeded from (seed, part)).
"""
import argparse
import datetime as dt
import json
import math
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor

KINDS = ["spike", "frozen", "replay", "drift", "too_smooth", "duplicate_control_id", "step", "unit_mislabel",
         "out_of_range", "hr_pr_mismatch", "bp_inconsistent", "time_backwards", "time_future", "identity_switch",
         "nibp_cadence"]
START = dt.datetime(2026, 3, 2, 7, 0, 0, tzinfo=dt.timezone.utc)  # a Monday; London is on GMT, New York on EST
MMHG_PER_KPA = 7.50062


def rng_for(seed, *part):
    return random.Random(":".join(str(p) for p in (seed,) + part))


# ---------------------------------------------------------------------------------------------- vendors
# Each layout: code table param -> (OBX-3, OBX-6), control-ID style, MSH-7 style, placeholder for "not
# measured", NIBP stamping, cadences offered.

MDC = {
    "hr": ("147842^MDC_ECG_HEART_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    "pr": ("149530^MDC_PULS_OXIM_PULS_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    "spo2": ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "262688^MDC_DIM_PERCENT^MDC"),
    "pi": ("150488^MDC_PULS_OXIM_PERF_REL^MDC", "262688^MDC_DIM_PERCENT^MDC"),
    "pvc": ("148066^MDC_ECG_V_P_C_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    "rr": ("151562^MDC_RESP_RATE^MDC", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
    "temp": ("150364^MDC_TEMP_BODY^MDC", "268192^MDC_DIM_DEGC^MDC"),
    "abp_s": ("150033^MDC_PRESS_BLD_ART_SYS^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "abp_d": ("150034^MDC_PRESS_BLD_ART_DIA^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "abp_m": ("150035^MDC_PRESS_BLD_ART_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "ipr": ("149522^MDC_BLD_PULS_RATE_INV^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    "nibp_s": ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "nibp_d": ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "nibp_m": ("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "etco2": ("151708^MDC_AWAY_CO2_ET^MDC", "266016^MDC_DIM_MMHG^MDC"),
}
MDC_UNIT_ALT = {"kPa": "265987^MDC_DIM_KILO_PASCAL^MDC", "degF": "268160^MDC_DIM_FAHR^MDC"}

# Mindray-style: NIBP as cuff pressure, RR from thoracic impedance, OBX-4 ends with the code.
MINDRAY = dict(MDC)
MINDRAY.update({
    "rr": ("151578^MDC_TTHOR_RESP_RATE^MDC", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
    "nibp_s": ("150301^MDC_PRESS_CUFF_SYS^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "nibp_d": ("150302^MDC_PRESS_CUFF_DIA^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "nibp_m": ("150303^MDC_PRESS_CUFF_MEAN^MDC", "266016^MDC_DIM_MMHG^MDC"),
})


def mdil(code, label):
    n = int(code.split("^")[0])
    return "%04x-%04x^%s^MDIL" % (n >> 16, n & 0xFFFF, label)


PHILIPS = {
    "hr": (mdil("147842", "HR"), "0004-0aa0^bpm^MDIL"),
    "pr": ("0002-480a^Pulse^MDIL", "0004-0aa0^bpm^MDIL"),
    "spo2": ("0002-4bb8^SpO2^MDIL", "0004-0220^%^MDIL"),
    "pi": (mdil("150488", "Perf"), "0004-0220^%^MDIL"),
    "rr": ("0002-5000^Resp^MDIL", "0004-0ae0^rpm^MDIL"),
    "temp": ("0002-f0c7^T1^MDIL", "0004-17a0^\u00b0C^MDIL"),
    "abp_s": (mdil("150033", "ABPs"), "0004-0f20^mmHg^MDIL"),
    "abp_d": (mdil("150034", "ABPd"), "0004-0f20^mmHg^MDIL"),
    "abp_m": (mdil("150035", "ABPm"), "0004-0f20^mmHg^MDIL"),
    "ipr": (mdil("149522", "PR"), "0004-0aa0^bpm^MDIL"),
    "nibp_s": ("0002-4a05^NBPs^MDIL", "0004-0f20^mmHg^MDIL"),
    "nibp_d": (mdil("150022", "NBPd"), "0004-0f20^mmHg^MDIL"),
    "nibp_m": (mdil("150023", "NBPm"), "0004-0f20^mmHg^MDIL"),
    "etco2": (mdil("151708", "etCO2"), "0004-0f20^mmHg^MDIL"),
}
PHILIPS_UNIT_ALT = {"kPa": "0004-0f03^kPa^MDIL", "degF": "0004-1780^\u00b0F^MDIL"}

LOINC = {  # LOINC first, MDC second (as in NIST PCD test messages), UCUM units
    "hr": ("8867-4^Heart rate^LN^147842^MDC_ECG_HEART_RATE^MDC", "/min^/min^UCUM"),
    "pr": ("8889-8^Heart rate by Pulse oximetry^LN^149530^MDC_PULS_OXIM_PULS_RATE^MDC", "/min^/min^UCUM"),
    "spo2": ("59408-5^Oxygen saturation by Pulse oximetry^LN^150456^MDC_PULS_OXIM_SAT_O2^MDC", "%^%^UCUM"),
    "pi": ("61006-3^Perfusion index^LN^150488^MDC_PULS_OXIM_PERF_REL^MDC", "%^%^UCUM"),
    "rr": ("9279-1^Respiratory rate^LN^151562^MDC_RESP_RATE^MDC", "/min^/min^UCUM"),
    "temp": ("8310-5^Body temperature^LN^150364^MDC_TEMP_BODY^MDC", "Cel^Cel^UCUM"),
    "abp_s": ("76215-3^Invasive Systolic blood pressure^LN^150033^MDC_PRESS_BLD_ART_SYS^MDC", "mm[Hg]^mm[Hg]^UCUM"),
    "abp_d": ("76213-8^Invasive Diastolic blood pressure^LN^150034^MDC_PRESS_BLD_ART_DIA^MDC", "mm[Hg]^mm[Hg]^UCUM"),
    "abp_m": ("76214-6^Invasive Mean blood pressure^LN^150035^MDC_PRESS_BLD_ART_MEAN^MDC", "mm[Hg]^mm[Hg]^UCUM"),
    "ipr": ("^^^149522^MDC_BLD_PULS_RATE_INV^MDC", "/min^/min^UCUM"),
    "nibp_s": ("8480-6^Systolic blood pressure^LN^150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "mm[Hg]^mm[Hg]^UCUM"),
    "nibp_d": ("8462-4^Diastolic blood pressure^LN^150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "mm[Hg]^mm[Hg]^UCUM"),
    "nibp_m": ("8478-0^Mean blood pressure^LN^150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "mm[Hg]^mm[Hg]^UCUM"),
    "etco2": ("19889-5^Carbon dioxide/Gas.total.at end expiration^LN^151708^MDC_AWAY_CO2_ET^MDC",
              "mm[Hg]^mm[Hg]^UCUM"),
}
LOINC_UNIT_ALT = {"kPa": "kPa^kPa^UCUM", "degF": "[degF]^[degF]^UCUM"}

COMEN = dict(MDC)
COMEN["pr"] = ("149522^MDC_PULS_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC")  # Comen: pleth pulse as 149522

LAYOUTS = {
    # name: codes, unit alternatives, cadences (weights), placeholder, tz, vendor text
    "ge_pcd": dict(codes=MDC, alt=MDC_UNIT_ALT, cad=[(5, 2), (10, 3), (15, 1), (30, 2), (60, 2)], ph="omit",
                   tz="+0000", app="CARESCAPE_B650", oui="080019FFFE", ack=("NE", "AL"), ver="2.6"),
    "mindray_bv": dict(codes=MINDRAY, alt=MDC_UNIT_ALT, cad=[(1, 1), (2, 1), (5, 3), (10, 5), (15, 3), (30, 2)], ph="-100",
                       tz="+0000", app="MINDRAY_BENEVISION_N", oui="00A037FFFE", ack=("AL", "NE"), ver="2.6"),
    "philips_mdil": dict(codes=PHILIPS, alt=PHILIPS_UNIT_ALT, cad=[(2, 1), (5, 2), (10, 2), (15, 2), (30, 2)], ph="empty",
                         tz="", app="IntelliVue_MX800", oui="0009FBFFFE", ack=("AL", "NE"), ver="2.3"),
    "loinc_us": dict(codes=LOINC, alt=LOINC_UNIT_ALT, cad=[(15, 1), (30, 2), (60, 3)], ph="8388607",
                     tz="-0500", app="PCD_DOR_GW", oui="001C7EFFFE", ack=("NE", "AL"), ver="2.6"),
    "comen_c": dict(codes=COMEN, alt=MDC_UNIT_ALT, cad=[(1, 1), (2, 2), (5, 4), (10, 5), (30, 3)], ph="-100",
                    tz="", app="COMEN_C80", oui="00D0C9FFFE", ack=("AL", "NE"), ver="2.4"),
}
LAYOUT_W = [("ge_pcd", 3), ("mindray_bv", 2), ("philips_mdil", 2), ("loinc_us", 2), ("comen_c", 2)]


def wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    x = rng.random() * tot
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def fmt_ts(sec, tz, frac=True):
    """Seconds after START as an HL7 DTM in the vendor's zone ('' = site-local time without an offset; the
    sites of those vendors are in London, on GMT in March)."""
    off = 0
    if tz == "-0500":
        off = -5 * 3600
    t = START + dt.timedelta(seconds=sec + off)
    s = t.strftime("%Y%m%d%H%M%S")
    if frac:
        s += ".%03d" % int(t.microsecond / 1000)
    return s + tz


# ---------------------------------------------------------------------------------------------- names
FAMILY = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "ROBINSON", "WRIGHT",
          "THOMPSON", "EVANS", "WALKER", "WHITE", "ROBERTS", "GREEN", "HALL", "WOOD", "JACKSON", "CLARKE",
          "PATEL", "KHAN", "LEWIS", "HUGHES", "MORGAN", "NGUYEN", "GARCIA", "OKAFOR", "MURPHY", "KOWALSKI"]
GIVEN_M = ["JAMES", "JOHN", "ROBERT", "DAVID", "AHMED", "PETER", "MARK", "OLIVER", "GEORGE", "ARTHUR"]
GIVEN_F = ["MARY", "SUSAN", "FATIMA", "OLIVIA", "AMELIA", "GRACE", "ANNA", "LUCY", "EMMA", "SOPHIE"]


def new_identity(rng, cls, unidentified=False):
    sex = rng.choice("MF")
    if cls == "neonatal":
        born = START - dt.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
        given = "BABY BOY" if sex == "M" else "BABY GIRL"
    else:
        born = START - dt.timedelta(days=rng.randint(18 * 365, 92 * 365))
        given = rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
    fam = rng.choice(FAMILY)
    mrn = str(rng.randint(10000000, 99999999))
    if unidentified:
        return dict(mrn="T" + str(rng.randint(100000, 999999)), name="^^^^^^U", dob="", sex="U")
    return dict(mrn=mrn, name="%s^%s" % (fam, given), dob=born.strftime("%Y%m%d"), sex=sex)


# ---------------------------------------------------------------------------------------------- patients
class Ev:
    __slots__ = ("name", "t0", "t1", "a", "b")

    def __init__(self, name, t0, t1, a=0.0, b=0.0):
        self.name, self.t0, self.t1, self.a, self.b = name, t0, t1, a, b


def shape(t, t0, t1, rise, fall):
    """0..1: ramps up over rise s after t0, holds, ramps down over fall s before t1."""
    if t < t0 or t > t1:
        return 0.0
    u = 1.0
    if rise > 0 and t - t0 < rise:
        u = (t - t0) / rise
    if fall > 0 and t1 - t < fall:
        u = min(u, (t1 - t) / fall)
    return max(0.0, min(1.0, u))


class Patient:
    def __init__(self, rng, cls, T0, T1, force):
        self.cls = cls
        self.T0, self.T1 = T0, T1
        r = rng
        if cls == "neonatal":
            self.ga = r.randint(25, 40)  # gestational age, weeks
            self.hr0 = r.uniform(130, 165)
            self.spo20 = r.uniform(90, 97)
            self.rr0 = r.uniform(35, 60)
            self.temp0 = r.uniform(36.5, 37.3)
            self.map0 = self.ga + r.uniform(0, 8)
            self.pp0 = r.uniform(12, 22)
            self.etco20 = r.uniform(38, 50)
            self.art = r.random() < 0.25 or force.get("art", False)  # umbilical arterial catheter
            self.vent = r.random() < 0.3 or force.get("vent", False)
            self.rhythm = "sinus"
        else:
            self.hr0 = r.uniform(58, 105)
            self.spo20 = r.uniform(92, 99)
            self.rr0 = r.uniform(12, 24)
            self.temp0 = r.uniform(36.2, 37.8)
            self.map0 = r.uniform(68, 95)
            self.pp0 = r.uniform(38, 70)
            self.etco20 = r.uniform(32, 44)
            self.art = r.random() < 0.55 or force.get("art", False)
            self.vent = r.random() < 0.4 or force.get("vent", False)
            x = r.random()
            self.rhythm = "af" if x < 0.14 else ("paced" if x < 0.21 else "sinus")
            if force.get("sinus"):
                self.rhythm = "sinus"
        self.pace = r.choice([60, 70, 80, 90])
        self.af_deficit = r.uniform(3, 18)
        self.events = []
        self.schedule(r)
        T = T1 - T0
        self.art_from, self.vent_until = T0, T1
        if self.art and self.cls == "adult" and r.random() < 0.12:  # arterial line placed during the recording
            self.art_from = T0 + r.uniform(0.1, 0.6) * T
            self.events = [e for e in self.events if not (e.name.startswith("art_") or e.name ==
                                                           "transducer_height") or e.t0 > self.art_from + 60]
            self.add("art_line_inserted", self.art_from, 600)
            self.add("art_zero", self.art_from, r.uniform(15, 40))
        if self.vent and self.cls == "adult" and r.random() < 0.12 and not force.get("vent"):  # extubated
            self.vent_until = T0 + r.uniform(0.3, 0.85) * T
            self.events = [e for e in self.events if e.name not in ("suction", "vent_change", "etco2_disconnect")
                           or e.t1 < self.vent_until]
            self.add("extubation", self.vent_until, 900)
        self.events.sort(key=lambda e: e.t0)

    def add(self, name, t0, dur, a=0.0, b=0.0):
        t0 = max(self.T0, t0)
        self.events.append(Ev(name, t0, min(self.T1, t0 + dur), a, b))

    def rand_t(self, r, dur=0):
        return r.uniform(self.T0, max(self.T0 + 1, self.T1 - dur))

    def schedule(self, r):
        T = self.T1 - self.T0
        h = T / 3600.0
        n = lambda lam: sum(1 for _ in range(40) if r.random() < lam * h / 40)
        if self.cls == "neonatal":
            preterm = self.ga < 34
            for _ in range(n(3.0 if preterm else 0.6)):
                d = r.uniform(15, 60)
                self.add("brady_desat", self.rand_t(r), d, r.uniform(0.3, 0.55), r.uniform(8, 25))
            for _ in range(n(2.0 if preterm else 0.3)):
                self.add("apnoea", self.rand_t(r), r.uniform(15, 30))
            for _ in range(n(1.0)):
                self.add("crying", self.rand_t(r), r.uniform(60, 600), r.uniform(15, 35))
            for _ in range(n(0.5)):
                self.add("feeding", self.rand_t(r), r.uniform(900, 1800))
            for _ in range(n(0.8)):
                self.add("quiet_sleep", self.rand_t(r), r.uniform(1200, 2400))
            if r.random() < 0.25 * h / 4:
                self.add("kangaroo_care", self.rand_t(r, 3600), r.uniform(2400, 5400), r.uniform(-0.4, 0.5))
            if r.random() < 0.15:
                self.add("phototherapy", self.T0, T, r.uniform(0.1, 0.4))
            if r.random() < 0.12:
                self.add("svt_adenosine", self.rand_t(r, 1200), r.uniform(300, 900), r.uniform(240, 290))
        else:
            if self.rhythm == "sinus" and r.random() < 0.08:
                self.add("af_onset", self.rand_t(r, 3600), r.uniform(1800, 7200), r.uniform(115, 150))
            if self.rhythm == "af" and r.random() < 0.2:
                t = self.rand_t(r, 1800)
                self.add("cardioversion", t, self.T1 - t)
            if r.random() < 0.1:
                self.add("bigeminy", self.rand_t(r, 600), r.uniform(300, 2400), r.uniform(0.45, 0.65))
            if r.random() < 0.05:
                self.add("svt_adenosine", self.rand_t(r, 600), r.uniform(240, 600), r.uniform(150, 190))
            for _ in range(n(0.5)):
                self.add("desaturation", self.rand_t(r), r.uniform(180, 900), r.uniform(5, 14))
            if self.vent:
                for _ in range(n(0.6)):
                    self.add("suction", self.rand_t(r), r.uniform(40, 120))
                if r.random() < 0.35:
                    self.add("vent_change", self.rand_t(r, 1800), 1e6, r.choice([-6, -4, 4, 6, 8]))
            if r.random() < 0.3:
                self.add("sleep", self.rand_t(r, 2400), r.uniform(1800, 5400))
            if r.random() < 0.15:
                self.add("fever", self.rand_t(r, 3600), r.uniform(3600, 10000), r.uniform(1.0, 2.2))
            if r.random() < 0.1:
                t = self.rand_t(r, 5400)
                self.add("sepsis", t, self.T1 - t, r.uniform(15, 30))
                self.add("vasopressor", t + r.uniform(2400, 4800), 1e6, r.uniform(12, 22))
            if r.random() < 0.06:
                t = self.rand_t(r, 3600)
                self.add("haemorrhage", t, r.uniform(1800, 3600), r.uniform(15, 30))
                self.add("transfusion", t + r.uniform(1200, 2400), 1e6)
            for _ in range(n(0.25)):
                self.add("sedation_bolus", self.rand_t(r), r.uniform(600, 1500), r.uniform(10, 25))
            if r.random() < 0.04:  # targeted temperature management after cardiac arrest
                self.add("cooling", self.rand_t(r, 5400), 1e6, r.uniform(1.5, 3.0))
            if r.random() < 0.05:
                self.add("atropine", self.rand_t(r), r.uniform(600, 1800), r.uniform(20, 35))
            for _ in range(n(0.6)):
                self.add("cough", self.rand_t(r), r.uniform(5, 25))
        for _ in range(n(0.5)):  # repositioning every 2 h or so
            self.add("turning", self.rand_t(r), r.uniform(60, 240))
        for _ in range(n(1.2 if self.cls == "neonatal" else 0.8)):
            self.add("motion", self.rand_t(r), r.uniform(8, 90))
        for _ in range(n(0.4)):
            self.add("probe_off", self.rand_t(r), r.choice([r.uniform(10, 60), r.uniform(60, 900)]))
        for _ in range(n(0.2)):
            self.add("lead_off", self.rand_t(r), r.uniform(10, 300))
        for _ in range(n(0.4)):
            self.add("ecg_noise", self.rand_t(r), r.uniform(3, 15), r.uniform(140, 260))
        if self.art:
            for _ in range(n(0.5)):
                self.add("art_flush", self.rand_t(r), r.uniform(3, 10), r.uniform(220, 310))
            for _ in range(n(0.35)):
                t = self.rand_t(r)
                self.add("art_sampling", t, r.uniform(20, 60), r.uniform(5, 40))
                self.add("art_flush", t + 60, r.uniform(2, 5), r.uniform(220, 310))
            for _ in range(n(0.15)):
                self.add("art_zero", self.rand_t(r), r.uniform(10, 40))
            if r.random() < 0.2:
                self.add("art_damping", self.rand_t(r, 1200), r.uniform(900, 3600), r.uniform(0.3, 0.6))
            for e in [e for e in self.events if e.name == "turning"]:
                if r.random() < 0.4:  # bed height changed, transducer not re-levelled
                    self.add("transducer_height", e.t1, r.uniform(900, 5400), r.choice([-1, 1]) * r.uniform(6, 14))
        for _ in range(n(0.15 if self.cls == "neonatal" else 0.06)):  # temperature probe dislodged
            self.add("temp_probe_off", self.rand_t(r), r.uniform(600, 2400),
                     r.uniform(33, 35.5) if self.cls == "neonatal" else r.uniform(27, 32))
        if self.vent:
            for _ in range(n(0.3)):
                self.add("etco2_disconnect", self.rand_t(r), r.uniform(10, 45))
        self.events.sort(key=lambda e: e.t0)


OU = {"hr": (600, 4.0), "map": (900, 4.0), "spo2": (300, 0.9), "rr": (400, 2.0), "temp": (3600, 0.12),
      "etco2": (900, 1.5), "pp": (1800, 3.0), "pi": (600, 0.5)}


class PhysState:
    def __init__(self, r, P):
        self.r = r
        self.P = P
        self.x = {k: 0.0 for k in OU}
        self.noise = {k: 0.0 for k in ("hr", "pr", "spo2", "rr", "abp", "etco2", "af", "temp")}
        self.t = P.T0

    def step(self, t):
        """Advance to t; return the displayed values and the active event names."""
        r, P = self.r, self.P
        d = max(0.0, t - self.t)
        self.t = t
        for k, (tau, sd) in OU.items():
            a = math.exp(-d / tau)
            self.x[k] = self.x[k] * a + sd * math.sqrt(1 - a * a) * r.gauss(0, 1)
        for k, win in (("hr", 8), ("pr", 8), ("spo2", 6), ("rr", 20), ("abp", 4), ("etco2", 10), ("af", 6),
                       ("temp", 30)):
            a = math.exp(-d / win)
            self.noise[k] = self.noise[k] * a + math.sqrt(1 - a * a) * r.gauss(0, 1)
        hr = P.hr0 + self.x["hr"]
        spo2 = P.spo20 + self.x["spo2"]
        rr = P.rr0 + self.x["rr"]
        temp = P.temp0 + self.x["temp"]
        mp = P.map0 + self.x["map"]
        pp = P.pp0 + self.x["pp"]
        et = P.etco20 + self.x["etco2"]
        pi = (1.5 if P.cls == "neonatal" else 2.5) + self.x["pi"]
        rhythm = P.rhythm
        hr_sd, rr_sd, pr_ratio = 1.2, 2.0, 1.0
        evs = []
        if rhythm != "sinus":
            evs.append(rhythm)
        over = {}
        nibp_block = False
        for e in P.events:
            if e.t0 > t:
                break
            if t > e.t1:
                continue
            n = e.name
            u = t - e.t0
            dur = e.t1 - e.t0
            evs.append(n)
            if n == "brady_desat":
                # neonatal: HR falls with SpO2 (not against it), recovery slower than fall
                s = shape(t, e.t0, e.t1, 8, dur * 0.6)
                hr -= hr * e.a * s
                spo2 -= e.b * shape(t, e.t0 + 4, e.t1, 12, dur * 0.6)
                rr -= rr * 0.5 * s
            elif n == "apnoea":
                rr = rr * 0.15 if u > 3 else rr
                if u > 10:
                    spo2 -= (u - 10) * 0.4
                    hr -= (u - 10) * 1.2
            elif n == "crying":
                s = shape(t, e.t0, e.t1, 20, 60)
                hr += e.a * s
                rr += 15 * s
                pi -= 0.5 * s
                nibp_block = True
            elif n == "feeding":
                hr += 5 * shape(t, e.t0, e.t1, 120, 300)
            elif n == "kangaroo_care":
                s = shape(t, e.t0, e.t1, 600, 600)
                temp += e.a * s
                hr -= 6 * s
                spo2 += 0.8 * s
            elif n == "phototherapy":
                temp += e.a
            elif n == "svt_adenosine":
                # SVT for most of the window, adenosine: a few seconds of pause, then sinus
                cut = e.t0 + dur * 0.7
                if t < cut:
                    hr = e.a + 3 * self.noise["af"]
                    hr_sd = 0.6
                    mp -= 8
                    pp *= 0.7
                elif t < cut + 8:
                    hr = 25 + 10 * r.random()
                    mp -= 20
                else:
                    hr += 10 * shape(t, cut + 8, e.t1, 0, 120)
            elif n == "af_onset":
                s = shape(t, e.t0, e.t1, 45, 0)
                hr = hr * (1 - s) + e.a * s
                rhythm = "af" if s > 0.5 else rhythm
                mp -= 6 * s
            elif n == "cardioversion":
                rhythm = "sinus"
                hr -= 25 if hr > 90 else 5
            elif n == "bigeminy":
                pr_ratio = e.a
            elif n == "desaturation":
                s = shape(t, e.t0, e.t1, dur * 0.4, dur * 0.4)
                spo2 -= e.a * s
                hr += 1.3 * e.a * s
                rr += 0.7 * e.a * s
                mp += 5 * s
            elif n == "suction":
                s = shape(t, e.t0, e.t1, 5, 30)
                hr += 18 * s
                mp += 12 * s
                spo2 -= 4 * shape(t, e.t0 + 10, e.t1, 20, 30)
                over["etco2"] = None if u < dur * 0.6 else over.get("etco2", "x")
                rr += 10 * s * r.random()
            elif n == "vent_change":
                s = shape(t, e.t0, e.t1, 30, 0)
                rr += e.a * s
                et -= 0.9 * e.a * shape(t, e.t0, e.t1, 900, 0)
            elif n == "sleep":
                s = shape(t, e.t0, e.t1, 900, 600)
                hr -= 0.09 * hr * s
                rr -= 0.12 * rr * s
                mp -= 6 * s
                hr_sd = 1.2 - 0.6 * s
                rr_sd = 2.0 - 1.2 * s
            elif n == "quiet_sleep":  # neonatal: regular breathing, low heart-rate variability
                s = shape(t, e.t0, e.t1, 120, 120)
                hr -= 5 * s
                hr_sd = 1.2 - 0.8 * s
                rr_sd = 2.0 - 1.4 * s
            elif n == "fever":
                s = shape(t, e.t0, e.t1, dur * 0.5, dur * 0.4)
                temp += e.a * s
                hr += 10 * e.a * s
                rr += 2.5 * e.a * s
            elif n == "sepsis":
                s = shape(t, e.t0, e.t1, 5400, 0)
                mp -= e.a * s
                hr += 25 * s
                rr += 6 * s
                temp += 1.0 * s
                pi -= 1.0 * s
            elif n == "vasopressor":
                mp += e.a * shape(t, e.t0, e.t1, 600, 0)
                hr -= 5 * shape(t, e.t0, e.t1, 900, 0)
            elif n == "haemorrhage":
                s = shape(t, e.t0, e.t1, dur * 0.8, 0)
                mp -= e.a * s
                hr += 1.4 * e.a * s
                pp -= 0.4 * pp * s
                pi -= 1.2 * s
            elif n == "transfusion":
                mp += 15 * shape(t, e.t0, e.t1, 1800, 0)
                hr -= 15 * shape(t, e.t0, e.t1, 1800, 0)
            elif n == "sedation_bolus":
                s = shape(t, e.t0, e.t1, 120, dur * 0.8)
                mp -= e.a * s
                hr -= 0.3 * e.a * s
                rr -= 0.2 * rr * s
            elif n == "cooling":
                s = shape(t, e.t0, e.t1, 7200, 0)
                temp -= e.a * s
                hr -= 6 * e.a * s
                mp += 4 * s
            elif n == "atropine":
                hr += e.a * shape(t, e.t0, e.t1, 60, dur * 0.7)
            elif n == "cough":
                hr += 8
                mp += 10 * r.random()
                rr += 12 * r.random()
            elif n == "turning":
                hr += 8 * shape(t, e.t0, e.t1, 30, 60)
                over["motion"] = 1
            elif n == "motion":
                over["motion"] = 1
                nibp_block = True
            elif n == "probe_off":
                over["spo2"] = None
            elif n == "lead_off":
                over["hr"] = None
            elif n == "ecg_noise":
                over["hr"] = e.a + 15 * r.random()
            elif n == "art_flush":
                v = e.a + r.uniform(-6, 6)
                over["abp"] = (v + r.uniform(0, 4), v - r.uniform(0, 4), v + r.uniform(-2, 2))
            elif n == "art_sampling":
                over["abp"] = (e.a + 1, e.a - 1, e.a)
            elif n == "art_zero":
                over["abp"] = (r.choice([0, 1, 2]), r.choice([0, -1, 1]), r.choice([0, 1]))
            elif n == "art_damping":
                s = shape(t, e.t0, e.t1, dur * 0.7, 0)
                over["damp"] = 1 - e.a * s
            elif n == "transducer_height":
                over["height"] = e.a
            elif n == "temp_probe_off":
                cut = e.t0 + 0.7 * dur
                if t < cut:
                    temp = e.a + (temp - e.a) * math.exp(-u / 240)
                else:
                    low = e.a + (temp - e.a) * math.exp(-(cut - e.t0) / 240)
                    temp = temp - (temp - low) * math.exp(-(t - cut) / 120)
            elif n == "etco2_disconnect":
                over["etco2"] = r.uniform(0, 3)
        # measurement
        if rhythm == "af":
            hr_disp = hr * 1.15 + 7 * self.noise["af"]
            pr_disp = hr_disp - P.af_deficit - abs(4 * self.noise["pr"])
            sbp_var = 9
        elif rhythm == "paced":
            hr_disp = max(P.pace, hr * 0.3 + P.pace * 0.7) if hr > P.pace + 15 else P.pace
            pr_disp = hr_disp + 1.5 * self.noise["pr"]
            sbp_var = 2
        else:
            hr_disp = hr + hr_sd * self.noise["hr"]
            pr_disp = hr + 1.3 * self.noise["pr"]
            sbp_var = 2.5
        pr_disp = max(20.0, pr_disp * pr_ratio)
        if "hr" in over:
            hr_disp = over["hr"]
        spo2_disp = min(100.0, spo2 + 0.5 * self.noise["spo2"])
        if "motion" in over:
            spo2_disp -= abs(r.gauss(0, 5))
            pr_disp += r.gauss(0, 15)
            pi -= 0.8
        vent = P.vent and t < P.vent_until
        if vent and P.cls == "adult":
            rr = max(8.0, rr)  # a ventilator's set rate is a floor
        elif P.vent:  # breathing on its own after extubation: faster, less regular
            rr += 4 * shape(t, P.vent_until, P.T1, 300, 0)
            rr_sd += 1.0
        rr_disp = max(0.0, rr + rr_sd * self.noise["rr"])
        if P.cls == "neonatal":
            spo2_disp = min(100.0, spo2_disp)
        # PVC count per minute: a few ectopics at most, half the beats in bigeminy
        pvc = hr_disp * (1 - pr_ratio) if pr_ratio < 1 and hr_disp else (self.noise["pr"] > 1.8) * 2.0
        v = {"hr": hr_disp, "pvc": pvc if "hr" not in over else None, "pr": max(20.0, pr_disp), "spo2": spo2_disp, "rr": rr_disp, "pi": max(0.05, pi),
             "temp": temp + 0.03 * self.noise["temp"]}
        if over.get("spo2", 1) is None:
            v["spo2"] = v["pr"] = v["pi"] = None
        if P.art and t >= P.art_from:
            damp = over.get("damp", 1.0)
            ppd = max(4.0, pp * damp)
            m = mp + 1.5 * self.noise["abp"] + over.get("height", 0.0)
            s_ = m + ppd * 0.62 + sbp_var * self.noise["af"] * 0.5
            d_ = m - ppd * 0.38
            if "abp" in over:
                s_, d_, m = over["abp"]
            v["abp_s"], v["abp_d"], v["abp_m"] = s_, d_, m
            # pulse rate from the arterial waveform: follows the perfused beats, not the ECG counter
            v["ipr"] = None if "abp" in over else max(20.0, (pr_disp if "motion" not in over else hr * pr_ratio)
                                                     + 0.8 * self.noise["abp"])
        if vent:
            e2 = over.get("etco2", "x")
            v["etco2"] = None if e2 is None else (e2 if e2 != "x" else et + 0.8 * self.noise["etco2"])
        self.true_map, self.true_pp, self.true_hr = mp, pp, hr
        return v, evs, nibp_block


# ---------------------------------------------------------------------------------------------- monitors
def plan(seed, monitors):
    r = rng_for(seed, "plan")
    n_clean = round(monitors / 3)
    order = list(range(monitors))
    r.shuffle(order)
    kinds = []
    per = {}
    while len(kinds) < monitors - n_clean:
        ks = KINDS[:]
        r.shuffle(ks)
        kinds.extend(ks)
    kinds = kinds[:monitors - n_clean]
    assign = {}
    for i, mi in enumerate(order):
        if i < n_clean:
            assign[mi] = None
        else:
            k = kinds[i - n_clean]
            j = per.get(k, 0)
            per[k] = j + 1
            assign[mi] = (k, "subtle" if j % 5 in (1, 3) else "blatant")
    return assign


def sim_monitor(args):
    seed, mi, hours, episode_id, job, outdir = args[:6]
    forge_on = args[6] if len(args) > 6 else True
    r = rng_for(seed, "mon", mi, "setup")
    num = mi + 1
    mid = "m%04d" % num
    fname = "mon-%04d.hl7" % num
    T = hours * 3600.0
    cls = "neonatal" if r.random() < 0.3 else "adult"
    layout = wchoice(r, LAYOUT_W)
    L = LAYOUTS[layout]
    cadence = wchoice(r, L["cad"])
    kind, strength = job if job else (None, None)
    force = {}
    if kind == "unit_mislabel":
        force["vent"] = True
    if kind == "bp_inconsistent" and r.random() < 0.5:
        force["art"] = True
    if kind == "step" and r.random() < 0.6:
        force["art"] = True
    if kind == "hr_pr_mismatch" and strength == "blatant":
        force["sinus"] = True
    etco2_unit = "kPa" if layout in ("philips_mdil", "ge_pcd") and r.random() < 0.35 else "mmHg"
    if kind == "unit_mislabel" and strength == "subtle":
        etco2_unit = "mmHg"
    temp_unit = "degF" if layout == "loinc_us" and r.random() < 0.5 else "degC"
    eui = L["oui"] + "%06X" % r.randrange(1 << 24)
    bed = "%s^%s^%d" % (("NICU" if cls == "neonatal" else r.choice(["ICU1", "ICU2", "CCU"])), "BED", num)
    skew = r.uniform(-40, 25)  # device clock minus true time, s
    ppm = r.uniform(-20, 20)
    nibp_every = (r.choice([60, 120, 180, 0]) if cls == "neonatal" else r.choice([15, 15, 30, 30, 60, 0]))
    nibp_mode = "auto" if nibp_every else "manual"
    ctrl_wrap = 9999 if layout == "comen_c" else None
    # bed timeline: one patient, or discharge + empty bed + admission, possibly unidentified on arrival
    segs = []
    x = r.random()
    if x < 0.12 and hours >= 1:
        t_dis = r.uniform(0.35, 0.6) * T
        t_adm = t_dis + r.uniform(0.05, 0.12) * T
        segs = [(0.0, t_dis, False), (t_adm, T, r.random() < 0.4)]
    else:
        segs = [(0.0, T, r.random() < 0.08)]
    identify_at = {}
    pats = []
    idents = []
    for si, (a, b, unid) in enumerate(segs):
        P = Patient(rng_for(seed, "mon", mi, "pat", si), cls, a, b, force)
        pats.append(P)
        real = new_identity(r, cls)
        if unid:
            idents.append((new_identity(r, cls, unidentified=True), real))
            identify_at[si] = a + r.uniform(0.15, 0.6) * (b - a)
        else:
            idents.append((real, real))
    # device events: reboots, NTP steps, retransmissions, network stalls
    dev_ev = []
    # per 4 h: a reboot on about 1 bed in 10, an NTP step on 1 in 6, a network stall on 1 in 4
    for _ in range(sum(1 for _ in range(2) if r.random() < 0.0125 * hours)):
        dev_ev.append(("reboot", r.uniform(0.1, 0.9) * T, r.uniform(60, 200)))
    for _ in range(sum(1 for _ in range(2) if r.random() < 0.021 * hours)):
        dev_ev.append(("ntp_step", r.uniform(0.1, 0.9) * T, -r.uniform(0.5, 4)))
    for _ in range(sum(1 for _ in range(2) if r.random() < 0.032 * hours)):
        dev_ev.append(("late_burst", r.uniform(0.1, 0.9) * T, r.uniform(20, 120)))
    dev_ev.sort(key=lambda e: e[1])
    retx_p = r.choice([0.0, 0.0005, 0.002, 0.006])

    # ---- simulate every message
    rn = rng_for(seed, "mon", mi, "noise")
    msgs = []
    ctrl = r.randint(1, 5000)
    t = r.uniform(0, cadence)
    boots = [e for e in dev_ev if e[0] == "reboot"]
    steps = [e for e in dev_ev if e[0] == "ntp_step"]
    stalls = [e for e in dev_ev if e[0] == "late_burst"]
    states = [PhysState(rng_for(seed, "mon", mi, "phys", si), P) for si, P in enumerate(pats)]
    nibp = [None] * len(pats)  # (s, d, m, t_meas) per patient
    next_nibp = [None] * len(pats)
    stat_until = [-1.0] * len(pats)
    n_meas = [0] * len(pats)
    wrapped = False
    booted_at = -1e9
    last_arr = -1e9
    used_ids = set()
    while t < T:
        si = next((i for i, (a, b, _) in enumerate(segs) if a <= t < b), None)
        if si is None:
            t += cadence
            continue
        bt = next((e for e in boots if e[1] <= t < e[1] + e[2]), None)
        if bt is not None:
            t = bt[1] + bt[2]
            booted_at = t
            ctrl = 1
            skew += rn.uniform(-3, 3)
            continue
        P, S = pats[si], states[si]
        v, evs, nb = S.step(t)
        # NIBP: scheduled, stat, manual; a cuff cycle takes 25-45 s, value appears at its end
        if next_nibp[si] is None:
            next_nibp[si] = segs[si][0] + rn.uniform(20, 600)
            if rn.random() < 0.15:  # admission stat series
                stat_until[si] = segs[si][0] + rn.uniform(300, 360)
        if t >= next_nibp[si]:
            if nb and rn.random() < 0.7:
                next_nibp[si] = t + rn.uniform(90, 150)
                evs.append("nibp_retry")
            else:
                bias = rn.gauss(3, 4) if P.art else 0
                m_ = S.true_map + bias + rn.gauss(0, 3)
                pp_ = S.true_pp * rn.uniform(0.85, 1.1)
                if P.cls == "neonatal":
                    m_ = max(20, m_)
                s_ = m_ + pp_ * 0.6 + rn.gauss(0, 3)
                d_ = m_ - pp_ * 0.4 + rn.gauss(0, 2)
                nibp[si] = (round(s_), round(d_), round(m_), t - rn.uniform(0, min(cadence, 5)))
                n_meas[si] += 1
                if t < stat_until[si]:
                    next_nibp[si] = t + rn.uniform(40, 70)
                elif nibp_every:
                    nm = next_nibp[si] + nibp_every * 60
                    while nm <= t:
                        nm += nibp_every * 60
                    next_nibp[si] = nm
                else:
                    next_nibp[si] = t + rn.uniform(1800, 5400)
                if rn.random() < 0.03 * cadence / 10 and t > stat_until[si]:
                    stat_until[si] = t + rn.uniform(240, 360)  # clinician starts a stat series
                    next_nibp[si] = t + rn.uniform(40, 70)
                elif rn.random() < 0.04:
                    next_nibp[si] = min(next_nibp[si], t + rn.uniform(120, 600))  # manual extra reading
                    evs.append("nibp_manual")
        if t < stat_until[si]:
            evs.append("nibp_stat")
        # identity
        ident_pre, ident_real = idents[si]
        ident = ident_real
        if si in identify_at:
            if t < identify_at[si]:
                ident = ident_pre
                evs.append("unidentified")
            elif t < identify_at[si] + 1800:
                evs.append("identified")
        if si > 0 and t < segs[si][0] + 1800:
            evs.append("admit")
        # clock
        sk = skew + ppm * 1e-6 * t
        for e in steps:
            if t >= e[1]:
                sk += e[2]
                if t < e[1] + 120:
                    evs.append("ntp_step")
        if t < booted_at + 300:
            evs.append("reboot")
        dev = t + sk
        ctrl_s = str(ctrl)
        if ctrl_wrap:
            if ctrl > ctrl_wrap:
                ctrl = 1
                ctrl_s = "1"
                wrapped = True
            if wrapped:
                evs.append("ctrlid_wrap")
        ctrl += 1
        if ctrl_s in used_ids:  # a counter restarted by a reboot (or wrapped) reuses IDs with new content
            evs.append("ctrlid_reused")
        used_ids.add(ctrl_s)
        lat = 0.01 + rn.expovariate(1 / 0.06)
        arr = t + lat
        for e in stalls:  # network stall: the device queues, then sends the backlog in order
            if e[1] <= t < e[1] + e[2]:
                arr = e[1] + e[2] + rn.uniform(0.2, 1.5)
                evs.append("late_burst")
        # one message in flight (MLLP stop-and-wait): nothing overtakes; an ACK lost makes the device wait out
        # its timeout and send the same bytes again before the next message
        arr = max(arr, last_arr + 0.004 + rn.random() * 0.01)
        retx = None
        if rn.random() < retx_p:
            retx = arr + rn.uniform(3, 12)
        last_arr = retx if retx is not None else arr
        if layout == "comen_c" and nibp[si] is not None:
            evs.append("nibp_restamp")
        msgs.append(dict(t=t, arr=arr, dev=dev, ctrl=ctrl_s, ident=ident, v=v,
                         nibp=nibp[si], ev=evs, seg=si, units={}, retx=retx))
        t += cadence + rn.uniform(-0.05, 0.05) * min(cadence, 5)

    # ---- forge
    info = dict(id=mid, file=fname, device="%s^%s^EUI-64" % (L["app"], eui), **{"class": cls}, layout=layout,
                cadence_s=cadence, hours=hours, status="manipulated" if kind else "clean", channels=[],
                etco2_unit=etco2_unit if pats[0].vent or any(p.vent for p in pats) else "",
                nibp_mode=nibp_mode, nibp_every_min=nibp_every, placeholder=L["ph"],
                clock_skew_s=round(skew, 3), conditions=[])
    changed = set()
    param, detail = "", ""
    if kind and forge_on:
        orig = [dict(m, v=dict(m["v"]), units=dict(m["units"])) for m in msgs]
        fmt = lambda m: format_msg(m, L, layout, eui, bed, etco2_unit, temp_unit, cls)
        for attempt in range(8):
            if attempt:  # the last try changed no byte (a channel absent there): put the stream back, try again
                msgs[:] = [dict(m, v=dict(m["v"]), units=dict(m["units"])) for m in orig]
            fr = rng_for(seed, "mon", mi, "attack", attempt)
            changed, param, detail = forge(kind, strength, msgs, fr, dict(
                cadence=cadence, cls=cls, layout=layout, etco2_unit=etco2_unit, temp_unit=temp_unit))
            # a label marks exactly the messages whose bytes the forgery changed (a frozen value that happens
            # to equal the true one, or a drift still rounding to the same figure, leaves its message as it was)
            changed = {i for i in changed if fmt(orig[i]) != fmt(msgs[i])}
            if changed:
                break
        else:
            print("corpus6: %s: the %s forgery changed no message in 8 tries (recording too short?)" % (mid, kind),
                  file=sys.stderr)
    # ---- format
    out = []
    for i, m in enumerate(msgs):
        out.append((m["arr"], i, format_msg(m, L, layout, eui, bed, etco2_unit, temp_unit, cls)))
        if m["retx"] is not None:  # no ACK in time: the same bytes again
            out.append((m["retx"], i, None))
    if layout == "mindray_bv":
        # the monitor asks the HIS for its patient (QBP^ZV1) on admission, on identification and now and then,
        # under its own MSH-3 and its own MSH-10 counter, on the same connection
        qr = rng_for(seed, "mon", mi, "query")
        qts = []
        for si, (a, b, _) in enumerate(segs):
            qts.append((a + qr.uniform(3, 20), si))
            if si in identify_at:
                qts.append((identify_at[si] + qr.uniform(-30, -2), si))
            x = a + qr.uniform(1800, 4200)
            while x < b:
                qts.append((x, si))
                x += qr.uniform(2400, 4800)
        qn = qr.randint(1, 900)
        for k, (tq, si) in enumerate(sorted(qts)):
            if tq >= T or not msgs:
                continue
            near = min(range(len(msgs)), key=lambda j: abs(msgs[j]["t"] - tq)) if len(msgs) < 50 else \
                max(0, min(len(msgs) - 1, int((tq - msgs[0]["t"]) / cadence)))
            m = msgs[near]
            tq = m["t"] + cadence / 2  # between two observation messages, so the two streams never cross
            ident = m["ident"]
            text = "\r".join([
                "MSH|^~\\&|MINDRAY_PDS^%s^EUI-64||HIS||%s||QBP^ZV1^QBP_Q21|Q%d|P|2.6|||AL|NE" % (
                    eui, fmt_ts(tq + (m["dev"] - m["t"]), L["tz"]), qn),
                "QPD|ZV1^Patient info query^MINDRAY|%d|%s^^^HOSP" % (qn, ident["mrn"]),
                "RCP|I|1^RD"]) + "\r\n"
            qn += 1
            out.append((tq + 0.02 + qr.random() * 0.05, -1 - k, text))
    out.sort(key=lambda x: (x[0], x[1]))
    first_ev = None
    lines = []
    prev_text = {}
    with open(os.path.join(outdir, fname), "w", encoding="utf-8", newline="") as f:
        pos = 0
        for arr, i, text in out:
            if i < 0:  # a patient query: not an observation, never forged
                f.write(text)
                pos += 1
                lines.append(json.dumps(dict(file=fname, message=pos, monitor=mid, arrival=iso(arr), label="clean",
                                             parameter="", episode=0, events="patient_query"),
                                        separators=(",", ":")))
                continue
            m = msgs[i]
            ev = list(m["ev"])
            if text is None:
                text = prev_text[i]
                ev.append("retransmit")
            else:
                prev_text[i] = text
            f.write(text)
            pos += 1
            lab = dict(file=fname, message=pos, monitor=mid, arrival=iso(arr),
                       label=kind if i in changed else "clean", parameter=param if i in changed else "",
                       episode=episode_id if i in changed else 0)
            if i in changed:
                lab["strength"] = strength
                if first_ev is None:
                    first_ev = pos
                    info["episode_start"] = iso(arr)
                info["episode_last"] = pos
                info["episode_end"] = iso(arr)
            evs = sorted(set(ev))
            if evs:
                lab["events"] = ",".join(evs)
            lines.append(json.dumps(lab, separators=(",", ":")))
    chans = set()
    conds = set()
    for m in msgs:
        chans.update(k for k, x in m["v"].items() if k != "pvc" or layout == "ge_pcd")
        if m["nibp"]:
            chans.add("nibp")
        conds.update(m["ev"])
    info["channels"] = sorted(chans)
    info["conditions"] = sorted(conds)
    info["messages"] = len(out)
    if kind:
        info.update(kind=kind, parameter=param, strength=strength, episode=episode_id, episode_first=first_ev,
                    detail=detail)
    return lines, info


def iso(sec):
    t = START + dt.timedelta(seconds=sec)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%09dZ" % (t.microsecond * 1000)


# ---------------------------------------------------------------------------------------------- formatting
ROUND1 = {"temp", "etco2_kpa", "pi"}


def fmt_val(p, x):
    if p in ("temp", "pi"):
        return "%.1f" % x if p == "temp" else "%.2f" % x
    return "%d" % int(round(x))


def format_msg(m, L, layout, eui, bed, etco2_unit, temp_unit, cls):
    tz = L["tz"]
    codes = L["codes"]
    ident = m["ident"]
    dev = m["dev"]
    ts = fmt_ts(dev, tz, frac=(layout != "comen_c"))
    app = L["app"]
    acc, appack = L["ack"]
    if L["ver"] == "2.6":
        msh = "MSH|^~\\&|%s^%s^EUI-64||HL7GATE||%s||ORU^R01^ORU_R01|%s|P|2.6|||%s|%s||UNICODE UTF-8|||" \
              "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO" % (app, eui, ts, m["ctrl"], acc, appack)
    else:
        msh = "MSH|^~\\&|%s^%s^EUI-64|%s|CIS||%s||ORU^R01|%s|P|%s|||%s|%s" % (
            app, eui, bed.split("^")[0], ts, m["ctrl"], L["ver"], acc, appack)
    segs = [msh]
    pid3 = "%s^^^HOSP^MR" % ident["mrn"] if ident["sex"] != "U" else "%s^^^HOSP^TMP" % ident["mrn"]
    segs.append("PID|||%s||%s||%s|%s" % (pid3, ident["name"], ident["dob"], ident["sex"]))
    segs.append("PV1||I|%s" % bed)
    obr_t = fmt_ts(dev, tz, frac=False)
    if layout in ("ge_pcd", "loinc_us", "mindray_bv"):
        segs.append("OBR|1|%s^%s^EUI-64|%s^%s^EUI-64|182777000^monitoring of patient^SCT|||%s" %
                    (m["ctrl"], app, m["ctrl"], app, obr_t))
    else:
        segs.append("OBR|1||%s|MONITOR^Monitoring^L|||%s" % (m["ctrl"], obr_t))
    v = m["v"]
    rows = []
    order = ["hr", "pvc", "pr", "spo2", "pi", "rr", "abp_s", "abp_d", "abp_m", "ipr", "temp", "etco2"] if \
        layout == "ge_pcd" else ["hr", "pr", "spo2", "pi", "rr", "abp_s", "abp_d", "abp_m", "ipr", "temp", "etco2"]
    if layout in ("ge_pcd", "loinc_us"):
        rows.append("OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||%s^^%s^EUI-64" %
                    (eui, eui))
    seq = len(rows)
    units = m["units"]
    for ci, p in enumerate(order):
        if p not in v:
            continue
        x = v[p]
        code, unit = codes[p]
        if p == "etco2":
            u = units.get("etco2", etco2_unit)
            if u == "kPa":
                unit = L["alt"]["kPa"]
            if m.get("etco2_as") == "mmHg":
                unit = codes[p][1]
        if p == "temp":
            u = units.get("temp", temp_unit)
            if u == "degF":
                unit = L["alt"]["degF"]
        if x is None:
            if L["ph"] == "omit":
                continue
            val, st = ("", "X") if L["ph"] == "empty" else (L["ph"], "R" if layout != "mindray_bv" else "")
        else:
            if p == "etco2" and m.get("etco2_raw") is not None:
                val = m["etco2_raw"]
            elif p == "etco2" and (units.get("etco2", etco2_unit) == "kPa") and "etco2_raw" not in m:
                val = "%.1f" % (x / MMHG_PER_KPA)
            elif p == "temp" and units.get("temp", temp_unit) == "degF" and "temp_raw" not in m:
                val = "%.1f" % (x * 9 / 5 + 32)
            elif p == "temp" and "temp_raw" in m:
                val = m["temp_raw"]
            else:
                val = fmt_val(p, x)
            st = "R" if layout != "mindray_bv" else ""
            if layout == "philips_mdil":
                st = "F"
        seq += 1
        sub = obx4(layout, p, codes[p][0], ci)
        if layout == "philips_mdil":
            rows.append("OBX|%d|NM|%s|%s|%s|%s|||||%s" % (seq, code, sub, val, unit, st))
        else:
            if layout == "ge_pcd":  # as in GE's B40 manual: VMD and channel header rows, OBX-18 EUI^model
                if p == "abp_s":
                    rows.append("OBX|%d||69854^MDC_DEV_METER_PRESS_BLD_VMD^MDC|1.4.0.0|||||||X" % seq)
                    rows.append("OBX|%d||69855^MDC_DEV_METER_PRESS_BLD_CHAN^MDC|1.4.1.0|||||||X" % (seq + 1))
                    seq += 2
                rows.append("OBX|%d|NM|%s|%s|%s|%s|||||%s|||||||%s^CARESCAPE_GE" % (seq, code, sub, val, unit, st, eui))
            else:
                rows.append("OBX|%d|NM|%s|%s|%s|%s|||||%s|||||||%s^^%s^EUI-64" % (seq, code, sub, val, unit, st, eui, eui))
    nb = m["nibp"]
    if nb is not None:
        s_, d_, mm, tm = nb
        tstamp = fmt_ts(m["dev"] if layout == "comen_c" else tm + (m["dev"] - m["t"]), tz, frac=False)
        if m.get("nibp_stamp") is not None:
            tstamp = fmt_ts(m["nibp_stamp"] + (m["dev"] - m["t"]), tz, frac=False)
        for p, x in (("nibp_s", s_), ("nibp_d", d_), ("nibp_m", mm)):
            code, unit = codes[p]
            seq += 1
            sub = obx4(layout, p, code, 20)
            st = "F" if layout == "philips_mdil" else ("" if layout == "mindray_bv" else "R")
            if layout == "philips_mdil":
                rows.append("OBX|%d|NM|%s|%s|%d|%s|||||%s|||%s" % (seq, code, sub, x, unit, st, tstamp))
            else:
                eq = "%s^CARESCAPE_GE" % eui if layout == "ge_pcd" else "%s^^%s^EUI-64" % (eui, eui)
                rows.append("OBX|%d|NM|%s|%s|%d|%s|||||%s|||%s|||AMEAS^auto-measurement^MDC|%s" %
                            (seq, code, sub, x, unit, st, tstamp, eq))
    segs.extend(rows)
    return "\r".join(segs) + "\r\n"


CHAN = {"pvc": (2, 1, 2), "hr": (2, 1, 1), "pr": (3, 1, 2), "spo2": (3, 1, 1), "pi": (3, 1, 3), "rr": (2, 2, 1), "abp_s": (4, 1, 1),
        "abp_d": (4, 1, 2), "abp_m": (4, 1, 3), "ipr": (4, 1, 4), "temp": (5, 1, 1), "etco2": (6, 1, 1),
        "nibp_s": (7, 1, 1), "nibp_d": (7, 1, 2), "nibp_m": (7, 1, 3)}


def obx4(layout, p, code, ci):
    vmd, ch, k = CHAN[p]
    if layout == "mindray_bv":
        return "1.%d.%d.%s" % (vmd, ch, code.split("^")[0])
    if layout == "philips_mdil":
        return ""
    return "1.%d.%d.%d" % (vmd, ch, k)


# ---------------------------------------------------------------------------------------------- forgeries
def window(msgs, fr, n, need=None, lo=0.2, hi=0.8):
    """A run of n consecutive messages of one patient, inside [lo, hi] of the recording, where every message
    has the channels in need."""
    N = len(msgs)
    if n > (hi - lo) * N:
        lo, hi = 0.02, 1.0
    for _ in range(400):
        s = fr.randint(int(N * lo), max(int(N * lo), int(N * hi) - n))
        if s + n > N:
            continue
        seg = msgs[s]["seg"]
        ok = all(msgs[j]["seg"] == seg for j in range(s, s + n))
        if ok and need:
            ok = all(msgs[j]["v"].get(p) is not None for j in range(s, s + n) for p in need)
        if ok:
            return s
    return max(0, min(N - n, int(N * lo)))


def nmsg(seconds, cad, least):
    return max(least, int(seconds / cad))


def pick(fr, msgs, opts):
    have = [p for p in opts if any(m["v"].get(p) is not None for m in msgs)]
    return fr.choice(have) if have else None


ABP = ("abp_s", "abp_d", "abp_m")


def forge(kind, strength, msgs, fr, ctx):
    cad = ctx["cadence"]
    sub = strength == "subtle"
    N = len(msgs)
    ch = set()
    nm = lambda sec, c, least: max(1, min(nmsg(sec, c, least), int(N * 0.4)))
    neo = ctx["cls"] == "neonatal"
    cap = lambda n: max(1, min(n, int(N * 0.4)))

    def setv(j, p, x):
        msgs[j]["v"][p] = x
        ch.add(j)

    if kind == "spike":
        p = pick(fr, msgs, ["hr", "spo2", "rr"])
        n = cap(fr.randint(1, 3))
        s = window(msgs, fr, n, [p])
        amp = {"hr": fr.choice([-1, 1]) * (fr.uniform(22, 32) if sub else fr.uniform(50, 80)),
               "spo2": -(fr.uniform(7, 11) if sub else fr.uniform(20, 35)),
               "rr": fr.uniform(10, 15) if sub else fr.uniform(25, 40)}[p]
        for j in range(s, s + n):
            if msgs[j]["v"].get(p) is not None:
                setv(j, p, max(0, msgs[j]["v"][p] + amp))
        return ch, p, "%s changed by %+.0f on %d message(s) then back to the true value" % (p, amp, n)

    if kind == "frozen":
        p = pick(fr, msgs, ["hr", "spo2", "rr", "abp_m", "etco2", "pr"])
        dur = fr.uniform(360, 720) if sub else fr.uniform(1200, 2400)
        n = nm(dur, cad, 12)
        s = window(msgs, fr, n + 1, [p])
        ps = ABP if p == "abp_m" else (p,)
        held = {q: msgs[s]["v"][q] for q in ps}
        for j in range(s + 1, s + 1 + n):
            for q in ps:
                setv(j, q, held[q])
        return ch, ("abp" if p == "abp_m" else p), "%s held at its %s UTC value for %d messages (%.0f min); " \
            "other channels live" % ("/".join(ps), iso(msgs[s]["t"])[11:19], n, n * cad / 60)

    if kind == "replay":
        dur = fr.uniform(600, 900) if sub else fr.uniform(900, 1800)
        n = nm(dur, cad, 10)
        for _ in range(200):
            off = nmsg(fr.uniform(3600, 9000), cad, n + 5)
            s = window(msgs, fr, n, None, lo=0.45, hi=0.98)
            if s is not None and s - off >= 0 and msgs[s - off]["seg"] == msgs[s]["seg"] and \
                    msgs[s - off + n - 1]["seg"] == msgs[s]["seg"]:
                break
        else:
            off = max(n, int(N * 0.4))
            s = N - n - 1
        for k in range(n):
            src = msgs[s - off + k]["v"]
            dst = msgs[s + k]["v"]
            for q in list(dst):
                x = src.get(q)
                if x is not None and sub and q not in ABP and fr.random() < 0.35:
                    x = x + fr.choice([-1, 1]) * (0.1 if q == "temp" else (0.02 if q == "pi" else 1))
                dst[q] = x
            ch.add(s + k)
        return ch, "all", "continuous channels of %d messages replaced by those of %.0f min earlier%s" % (
            n, off * cad / 60, " with +-1 jitter on a third of the values" if sub else ", exactly"
        )

    if kind == "drift":
        p = pick(fr, msgs, ["hr", "spo2", "rr", "abp_m", "temp", "etco2"])
        full = {"hr": 32, "spo2": -9, "rr": 10, "abp_m": 28, "temp": 1.8, "etco2": 12}[p]
        if p in ("hr", "abp_m"):
            full *= fr.choice([-1, 1])
        if sub:
            full *= 0.5
        dur = fr.uniform(2400, 3600) if sub else fr.uniform(1500, 2400)
        back = fr.uniform(300, 600) if sub else 0
        n1, n2 = nm(dur, cad, 20), (nm(back, cad, 5) if back else 0)
        s = window(msgs, fr, n1 + n2, [p])
        ps = ABP if p == "abp_m" else (p,)
        for k in range(n1 + n2):
            f = (k + 1) / n1 if k < n1 else 1 - (k - n1 + 1) / (n2 + 1)
            for q in ps:
                x = msgs[s + k]["v"].get(q)
                if x is not None:
                    y = x + full * f
                    if q == "spo2":
                        y = min(100, y)
                    setv(s + k, q, y)
        return ch, ("abp" if p == "abp_m" else p), "%s offset ramped linearly to %+.1f over %.0f min%s; other " \
            "channels untouched" % ("/".join(ps), full, n1 * cad / 60,
                                     ", then ramped back over %.0f min" % (n2 * cad / 60) if n2 else ", then dropped")

    if kind == "too_smooth":
        p = pick(fr, msgs, ["hr", "rr", "spo2", "abp_m"])
        dur = fr.uniform(1200, 1800) if sub else fr.uniform(1500, 2700)
        n = nm(dur, cad, 20)
        s = window(msgs, fr, n, [p])
        ps = ABP if p == "abp_m" else (p,)
        for q in ps:
            xs = [msgs[j]["v"].get(q) for j in range(s, s + n)]
            last = next((x for x in xs if x is not None), 0)
            for k, x in enumerate(xs):
                xs[k] = last = x if x is not None else last
            if sub:  # centred moving average over ~2 min
                w = max(3, int(120 / cad))
                ys = []
                for k in range(n):
                    a, b = max(0, k - w), min(n, k + w + 1)
                    ys.append(sum(xs[a:b]) / (b - a))
            else:  # a straight line between the true ends with a faint slow wave
                a0, a1 = xs[0], xs[-1]
                ys = [a0 + (a1 - a0) * k / (n - 1) + 0.6 * math.sin(k * cad / 300.0) for k in range(n)]
            for k in range(n):
                setv(s + k, q, ys[k])
        return ch, ("abp" if p == "abp_m" else p), "%s replaced over %d messages by %s" % (
            "/".join(ps), n, "a +-2 min moving average of itself" if sub else "a line between its end values")

    if kind == "duplicate_control_id":
        n = cap(fr.randint(1, 2) if sub else fr.randint(8, 15))
        ago = fr.uniform(180, 1200) if sub else fr.uniform(1800, 7200)
        off = nmsg(ago, cad, n + 2)
        if off > N - n - 1:
            off = max(n + 1, (N - n) // 2)
        s = window(msgs, fr, n, None, lo=0.5, hi=0.95)
        s = min(max(s, off), N - n)
        for k in range(n):
            msgs[s + k]["ctrl"] = msgs[s - off + k]["ctrl"]
            ch.add(s + k)
        return ch, "MSH-10", "%d message(s) carry the control IDs of messages %.0f min earlier, with new content" % (
            n, off * cad / 60)

    if kind == "step":
        p = pick(fr, msgs, ["abp_m", "abp_m", "rr", "rr", "hr", "spo2", "etco2"])
        amp = {"abp_m": (13, 32), "rr": (6, 12), "hr": (16, 35), "spo2": (-4, -8), "etco2": (6, 12)}[p][0 if sub else 1]
        if p in ("abp_m", "hr", "rr") and fr.random() < 0.5:
            amp = -amp
        dur = fr.uniform(600, 2400)
        n = nm(dur, cad, 10)
        s = window(msgs, fr, n, [p])
        ps = ABP if p == "abp_m" else (p,)
        for k in range(n):
            for q in ps:
                x = msgs[s + k]["v"].get(q)
                if x is not None:
                    y = max(0, x + amp)
                    setv(s + k, q, min(100, y) if q == "spo2" else y)
        return ch, ("abp" if p == "abp_m" else p), "%s shifted by %+d for %.0f min (%d messages), nothing else " \
            "moves" % ("/".join(ps), amp, n * cad / 60, n)

    if kind == "unit_mislabel":
        dur = fr.uniform(300, 1800)
        n = nm(dur, cad, 8)
        has_et = any(m["v"].get("etco2") is not None for m in msgs)
        if has_et and (sub or fr.random() < 0.5):
            s = window(msgs, fr, n, ["etco2"])
            for k in range(n):
                m = msgs[s + k]
                x = m["v"].get("etco2")
                if x is None:
                    continue
                if ctx["etco2_unit"] == "kPa":  # mmHg value with the kPa label kept
                    m["etco2_raw"] = "%d" % round(x)
                    d = "etCO2 sent as mmHg figures under the monitor's kPa unit"
                else:  # kPa figure under the mmHg unit
                    m["etco2_raw"] = "%.1f" % (x / MMHG_PER_KPA)
                    d = "etCO2 converted to kPa but still labelled mmHg"
                ch.add(s + k)
            return ch, "etco2", d + " for %d messages" % n
        s = window(msgs, fr, n, ["temp"])
        for k in range(n):
            m = msgs[s + k]
            x = m["v"].get("temp")
            if x is None:
                continue
            if ctx["temp_unit"] == "degF":
                m["temp_raw"] = "%.1f" % x
                d = "temperature sent in Celsius under the Fahrenheit unit"
            else:
                m["temp_raw"] = "%.1f" % (x * 9 / 5 + 32)
                d = "temperature sent in Fahrenheit under the Celsius unit"
            ch.add(s + k)
        return ch, "temp", d + " for %d messages" % n

    if kind == "out_of_range":
        n = cap(fr.randint(3, 15) if sub else fr.randint(2, 10))
        if sub:
            p = pick(fr, msgs, ["rr", "spo2", "rr"])
            val = {"rr": lambda: fr.uniform(150, 195), "spo2": lambda: fr.choice([101, 102, 103])}[p]
        else:
            p = pick(fr, msgs, ["hr", "spo2", "rr", "temp"])
            val = {"hr": lambda: fr.uniform(330, 420), "spo2": lambda: fr.uniform(108, 140),
                   "rr": lambda: fr.uniform(240, 320), "temp": lambda: fr.uniform(47, 55)}[p]
        s = window(msgs, fr, n, [p])
        for k in range(n):
            setv(s + k, p, val())
        return ch, p, "%s set beyond physiology (%s) for %d messages" % (
            p, ", ".join(fmt_val(p, msgs[s + k]["v"][p]) for k in range(min(n, 3))), n)

    if kind == "hr_pr_mismatch":
        dur = fr.uniform(300, 1200)
        n = nm(dur, cad, 8)
        s = window(msgs, fr, n, ["hr", "pr"])
        if sub:
            gap = fr.uniform(28, 40)
            for k in range(n):
                if msgs[s + k]["v"].get("hr") is not None:
                    setv(s + k, "pr", msgs[s + k]["v"]["hr"] + gap)
            return ch, "pr", "SpO2 pulse rate set %.0f above ECG HR for %d messages (a pulse above the heart rate)" % (
                gap, n)
        gap = fr.uniform(50, 80) * fr.choice([-1, 1])
        for k in range(n):
            if msgs[s + k]["v"].get("pr") is not None:
                setv(s + k, "hr", max(20, msgs[s + k]["v"]["pr"] + gap))
        return ch, "hr", "ECG HR set %+.0f from the pulse rate for %d messages" % (gap, n)

    if kind == "bp_inconsistent":
        has_abp = any(m["v"].get("abp_s") is not None for m in msgs)
        if has_abp and fr.random() < 0.6:
            n = nm(fr.uniform(120, 600), cad, 4)
            s = window(msgs, fr, n, ["abp_s"])
            for k in range(n):
                v = msgs[s + k]["v"]
                if v.get("abp_s") is None:
                    continue
                if sub:
                    setv(s + k, "abp_m", v["abp_s"] + fr.uniform(3, 8))
                else:
                    v["abp_s"], v["abp_d"] = v["abp_d"], v["abp_s"]
                    ch.add(s + k)
            return ch, "abp", ("ABP mean set a few mmHg above systolic" if sub else
                               "ABP systolic and diastolic swapped") + " for %d messages" % n
        # one NIBP reading: every message that carries it
        idx = [j for j in range(int(N * 0.2), N) if msgs[j]["nibp"] is not None]
        readings = sorted(set(msgs[j]["nibp"] for j in idx), key=lambda x: x[3])
        rd = readings[len(readings) // 3] if readings else None
        if rd is None:
            rd = (56, 32, 41, msgs[N // 2]["t"]) if neo else (120, 70, 87, msgs[N // 2]["t"])
            for j in range(N // 2, min(N, N // 2 + nm(600, cad, 3))):
                msgs[j]["nibp"] = rd
        s_, d_, m_, tm = rd
        new = (s_, d_, s_ + fr.randint(4, 10), tm) if sub else (d_, s_, m_, tm)
        for j in range(N):
            if msgs[j]["nibp"] == rd:
                msgs[j]["nibp"] = new
                ch.add(j)
        return ch, "nibp", ("NIBP mean reported above systolic" if sub else "NIBP systolic below diastolic") + \
            " in one reading (%d messages carry it)" % len(ch)

    if kind == "time_backwards":
        if sub:
            n = nm(fr.uniform(120, 600), cad, 3)
            back = fr.uniform(40, 150)
        else:
            n = cap(fr.randint(3, 20))
            back = fr.uniform(3600, 6 * 3600)
        s = window(msgs, fr, n, None)
        for k in range(n):
            msgs[s + k]["dev"] -= back
            ch.add(s + k)
        return ch, "MSH-7", "message time set back %.0f s for %d messages, then restored" % (back, n)

    if kind == "time_future":
        if sub:
            n = nm(fr.uniform(180, 900), cad, 3)
            ahead = fr.uniform(480, 1500)
        else:
            n = cap(fr.randint(1, 10))
            ahead = fr.uniform(86400, 365 * 86400)
        s = window(msgs, fr, n, None)
        for k in range(n):
            msgs[s + k]["dev"] += ahead
            ch.add(s + k)
        return ch, "MSH-7", "message time set %.0f s ahead for %d messages" % (ahead, n)

    if kind == "identity_switch":
        n = nm(fr.uniform(300, 900) if sub else fr.uniform(600, 1800), cad, 5)
        s = window(msgs, fr, n, None)
        cur = msgs[s]["ident"]
        if sub:
            mrn = list(cur["mrn"])
            i = fr.randrange(1, len(mrn))
            mrn[i] = str((int(mrn[i]) + fr.randint(1, 9)) % 10) if mrn[i].isdigit() else "7"
            other = dict(cur, mrn="".join(mrn))
            d = "PID-3 changed by one digit (%s -> %s), name kept" % (cur["mrn"], other["mrn"])
        else:
            other = new_identity(fr, ctx["cls"])
            d = "another patient's identity (%s, %s) in PID" % (other["mrn"], other["name"])
        for k in range(n):
            msgs[s + k]["ident"] = other
            ch.add(s + k)
        return ch, "PID", d + " for %d messages, then the true one again" % n

    if kind == "nibp_cadence":
        dur = fr.uniform(1800, 2700) if sub else fr.uniform(600, 1200)
        n = nm(dur, cad, 6)
        s = window(msgs, fr, n, None)
        mode = "restamp" if sub and fr.random() < 0.5 else ("fast" if sub else "every")
        every = fr.uniform(150, 240) if mode == "fast" else max(cad, fr.uniform(8, 20))
        last_t = -1e9
        cur = None
        for k in range(n):
            m = msgs[s + k]
            base = m["nibp"] or ((56, 32, 41, m["t"]) if neo else (118, 68, 85, m["t"]))
            if mode == "restamp":
                # values change every ~3 min without a new measurement time
                if m["t"] - last_t >= 180 or cur is None:
                    last_t = m["t"]
                    cur = (base[0] + fr.randint(-9, 9), base[1] + fr.randint(-6, 6), 0, base[3])
                    cur = (cur[0], cur[1], round((cur[0] + 2 * cur[1]) / 3), base[3])
                m["nibp"] = cur
            else:
                if m["t"] - last_t >= every:
                    last_t = m["t"]
                    ss = base[0] + fr.randint(-8, 8)
                    dd = base[1] + fr.randint(-5, 5)
                    cur = (ss, dd, round((ss + 2 * dd) / 3), m["t"] - fr.uniform(0, 2))
                m["nibp"] = cur
            ch.add(s + k)
        return ch, "nibp", {"restamp": "NIBP values change every ~3 min while OBX-14 keeps the old measurement time",
                            "fast": "a new NIBP reading every %.0f s" % every,
                            "every": "a new NIBP reading every %.0f s" % every}[mode] + " for %.0f min" % (n * cad / 60)
    raise ValueError(kind)


# ---------------------------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--monitors", type=int, default=150)
    ap.add_argument("--hours", type=float, default=4)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--no-forge", action="store_true", help=argparse.SUPPRESS)  # tests: the same corpus untouched
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.startswith("mon-") and f.endswith(".hl7"):
            os.remove(os.path.join(a.out, f))
    assign = plan(a.seed, a.monitors)
    jobs = []
    ep = 0
    for mi in range(a.monitors):
        job = assign[mi]
        if job:
            ep += 1
        jobs.append((a.seed, mi, a.hours, ep if job else 0, job, a.out, not a.no_forge))
    if a.workers > 1:
        with ProcessPoolExecutor(a.workers) as ex:
            res = list(ex.map(sim_monitor, jobs, chunksize=1))
    else:
        res = [sim_monitor(j) for j in jobs]
    with open(os.path.join(a.out, "labels.jsonl"), "w") as lf, open(os.path.join(a.out, "monitors.jsonl"), "w") as mf:
        for lines, info in res:
            lf.write("\n".join(lines) + "\n")
            mf.write(json.dumps(info, separators=(",", ":")) + "\n")
    n = sum(i["messages"] for _, i in res)
    print("corpus6: seed %d, %d monitors x %g h, %d messages, %d episodes -> %s" % (
        a.seed, a.monitors, a.hours, n, ep, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
